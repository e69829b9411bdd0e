"""The replay is a time machine: seeking back to T gives exactly a fresh replay stopped at T.

A seek backwards rebuilds the past from the capture's first line; the property
compares everything the engine holds (books, health, consensus, alerts, control
state, breaker trips, the spread history consoles draw) and the replay's
journal, against a replay that only ever went forward to T. Then a console
seeks to a journal entry with the palette and sees the engine's state at the
moment the entry was written.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.capture_config import replay_config
from tui.cli.replay import headless_run
from tui.console import protocol as p
from tui.console.client import ConsoleClient
from tui.control import journal
from tui.engine.view import build
from tui.replay_service import ReplayService

from support.replay_capture import T0, S, comparable, write_capture
from support.waiting import until_screen

END = T0 + 31 * S


@pytest.fixture(scope="module")
def capture_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_capture(tmp_path_factory.mktemp("seek") / "okx.ndjson.gz")


def snapshot(svc: ReplayService) -> dict[str, Any]:
    """Everything a replay's judgement holds at this moment."""
    eng = svc.engine
    books = {
        (name, sym): (inst.book.levels(), inst.last_seq, inst.synced, inst.gaps)
        for name, feed in svc.feeds.items()
        for sym, inst in feed.instruments.items()
    }
    facts = eng.facts
    return {
        "clock": svc.clock.ns,
        "lines": svc.replayer.lines,
        "view": msgspec.to_builtins(build(eng)),
        "books": repr(sorted(books.items())),
        "alerts": msgspec.to_builtins(list(eng.alerts.history)),
        "isolated": dict(facts.isolated),
        "halted": dict(facts.halted),
        "breakers": msgspec.to_builtins(facts.breakers),
        "routes": msgspec.to_builtins(facts.routes),
        "core_alerts": list(svc.core.alerts),
        "trips": list(svc.core.trips),
        "history": svc._history_snapshot(),
        "view_states": dict(eng.states),
    }


async def _start(cap: Path, jpath: Path) -> ReplayService:
    cfg, _ = replay_config(cap, None)
    svc = ReplayService(cfg, "tok", cap, speed=1, journal_path=jpath, port=0)
    svc.pause()
    await svc.start()
    return svc


async def _seek(svc: ReplayService, to: int) -> None:
    svc.seek(to)
    await asyncio.wait_for(svc.paused_event.wait(), 20)


async def _fresh_at(cap: Path, jpath: Path, to: int) -> tuple[dict[str, Any], list[Any]]:
    svc = await _start(cap, jpath)
    try:
        await _seek(svc, to)
        return snapshot(svc), comparable(jpath)
    finally:
        await svc.stop("test")


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=st.integers(T0, END),
    back=st.integers(0, 31 * S),
    ended=st.booleans(),
)
def test_seeking_back_equals_a_fresh_replay_stopped_there(
    capture_file: Path, tmp_path: Path, first: int, back: int, ended: bool
) -> None:
    """Forward to ``first`` (or to the capture's end), then back to ``target``."""
    target = max(T0, first - back)

    async def go() -> tuple[
        dict[str, Any], list[Any], dict[str, Any], list[Any], int, dict[str, Any]
    ]:
        d = Path(tempfile.mkdtemp(dir=tmp_path))  # one per example
        svc = await _start(capture_file, d / "seek.jsonl")
        try:
            if ended:
                svc.set_speed(0)
                svc.resume()
                await asyncio.wait_for(svc.done.wait(), 20)
            else:
                await _seek(svc, first)
            svc.paused_event.clear()
            before, at = svc.rewinds, svc.clock.ns
            await _seek(svc, target)
            got, got_journal = snapshot(svc), comparable(d / "seek.jsonl")
            rewinds = svc.rewinds - before - (target <= at)  # 0: it went back iff it had to
        finally:
            await svc.stop("test")
        want, want_journal = await _fresh_at(capture_file, d / "fresh.jsonl", target)
        headless = await headless_run(str(capture_file), None, d / "h.jsonl", target)
        return got, got_journal, want, want_journal, rewinds, headless

    got, got_journal, want, want_journal, rewinds, headless = asyncio.run(go())
    assert got == want
    assert got_journal == want_journal
    assert rewinds == 0
    # replay --headless --until T reports the same moment.
    assert headless["alerts"] == got["core_alerts"] and headless["trips"] == got["trips"]
    assert headless["isolated"] == sorted(got["isolated"])
    assert headless["states"] == got["view_states"]


def test_a_rewound_journal_is_kept_and_the_new_one_verifies(
    capture_file: Path, tmp_path: Path
) -> None:
    async def go() -> str:
        svc = await _start(capture_file, tmp_path / "j.jsonl")
        try:
            await _seek(svc, T0 + 20 * S)  # past the alert and the breaker's trip
            svc.paused_event.clear()
            await _seek(svc, T0 + 2 * S)
            return svc.server.engine_name
        finally:
            await svc.stop("test")

    name = asyncio.run(go())
    assert name == "replay ×1, paused"
    kept = journal.read(tmp_path / "j.rewound-1.jsonl")
    assert kept.verify.ok
    events = [e.fields.get("event") for e in kept.entries]
    assert "replay rewound" in events
    assert any(e.kind == "breaker" for e in kept.entries)  # it had got that far
    now = journal.read(tmp_path / "j.jsonl")
    assert now.verify.ok
    # The new journal is the replay from its start to 07:01:50: no alert yet, no trip.
    assert [e.fields.get("event") for e in now.entries][:1] == ["engine started"]
    assert not [e for e in now.entries if e.kind in ("alert", "breaker")]
    assert all(e.ts <= "2025-11-28T07:01:50.000000Z" for e in now.entries)


def test_a_console_is_sent_the_rebuilt_past(capture_file: Path, tmp_path: Path) -> None:
    """After a seek back the console's copy is the engine's, not a mix of two timelines."""

    async def go() -> tuple[list[str], list[str], int, int, str]:
        svc = await _start(capture_file, tmp_path / "j.jsonl")
        client = ConsoleClient(svc.server.url, "tok", user="alice")
        await client.connect()
        welcomed = asyncio.Event()
        client.listeners.append(lambda f: welcomed.set() if isinstance(f, p.Welcome) else None)
        reader = asyncio.create_task(client.run())
        try:
            out = await client.command("replay-seek", to="2025-11-28T07:02:10Z")
            assert out.ok
            await asyncio.wait_for(svc.paused_event.wait(), 30)
            svc.paused_event.clear()
            before = [e.get("kind", "") for e in client.model.journal]
            firing = next(
                e
                for e in client.model.journal
                if e.get("kind") == "alert" and e.get("what") == "firing"
            )
            out = await client.command(
                "replay-seek", to=str(firing["ts"]), entry=str(firing["seq"])
            )
            assert out.ok and out.detail.startswith(f"seeking back to #{firing['seq']} (")
            await asyncio.wait_for(svc.paused_event.wait(), 30)
            await asyncio.wait_for(welcomed.wait(), 30)  # the rebuilt past, all at once
            after = [e.get("kind", "") for e in client.model.journal]
            return before, after, client.model.ts_ns, svc.clock.ns, str(firing["ts"])
        finally:
            reader.cancel()
            await client.close()
            await svc.stop("test")

    before, after, console_ts, engine_ts, fired = asyncio.run(go())
    assert "breaker" in before and "breaker" not in after  # the trip came after the alert
    assert "alert" in after and len(after) < len(before)
    assert console_ts == engine_ts  # the welcome carried the state at the entry
    assert fired == "2025-11-28T07:01:57.250000Z"
    assert engine_ts == T0 + 9_250_000_999  # just after the entry, its microsecond included


async def test_the_console_seeks_to_a_journal_entry_with_J(
    capture_file: Path, tmp_path: Path
) -> None:
    from textual.widgets import OptionList

    from tui.app.app import ConsoleApp
    from tui.app.replay_seek import SeekEntryScreen, choices
    from tui.app.source import LiveSource
    from tui.app.status_bar import _connection

    svc = await _start(capture_file, tmp_path / "j.jsonl")
    try:
        await _seek(svc, T0 + 20 * S)  # past the alert and the breaker's trip
        svc.paused_event.clear()
        svc.scheduler.pause()  # no publishing: Pilot sees the app idle after each key at once
        source = LiveSource(svc.server.url, "tok", "alice")
        app = ConsoleApp(source, layout="default")
        async with app.run_test(size=(140, 40)) as pilot:
            await until_screen(pilot, lambda: source.state == "attached", timeout=30.0)
            await until_screen(
                pilot,
                lambda: any(e.get("kind") == "breaker" for e in source.model.journal),
                timeout=30.0,
            )
            assert _connection(source, False) == "REPLAY 07:02:08.000 ×1, paused"
            await pilot.press("J")
            await until_screen(pilot, lambda: isinstance(app.screen, SeekEntryScreen), timeout=30.0)
            entries = [e for e, _ in choices(source.model)]
            pick = next(
                i
                for i, e in enumerate(entries)
                if e.get("kind") == "alert" and e.get("what") == "firing"
            )
            app.screen.query_one(OptionList).highlighted = pick
            await pilot.press("enter")
            await asyncio.wait_for(svc.paused_event.wait(), 30)
            assert svc.rewinds == 1
            # The console now holds the rebuilt past: the alert fired, the trip not yet.
            await until_screen(
                pilot,
                lambda: not any(e.get("kind") == "breaker" for e in source.model.journal),
                timeout=30.0,
            )
            assert any(
                e.get("kind") == "alert" and e.get("what") == "firing" for e in source.model.journal
            )
            await until_screen(pilot, lambda: source.model.ts_ns == svc.clock.ns, timeout=30.0)
            assert _connection(source, False) == "REPLAY 07:01:57.250 ×1, paused"
            assert "okx" not in svc.engine.facts.isolated
    finally:
        await svc.stop("test")


def test_controls_during_a_rebuild_never_leave_consoles_muted(
    capture_file: Path, tmp_path: Path
) -> None:
    """Step or resume while the past is being rebuilt: the consoles get the state there."""

    async def go() -> list[tuple[bool, int]]:
        svc = await _start(capture_file, tmp_path / "j.jsonl")
        out = []
        try:
            await _seek(svc, T0 + 20 * S)
            svc.paused_event.clear()
            svc.seek(T0 + 2 * S)  # back: a rebuild starts
            svc.step_to_next_alert()  # and, before it gets there, run to the next alert
            await asyncio.wait_for(svc.paused_event.wait(), 30)
            out.append((svc.server.muted, svc.clock.ns))
            svc.paused_event.clear()
            svc.seek(T0 + 5 * S)
            svc.set_speed(0)
            svc.resume()  # resumed mid-rebuild: plays on, unmuted, to the end
            await asyncio.wait_for(svc.done.wait(), 30)
            out.append((svc.server.muted, svc.clock.ns))
        finally:
            await svc.stop("test")
        return out

    (muted1, at1), (muted2, at2) = asyncio.run(go())
    assert not muted1 and T0 + 9 * S <= at1 <= T0 + 10 * S  # paused where the alert fired
    assert not muted2 and at2 == T0 + 30 * S
