"""Acknowledgements and silences: journalled commands, rebuilt on restart,
expiring by themselves, and never hiding an alert."""

from __future__ import annotations

from typing import Any

from tui.console import controls_view as cv
from tui.control import recovery
from tui.control.commands import Command
from tui.control.controller import Controller

from support import controls as rig

MIN = 60 * 10**9


async def test_a_silence_expires_by_itself_and_survives_a_restart() -> None:
    ctl, j, _ = rig.controller()
    out = await ctl.execute(
        Command(
            action="silence",
            args={"match": "kraken", "minutes": "5"},
            actor="console:alice",
            reason="maintenance window",
            ts_ns=ctl.wall(),
        )
    )
    assert out.ok
    assert ctl.silenced("spread|kraken|BTC-USD") is not None
    assert ctl.silenced("spread|kraken|BTC-USD", ctl.wall() + 6 * MIN) is None
    bad = await ctl.execute(
        Command(action="silence", args={"match": "x", "minutes": "forever"}, actor="console:a")
    )
    assert not bad.ok and "whole number" in bad.detail
    new = Controller(rig.engine(), rig.MemoryJournal())
    recovery.rebuild(new, j.entries)
    assert [s.match for s in new.silences] == ["kraken"]


async def test_only_a_firing_alert_can_be_acknowledged() -> None:
    ctl, _, _ = rig.controller()
    out = await ctl.execute(
        Command(action="ack", args={"alert": "stale|kraken|"}, actor="console:alice")
    )
    assert not out.ok and "no firing alert" in out.detail


def entry(seq: int, kind: str, **fields: Any) -> dict[str, Any]:
    return {"seq": seq, "ts": "2026-11-24T13:50:00.000000Z", "kind": kind, **fields}


JOURNAL = [
    entry(1, "command", id="a", action="isolate", actor="console:alice", summary="isolate kraken",
          inverse={"action": "restore", "args": {"venue": "kraken"}}),
    entry(2, "outcome", id="a", ok=True),
    entry(3, "command", id="b", action="halt", actor="console:bob", summary="halt BTC-USD",
          inverse={"action": "resume", "args": {}}),
    entry(4, "outcome", id="b", ok=True),
    entry(5, "command", id="c", action="isolate", actor="console:alice", summary="isolate okx",
          inverse={"action": "restore", "args": {"venue": "okx"}}),
    entry(6, "outcome", id="c", ok=False),
    entry(7, "command", id="d", action="ack", actor="console:bob", args={"alert": "k1"}),
    entry(8, "outcome", id="d", ok=True),
    entry(9, "command", id="e", action="silence", actor="console:carol",
          args={"match": "okx", "minutes": "10"}),
    entry(10, "outcome", id="e", ok=True),
]  # fmt: skip


def test_the_console_finds_your_own_last_applied_command() -> None:
    mine = cv.own_last(JOURNAL, "console:alice")
    assert mine is not None and mine.seq == 1 and mine.risky  # #5 was refused
    undone = [*JOURNAL, entry(11, "outcome", id="u", ok=True, undid=1)]
    assert cv.own_last(undone, "console:alice") is None
    bob = cv.own_last(JOURNAL, "console:bob")
    assert bob is not None and bob.seq == 3 and bob.risky


def test_acknowledged_and_silenced_alerts_are_annotated_not_hidden() -> None:
    acks = cv.acknowledgements(JOURNAL)
    assert acks == {"k1": "bob"}
    t = cv.silences(JOURNAL, 0)[0][2]
    assert cv.silences(JOURNAL, t) == []
    muted = cv.silences(JOURNAL, t - 1)
    assert cv.alert_note("k1", acks, muted) == " · ack bob"
    assert cv.alert_note("stale|okx|", acks, muted) == " · silenced by carol"
    assert cv.alert_note("other", acks, muted) == ""
