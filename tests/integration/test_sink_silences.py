"""A silence mutes a critical alert's page and Slack post, never a command: the whole
service against the simulator, with PagerDuty and Slack played by local receivers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tui.control import journal
from tui.secrets import set_secret

from support.fixtures import StartEngine, StartReceiver


def _sink_results(tmp: Path) -> list[dict[str, Any]]:
    entries = journal.read(tmp / "journal.jsonl").entries
    return [e.as_dict() for e in entries if e.kind == "sink"]


async def test_a_silenced_critical_alert_reaches_neither_pagerduty_nor_slack_but_isolate_does(
    tmp_path: Path, receiver: StartReceiver, engine: StartEngine
) -> None:
    set_secret("pd-silence", "R0UTINGKEY0123456789abcdefABCDEF")
    reply = json.dumps({"status": "success", "message": "Event processed"}).encode()
    pd = await receiver(status=202, reply=reply)
    slack = await receiver()
    set_secret("slack-silence", slack.url + "/services/T0001/B0001/hook")
    sinks = [
        {"kind": "pagerduty", "url": pd.url + "/v2/enqueue", "secret": "pd-silence"},
        {"kind": "slack", "secret": "slack-silence"},
    ]
    rig = await engine(["binance", "kraken"], extra={"sinks": sinks})
    await rig.healthy()
    alice = await rig.console("alice")
    out = await alice.command("silence", match="kraken", minutes="5", reason="upgrade")
    assert out.ok, out.detail
    rig.sim.inject("kraken", "stall", duration_s=60)
    await rig.wait_for(lambda: rig.alert("stale", "kraken"), what="stale kraken alert")

    def muted(prefix: str) -> bool:
        return any(
            s["sink"].startswith(prefix)
            and "stale|kraken|" in s.get("about", "")
            and str(s.get("detail", "")).startswith("muted (silenced by console:alice")
            for s in _sink_results(tmp_path)
        )

    await rig.wait_for(
        lambda: muted("pagerduty:") and muted("slack:"), what="muted results journalled"
    )
    out = await alice.command("isolate", venue="kraken", reason="feed dead")
    assert out.ok

    def titles() -> list[str]:
        return [r.json()["blocks"][0]["text"]["text"] for r in slack.requests]

    await slack.wait_for(
        lambda: any(t.startswith("venuewatch: isolate kraken") for t in titles()),
        what="the isolate message",
    )
    # The command reached PagerDuty's sink too: it had no page to acknowledge.
    await rig.wait_for(
        lambda: any(
            s["sink"].startswith("pagerduty:")
            and s.get("detail") == "skipped (no open page to acknowledge)"
            for s in _sink_results(tmp_path)
        ),
        what="PagerDuty's result for the isolate",
    )
    await rig.stop()  # nothing more reaches either receiver once the engine has stopped
    assert not [t for t in titles() if "on kraken" in t and not t.startswith("venuewatch:")]
    assert not [r for r in pd.requests if "kraken" in r.json()["dedup_key"]]
