"""PagerDuty Events API v2 and Slack incoming webhooks, against local receivers that check
the documented payload shapes.

- PagerDuty: "Send Alert Events" / "Acknowledge and Resolve" of the Events API v2
  (PagerDuty developer docs, events-API-v2/02-Trigger-Events.md): ``routing_key``,
  ``event_action`` in trigger/acknowledge/resolve, ``dedup_key`` (<= 255 chars), and for a
  trigger ``payload.summary`` (<= 1024), ``payload.source``, ``payload.severity`` in
  critical/error/warning/info; a success is ``202 Accepted``.
- Slack: "Sending messages using incoming webhooks" (api.slack.com/messaging/webhooks) and
  the Block Kit block reference (api.slack.com/reference/block-kit/blocks): a top-level
  ``text`` fallback with ``blocks``; a ``header`` takes plain_text of at most 150
  characters, a ``section`` mrkdwn text (<= 3000) and at most 10 ``fields``; ``context``
  takes ``elements``. mrkdwn needs ``&``, ``<`` and ``>`` escaped.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.control import journal
from tui.secrets import set_secret

from support.fixtures import StartEngine, StartReceiver

ROUTING_KEY = "R0UTINGKEY0123456789abcdefABCDEF"
PD_SEVERITIES = {"critical", "error", "warning", "info"}
KEY = "venuewatch/stale|kraken|"  # stable: rule|venue|instrument


def _journal_text(tmp: Path) -> str:
    return (tmp / "journal.jsonl").read_text()


def _check_pd_event(ev: dict[str, Any]) -> None:
    assert ev["routing_key"] == ROUTING_KEY
    assert ev["event_action"] in {"trigger", "acknowledge", "resolve"}
    assert isinstance(ev["dedup_key"], str) and 0 < len(ev["dedup_key"]) <= 255
    if ev["event_action"] == "trigger":
        p = ev["payload"]
        assert 0 < len(p["summary"]) <= 1024
        assert p["source"] and p["severity"] in PD_SEVERITIES
        datetime.fromisoformat(p["timestamp"].replace("Z", "+00:00"))
    else:
        assert "payload" not in ev


async def test_pagerduty_trigger_acknowledge_resolve_share_one_dedup_key(
    tmp_path: Path, receiver: StartReceiver, engine: StartEngine
) -> None:
    set_secret("pd-routing", ROUTING_KEY)
    reply = json.dumps({"status": "success", "message": "Event processed"}).encode()
    pd = await receiver(status=202, reply=reply)
    sink = {"kind": "pagerduty", "url": pd.url + "/v2/enqueue", "secret": "pd-routing"}
    rig = await engine(["binance", "kraken"], extra={"sinks": [sink]})
    await rig.healthy()
    rig.sim.inject("kraken", "stall", duration_s=60)

    def events() -> list[dict[str, Any]]:
        # Only kraken's stale alert (a loaded machine may page about others too).
        return [r.json() for r in pd.requests if r.json()["dedup_key"] == KEY]

    await pd.wait_for(lambda: events(), what="trigger")
    trigger = events()[0]
    _check_pd_event(trigger)
    assert trigger["event_action"] == "trigger"
    assert trigger["payload"]["severity"] == "critical"
    assert trigger["payload"]["source"] == "kraken"
    key = trigger["dedup_key"]
    assert all(r.path == "/v2/enqueue" for r in pd.requests)
    assert all(r.headers["Content-Type"] == "application/json" for r in pd.requests)

    alice = await rig.console("alice")
    out = await alice.command("isolate", venue="kraken", reason="on it")
    assert out.ok
    await pd.wait_for(lambda: len(events()) >= 2, what="acknowledge")
    ack = events()[1]
    _check_pd_event(ack)
    assert ack["event_action"] == "acknowledge" and ack["dedup_key"] == key

    rig.sim.clear("kraken", "stall")
    await pd.wait_for(lambda: len(events()) >= 3, timeout=20, what="resolve")
    resolve = events()[2]
    _check_pd_event(resolve)
    assert resolve["event_action"] == "resolve" and resolve["dedup_key"] == key
    await rig.wait_for(
        lambda: "resolve stale|kraken|" in _journal_text(tmp_path), what="journalled"
    )
    await rig.stop()  # what the journal holds once the engine has stopped
    text = _journal_text(tmp_path)
    assert ROUTING_KEY not in text
    sinks = [
        e.as_dict() for e in journal.read(tmp_path / "journal.jsonl").entries if e.kind == "sink"
    ]
    pd_results = [s for s in sinks if s["sink"].startswith("pagerduty:")]
    assert any(s["ok"] and "HTTP 202" in s["detail"] for s in pd_results)
    assert any(s.get("detail", "").startswith("acknowledged: stale|kraken|") for s in pd_results)


def _check_slack(msg: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(msg["text"], str) and msg["text"]
    header, section, context = msg["blocks"]
    assert header["type"] == "header" and header["text"]["type"] == "plain_text"
    assert 0 < len(header["text"]["text"]) <= 150
    assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
    assert len(section["text"]["text"]) <= 3000
    assert len(section["fields"]) <= 10
    assert all(f["type"] == "mrkdwn" and len(f["text"]) <= 2000 for f in section["fields"])
    assert context["type"] == "context" and context["elements"][0]["type"] == "mrkdwn"
    return {"title": header["text"]["text"], "body": section["text"]["text"], **msg}


async def test_slack_gets_readable_messages_for_a_trip_its_command_and_the_alert(
    receiver: StartReceiver, engine: StartEngine, tmp_path: Path
) -> None:
    breakers = {
        "breakers": {
            "feed-silent": {
                "metric": "venue_silent_s",
                "op": ">=",
                "threshold": 1.5,
                "for_s": 0.5,
                "action": "isolate",
            }
        }
    }
    slack = await receiver()
    hook = slack.url + "/services/T0001/B0001/sEcReTpAtH"
    set_secret("slack-hook", hook)
    sink = {"kind": "slack", "secret": "slack-hook"}
    rig = await engine(["binance", "kraken"], engine=breakers, extra={"sinks": [sink]})
    await rig.healthy()
    rig.sim.inject("kraken", "stall", duration_s=60)

    def titles() -> list[str]:
        return [_check_slack(r.json())["title"] for r in slack.requests]

    await slack.wait_for(
        lambda: (
            any(t.startswith("Breaker tripped: feed-silent on kraken") for t in titles())
            and any(t.startswith("venuewatch: isolate kraken") for t in titles())
            and any(t.startswith("FIRING critical: stale on kraken") for t in titles())
        ),
        what="trip, command and alert messages",
    )
    assert all(r.path == "/services/T0001/B0001/sEcReTpAtH" for r in slack.requests)
    alice = await rig.console("alice")
    n = len(slack.requests)
    out = await alice.command("halt", instrument="BTC-USD", reason="<!channel> & <@U1>")
    assert out.ok

    def halt_message() -> dict[str, Any] | None:
        for r in slack.requests[n:]:
            msg = _check_slack(r.json())
            if msg["title"].startswith("venuewatch: halt"):
                return msg
        return None

    msg = await slack.wait_for(halt_message, what="halt message")
    fields = " ".join(f["text"] for f in msg["blocks"][1]["fields"])
    assert "&lt;!channel&gt; &amp; &lt;@U1&gt;" in fields and "<!channel>" not in fields
    assert "*By*\nconsole:alice" in fields
    await rig.stop()
    text = _journal_text(tmp_path)
    assert "sEcReTpAtH" not in text and '"sink":"slack:incoming-webhook"' in text


async def test_the_journal_going_down_pages_and_posts_directly(receiver: StartReceiver) -> None:
    """The journal cannot hold the news of its own outage: the sinks get it straight."""
    from tui.control.sinks import SinkSettings
    from tui.integrations.pagerduty import PagerDutySink
    from tui.integrations.slack import SlackSink
    from tui.secrets import Secret

    down = {"kind": "system", "event": "journal-unwritable", "reason": "ENOSPC", "journal": "j"}
    up = {"kind": "system", "event": "journal-writable", "journal": "j"}
    anchor = {"kind": "system", "event": "journal-anchor", "anchor_seq": 9, "anchor_hash": "ab"}
    pd = await receiver(status=202)
    slack = await receiver()
    p = PagerDutySink(
        SinkSettings(kind="pagerduty", url=pd.url + "/v2/enqueue", secret="k"),
        Secret(ROUTING_KEY),
    )
    s = SlackSink(SinkSettings(kind="slack", secret="s"), Secret(slack.url + "/hook"))
    for entry in (anchor, down, up):
        await p.dispatch(entry)
        await s.dispatch(entry)
    trigger, resolve = (r.json() for r in pd.requests)
    _check_pd_event(trigger)
    _check_pd_event(resolve)
    assert trigger["event_action"] == "trigger" and resolve["event_action"] == "resolve"
    assert trigger["dedup_key"] == resolve["dedup_key"] == "venuewatch/journal-unwritable|engine|"
    assert "ENOSPC" in trigger["payload"]["summary"]
    titles = [_check_slack(r.json())["title"] for r in slack.requests]
    assert titles == ["Journal unwritable: commands are refused", "Journal writable again"]
    await p.aclose()
    await s.aclose()


async def test_a_page_left_open_by_a_stopped_engine_is_resolved_after_a_restart(
    receiver: StartReceiver,
) -> None:
    """Read back from the journal: a page whose alert does not fire again is closed."""
    from tui.control.sinks import SinkSettings
    from tui.integrations.base import Context
    from tui.integrations.pagerduty import PagerDutySink
    from tui.secrets import Secret

    pd = await receiver(status=202)
    s = SinkSettings(kind="pagerduty", url=pd.url + "/v2/enqueue", secret="k", resend_s=1.0)
    sink = PagerDutySink(s, Secret(ROUTING_KEY))
    prior = [
        {"kind": "sink", "sink": sink.name, "about": "trigger stale|kraken|", "ok": True},
        {"kind": "sink", "sink": sink.name, "about": "trigger spread|okx|BTC-USD", "ok": True},
        {"kind": "sink", "sink": sink.name, "about": "resolve spread|okx|BTC-USD", "ok": True},
        {"kind": "sink", "sink": sink.name, "about": "trigger gaps|okx|ETH-USD", "ok": False},
    ]
    records: list[dict[str, object]] = []

    async def record(kind: str, **fields: object) -> dict[str, object]:
        records.append({"kind": kind, **fields})
        return records[-1]

    sink.recover(prior)
    assert sink.open == {"stale|kraken|": "kraken"}
    sink.start(Context(record=record, firing=list))
    await pd.wait_for(lambda: pd.requests, what="the resolve")
    (ev,) = (r.json() for r in pd.requests)
    _check_pd_event(ev)
    assert ev["event_action"] == "resolve" and ev["dedup_key"] == KEY
    await sink.aclose()
