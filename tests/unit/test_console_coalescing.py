"""A console that is behind gets every change, merged, never a replaced delta."""

from __future__ import annotations

from tui.console import protocol as p
from tui.console.outbox import Limits, Outbox, merge
from tui.engine.alerts import Alert
from tui.engine.view import BreakerRow, VenueRow


def venue(name: str, state: str) -> VenueRow:
    return VenueRow(
        name=name,
        state=state,
        connected=True,
        msgs_per_s=1.0,
        latency_p50_ms=None,
        latency_p99_ms=None,
        silent_s=0.0,
        gaps=0,
        checksum_failures=0,
        resyncs=0,
        reconnects_5m=0,
        parse_errors_60s=0,
        alerts=0,
        worst="",
    )


def breaker(armed: bool) -> BreakerRow:
    return BreakerRow(name="b1", rule="r", action="isolate", armed=armed, tripped={})


def test_a_pending_update_is_merged_not_replaced() -> None:
    client = Outbox(ws=None, user="slow", limits=Limits())  # type: ignore[arg-type]
    client.push_state(
        p.Update(ts_ns=1, breakers=[breaker(True)], venues=[venue("kraken", "DEGRADED")])
    )
    client.push_state(p.Update(ts_ns=2, venues=[venue("kraken", "ISOLATED"), venue("okx", "LIVE")]))
    state = client.state
    assert state is not None and state.ts_ns == 2
    assert state.breakers == [breaker(True)]  # the earlier change survives
    assert {v.name: v.state for v in state.venues} == {"kraken": "ISOLATED", "okx": "LIVE"}


def test_merge_keeps_the_latest_alert_list() -> None:
    a = Alert(
        key="k",
        rule="stale",
        venue="okx",
        instrument="",
        severity="critical",
        state="firing",
        summary="s",
    )
    first = p.Update(ts_ns=1, alerts=[a])
    assert merge(first, p.Update(ts_ns=2)).alerts == [a]
    assert merge(first, p.Update(ts_ns=2, alerts=[])).alerts == []
