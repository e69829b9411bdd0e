"""A silence mutes the outside notifications of the alerts it covers, for its time only.

Each alerting sink is driven with a real controller (the silence is a journalled
command) and its transport replaced by a list: this tier has no sockets (the
receiver-backed test is tests/integration/test_sink_silences.py). What is
checked: a silenced alert is not sent and is journalled as muted; an alert the
silence does not cover, or any alert once it expired, is sent; commands,
breaker trips and the journal's own outage are never muted.
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from tui.control.commands import Command
from tui.control.controller import Controller
from tui.control.delivery import Request
from tui.control.sinks import SinkSettings
from tui.engine.alerts import Alert
from tui.integrations.alertmanager import AlertmanagerSink
from tui.integrations.base import AlertSink, Context
from tui.integrations.pagerduty import PagerDutySink
from tui.integrations.slack import SlackSink
from tui.secrets import Secret

from support import controls as rig

MIN = 60 * 10**9
KRAKEN = "stale|kraken|"
OKX = "stale|okx|"


class Rig:
    def __init__(self) -> None:
        self.clock = rig.Clock()
        self.ctl = Controller(rig.engine(clock=self.clock), rig.MemoryJournal())
        self.records: list[dict[str, Any]] = []
        self.firing: list[Alert] = []
        self.ctx = Context(
            record=self._record, firing=lambda: list(self.firing), silenced=self.ctl.silenced
        )

    async def _record(self, kind: str, **fields: Any) -> dict[str, Any]:
        self.records.append({"kind": kind, **fields})
        return self.records[-1]

    async def silence(self, match: str, minutes: int = 5) -> None:
        out = await self.ctl.execute(
            Command(
                action="silence",
                args={"match": match, "minutes": str(minutes)},
                actor="console:alice",
                reason="maintenance window",
                ts_ns=self.ctl.wall(),
            )
        )
        assert out.ok, out.detail

    def expire(self) -> None:
        self.clock.now += 6 * MIN

    async def settled(self) -> list[dict[str, Any]]:
        await asyncio.gather(*self.ctx.tasks)
        return [r for r in self.records if r["kind"] == "sink"]


def capture(sink: AlertSink) -> list[tuple[dict[str, Any] | list[Any], str]]:
    """The sink's deliveries, decoded, instead of HTTP (the transport is not under test)."""
    sent: list[tuple[dict[str, Any] | list[Any], str]] = []

    def send(request: Request, about: str, journal: bool = True) -> None:
        sent.append((msgspec.json.decode(request.body), about))

    sink.send = send  # type: ignore[method-assign]
    return sent


def alert_entry(key: str, what: str = "firing", severity: str = "critical") -> dict[str, Any]:
    rule, venue, instrument = key.split("|")
    return {
        "seq": 7,
        "ts": "2026-11-28T10:00:00.000000Z",
        "kind": "alert",
        "what": what,
        "key": key,
        "rule": rule,
        "venue": venue,
        "instrument": instrument,
        "severity": severity,
        "summary": f"{venue} silent",
    }


def firing(key: str) -> Alert:
    rule, venue, instrument = key.split("|")
    return Alert(
        key=key, rule=rule, venue=venue, instrument=instrument, severity="critical",
        state="firing", summary=f"{venue} silent", fired_ns=1,
    )  # fmt: skip


async def test_pagerduty_does_not_page_a_silenced_alert_and_pages_once_it_expired() -> None:
    r = Rig()
    sink = PagerDutySink(SinkSettings(kind="pagerduty", secret="k"), Secret("R0UTING"))
    sent = capture(sink)
    sink.start(r.ctx)
    await r.silence("kraken")
    sink.notice(alert_entry(KRAKEN))
    sink.notice(alert_entry(OKX))
    assert [(b["event_action"], b["dedup_key"]) for b, _ in sent] == [  # type: ignore[call-overload]
        ("trigger", "venuewatch/stale|okx|")
    ]
    assert KRAKEN not in sink.open and sink.muted == 1
    (muted,) = await r.settled()
    assert muted["about"] == f"trigger {KRAKEN}" and muted["ok"]
    assert muted["detail"].startswith("muted (silenced by console:alice")
    # Read back after a restart, a muted trigger is not an open page.
    again = PagerDutySink(SinkSettings(kind="pagerduty", secret="k"), Secret("R0UTING"))
    again.recover([{**muted, "sink": sink.name}])
    assert again.open == {}

    r.expire()
    sink.notice(alert_entry(KRAKEN, "escalated"))
    assert [b["dedup_key"] for b, _ in sent][-1] == "venuewatch/stale|kraken|"  # type: ignore[call-overload]
    assert sink.muted == 1


async def test_pagerduty_journal_outage_page_is_never_muted() -> None:
    r = Rig()
    sink = PagerDutySink(SinkSettings(kind="pagerduty", secret="k"), Secret("R0UTING"))
    sink.start(r.ctx)
    await r.silence("journal")  # covers the journal-unwritable key
    requests: list[Request] = []

    async def send(request: Request) -> str:
        requests.append(request)
        return "HTTP 202"

    sink.outbox.send = send  # type: ignore[method-assign]
    out = await sink.dispatch({"kind": "system", "event": "journal-unwritable", "reason": "ENOSPC"})
    assert out == "HTTP 202" and len(requests) == 1 and sink.muted == 0


async def test_slack_mutes_a_silenced_alert_but_never_a_trip_and_posts_once_expired() -> None:
    r = Rig()
    sink = SlackSink(SinkSettings(kind="slack", secret="s"), Secret("http://127.0.0.1:1/hook"))
    sent = capture(sink)
    sink.start(r.ctx)
    await r.silence("kraken")
    sink.notice(alert_entry(KRAKEN))
    sink.notice(
        {"kind": "breaker", "breaker": "feed-silent", "venue": "kraken", "action": "isolate"}
    )
    sink.notice(alert_entry(OKX))
    assert [about for _, about in sent] == ["breaker feed-silent", f"alert firing: {OKX}"]
    assert sink.muted == 1
    (muted,) = await r.settled()
    assert muted["about"] == f"alert firing: {KRAKEN}" and muted["detail"].startswith("muted")

    r.expire()
    sink.notice(alert_entry(KRAKEN, "resolved"))
    assert sent[-1][1] == f"alert resolved: {KRAKEN}"
    assert sink.muted == 1


async def test_alertmanager_stops_telling_a_silenced_alert_and_tells_it_again_after() -> None:
    r = Rig()
    s = SinkSettings(kind="alertmanager", url="http://127.0.0.1:9093", resend_s=60)
    sink = AlertmanagerSink(s, clock=r.clock)
    sent = capture(sink)
    sink.ctx = r.ctx  # no resend loop: the resend is firing_items, called directly
    r.firing = [firing(KRAKEN), firing(OKX)]
    sink.notice(alert_entry(KRAKEN))
    assert {i["labels"]["venue"] for i in sent[-1][0]} == {"kraken", "okx"}  # type: ignore[index]

    await r.silence("kraken")
    sink.notice(alert_entry(KRAKEN, "escalated"))
    assert len(sent) == 1 and sink.muted == 1  # nothing posted for it
    assert KRAKEN not in sink.told
    (muted,) = await r.settled()
    assert muted["about"] == f"alert escalated: {KRAKEN}" and muted["detail"].startswith("muted")
    # Resends leave it out, and do not resolve it either: Alertmanager lets it expire.
    items = sink.firing_items(r.firing)
    assert [(i["labels"]["venue"], i["endsAt"] > i["startsAt"]) for i in items] == [("okx", True)]
    r.firing = [firing(OKX)]  # kraken resolves while silenced: still nothing about it
    assert [i["labels"]["venue"] for i in sink.firing_items(r.firing)] == ["okx"]

    r.firing = [firing(KRAKEN), firing(OKX)]
    r.expire()
    items = sink.firing_items(r.firing)
    kraken = [i for i in items if i["labels"]["venue"] == "kraken"]
    assert len(kraken) == 1 and kraken[0]["endsAt"] > kraken[0]["startsAt"]  # firing again
    assert KRAKEN in sink.told
