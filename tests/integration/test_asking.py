"""Confirms are asked in the message line, and the next key answers.

Rules a responder relies on: only ``y`` confirms; ``n``/``escape`` cancel and say
so; any other key cancels and is not also run; a question expires; a second one
replaces the first, visibly; yes and cancel are clickable. Checked against the
in-process engine (its journal shows what was and was not done) and, for every
key of the keymap, against a snapshot model.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tui.app import asking, keys
from tui.app.app import ConsoleApp
from tui.app.message_line import MessageLine
from tui.app.source import LiveSource, StaticSource
from tui.control import journal

from support import console_model
from support.engine_rig import TOKEN, EngineRig
from support.fixtures import StartEngine


async def until(app: ConsoleApp, cond: Callable[[], Any], what: str) -> Any:
    """Re-checked each render tick, with a deadline: a regression fails, never hangs."""
    deadline = time.monotonic() + 15.0
    while not (result := cond()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {app.notices[-3:]}"
        await app.frame()
    return result


def commands(rig: EngineRig, action: str) -> list[dict[str, Any]]:
    return [
        e.as_dict()
        for e in journal.read(rig.journal_path).entries
        if e.kind == "command" and e.fields.get("action") == action
    ]


Console = tuple[EngineRig, ConsoleApp, Pilot[int], str]


@pytest.fixture
async def isolated(engine: StartEngine) -> AsyncIterator[Console]:
    """The app attached to the engine, its selected venue isolated by ``i`` (so ``r``
    asks to restore it), the engine paused."""
    rig = await engine(["binance", "kraken"])
    source = LiveSource(rig.service.server.url, TOKEN, "alice")
    app = ConsoleApp(source, layout="default")
    async with app.run_test(size=(80, 24)) as pilot:
        venue = await until(
            app,
            lambda: source.state == "attached" and app.selection.venue,
            "attached with a venue selected",
        )
        await pilot.press("i")
        await until(
            app,
            lambda: rig.engine.state(venue) == "ISOLATED" and not app.in_flight,
            "the isolation applied and answered",
        )
        await rig.pause()
        yield rig, app, pilot, venue


async def test_only_y_confirms_and_any_other_key_cancels_without_running(
    isolated: Console,
) -> None:
    rig, app, pilot, venue = isolated
    await pilot.press("r")
    assert app.question is not None and app.question.question == f"Restore {venue}?"
    assert not app.screen.is_modal  # the console stays in view, nothing on top of it
    shown = app.message_line.plain
    assert shown.startswith(f"? Restore {venue}?") and "y: Restore" in shown
    assert "n/esc: cancel" in shown and "on probation" in shown
    # A fat-fingered key: the question goes, the key's own action does not run.
    await pilot.press("i")
    assert app.question is None
    assert app.message_line.shown == (
        "warning",
        f"cancelled by the key 'i' (not run): Restore {venue}?",
    )
    for key in ("n", "escape"):
        await pilot.press("r", key)
        assert app.question is None
        assert app.message_line.shown == ("information", f"cancelled: Restore {venue}?")
    await app.frame()
    assert app.in_flight == 0  # nothing was sent for any of those keys
    assert len(commands(rig, "isolate")) == 1 and commands(rig, "restore") == []
    assert rig.engine.state(venue) == "ISOLATED"
    await pilot.press("r", "y")
    assert app.question is None and ("information", f"yes: Restore {venue}?") in app.notices
    await until(app, lambda: rig.engine.state(venue) == "RECOVERING", "the restore")
    (cmd,) = commands(rig, "restore")
    assert cmd["args"] == {"venue": venue}


async def test_an_unanswered_question_expires_and_a_late_y_does_nothing(
    isolated: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig, app, pilot, venue = isolated
    monkeypatch.setattr(asking, "EXPIRES_S", 0.2)
    await pilot.press("r")  # on a loaded machine it may expire before press() returns
    await until(app, lambda: app.question is None, "the question to expire")
    assert app.message_line.shown == (
        "warning",
        f"no answer in 0.2 s, nothing done: Restore {venue}?",
    )
    await pilot.press("y")  # bound to nothing: a late answer is only a key
    # The loop too busy for the timer to fire: the y still finds the question expired.
    monkeypatch.setattr(asking, "EXPIRES_S", 60.0)
    await pilot.press("r")
    assert app.question is not None
    app.question.deadline = time.monotonic() - 1.0
    await pilot.press("y")
    assert app.question is None and app.message_line.shown[1].startswith("no answer in")
    await app.frame()
    assert app.in_flight == 0 and commands(rig, "restore") == []
    assert rig.engine.state(venue) == "ISOLATED"


async def test_a_second_question_replaces_the_first_and_says_so() -> None:
    app = ConsoleApp(StaticSource(console_model.build()), layout="compact")
    ran: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await app.rendered()
        app.ask(("Restore kraken?", "first", "Restore"), lambda: ran.append("first"))
        first = app.question
        assert first is not None
        app.ask(("The engine stopped", "second", "Quit"), lambda: ran.append("second"))
        assert app.question is not None and app.question.question == "The engine stopped"
        shown = app.message_line.plain
        assert "replaces the unanswered 'Restore kraken?' (nothing done)" in shown
        assert ("warning", "replaced, nothing done: Restore kraken?") in app.notices
        app._expire(first)  # the first one's time running out ends nothing now
        assert app.question is not None
        await pilot.press("y")
        assert ran == ["second"]


async def test_no_key_of_the_keymap_runs_while_a_question_is_up() -> None:
    app = ConsoleApp(StaticSource(console_model.build()), layout="compact")
    ran: list[str] = []
    actions_run: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await app.rendered()
        real_run = app.run_action

        async def run_action(action: Any, *args: Any, **kw: Any) -> bool:
            actions_run.append(str(action))
            return await real_run(action, *args, **kw)

        app.run_action = run_action  # type: ignore[method-assign]
        every = [k.strip() for v in keys.effective({}).values() for k in v.split(",")]
        selection = (app.selection.venue, app.selection.instrument)
        for key in [*every, "enter", "ctrl+q", "tab"]:
            app.ask(("Restore kraken?", "", "Restore"), lambda: ran.append("yes"))
            await pilot.press(key)
            assert app.question is None, key
            assert actions_run == [], key
            shown = app.message_line.shown
            assert shown is not None and shown[1].startswith(
                "cancelled: " if key == "n" else f"cancelled by the key {key!r}"
            ), key
        assert ran == [] and not app.screen.is_modal and app.is_running
        assert (app.selection.venue, app.selection.instrument) == selection
        await pilot.press("down")  # with no question up, the key is a key again
        assert actions_run == ["select_venue(1)"]


@pytest.mark.parametrize(("label", "answer"), [("y: Restore", True), ("n/esc: cancel", False)])
async def test_yes_and_cancel_are_clickable(label: str, answer: bool) -> None:
    app = ConsoleApp(StaticSource(console_model.build()), layout="compact")
    ran: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await app.rendered()
        app.ask(("Restore kraken?", "detail", "Restore"), lambda: ran.append("yes"))
        await pilot.pause()
        first_row = app.message_line.plain.splitlines()[0]
        x = 1 + first_row.index(label)  # the line's padding, then the label
        assert await pilot.click(MessageLine, offset=(x + 1, 0))
        assert app.question is None
        assert ran == (["yes"] if answer else [])
