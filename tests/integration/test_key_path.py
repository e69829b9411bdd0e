"""A key's command leaves the console before anything else the key causes is drawn.

Under load the console's loop is busy repainting; a command that waited for a
task's turn (a worker, ``asyncio.wait_for``'s inner task) or for a confirm dialog
to be taken down left hundreds of milliseconds after its key. These check the
order of events, not how long anything took.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from tui.app.app import ConsoleApp
from tui.app.screens import ConfirmScreen
from tui.app.source import LiveSource, StaticSource
from tui.control import journal
from tui.control.commands import Outcome

from support import console_model
from support.engine_rig import TOKEN
from support.fixtures import StartEngine


async def _until(app: ConsoleApp, cond: Callable[[], object], what: str) -> None:
    """Frame after frame until ``cond`` holds: bounded, so a regression fails, never hangs."""
    deadline = time.monotonic() + 15.0
    while not cond():
        assert time.monotonic() < deadline, f"timed out after 15s waiting for {what}"
        await app.frame()


async def test_start_puts_the_command_on_the_wire_before_it_returns(
    engine: StartEngine,
) -> None:
    rig = await engine(["binance"])
    client = await rig.console("alice")
    assert client.ws is not None and client.ws.transport is not None
    transport = client.ws.transport
    written: list[bytes] = []
    real_write = transport.write

    def spy(data: Any) -> None:
        written.append(bytes(data))
        real_write(data)

    transport.write = spy  # type: ignore[method-assign]
    try:
        outcome = client.start("note", text="on the wire at once")
        # No await since start(): the frame was handed to the socket in this step
        # (one binary websocket frame; a client masks its payload, so no plain text).
        assert len(written) == 1 and written[0][0] == 0x82
        done = await outcome
    finally:
        transport.write = real_write  # type: ignore[method-assign]
    assert done.ok
    notes = [
        e.as_dict()
        for e in journal.read(rig.journal_path).entries
        if e.kind == "command" and e.fields.get("action") == "note"
    ]
    assert notes and notes[-1]["args"] == {"text": "on the wire at once"}


async def test_a_confirmed_command_is_sent_before_the_dialog_is_taken_down(
    engine: StartEngine,
) -> None:
    rig = await engine(["binance", "kraken"])
    source = LiveSource(rig.service.server.url, TOKEN, "alice")
    app = ConsoleApp(source, layout="default")
    async with app.run_test(size=(80, 24)) as pilot:
        await _until(
            app,
            lambda: source.state == "attached" and app.selection.venue,
            "the console attached with a venue selected",
        )
        venue = app.selection.venue
        assert venue is not None
        await pilot.press("i")
        await _until(
            app,
            lambda: rig.engine.state(venue) == "ISOLATED" and not app.in_flight,
            "the isolation applied and answered",
        )
        events: list[str] = []
        real_start, real_pop = source.start, app.pop_screen

        def start(action: str, reason: str = "", **args: str) -> Awaitable[Outcome]:
            events.append(f"sent {action}")
            return real_start(action, reason, **args)

        def pop_screen() -> Any:
            events.append("dialog down")
            return real_pop()

        source.start = start  # type: ignore[method-assign]
        app.pop_screen = pop_screen  # type: ignore[method-assign]
        await pilot.press("u")  # undoing an isolation restores: it asks first
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await _until(app, lambda: rig.engine.state(venue) != "ISOLATED", "the undo applied")
        assert events[:2] == ["sent undo", "dialog down"]
        assert not isinstance(app.screen, ConfirmScreen)


async def test_after_a_key_only_state_frames_are_drawn_as_they_land() -> None:
    app = ConsoleApp(StaticSource(console_model.build()), layout="compact")
    async with app.run_test(size=(80, 24)):
        await app.rendered()
        model = app.source.model
        app._urgent_until = math.inf  # as if a key had just sent a command
        before = app.ticks
        for area in ("journal", "alerts", "history"):
            model.dirty = {area}
            app._on_frame()  # a journal line, an alert change, a chart point: the tick's
            assert app.ticks == before, area
        model.dirty = {"venues"}
        app._on_frame()  # the engine's state, where a command's effect shows: at once
        assert app.ticks == before + 1
        app._urgent_until = time.monotonic() - 1.0  # the moment after the key is over
        model.dirty = {"venues"}
        app._on_frame()
        assert app.ticks == before + 1


async def test_under_a_dialog_panels_wait_for_their_second_and_draw_after() -> None:
    app = ConsoleApp(StaticSource(console_model.build()), layout="compact")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.rendered()
        model = app.source.model
        await pilot.press("r")  # restoring asks first
        await _until(app, lambda: isinstance(app.screen, ConfirmScreen), "the confirm dialog")
        app._under_dialog_next = math.inf  # the panels below were just drawn
        model.dirty = {"venues"}
        app._tick()
        assert model.dirty == {"venues"}  # kept for the panels' next turn, not lost
        app._under_dialog_next = 0.0  # their second is up
        app._tick()
        assert model.dirty == set()
        model.dirty = {"venues"}
        app._under_dialog_next = math.inf
        app.pop_screen()
        await _until(
            app, lambda: not isinstance(app.screen, ConfirmScreen), "the confirm dialog taken down"
        )
        app._tick()  # no dialog: the fixed rate again
        assert model.dirty == set()


async def test_a_dialog_closing_restyles_no_row_and_the_pane_mark_stays() -> None:
    """The focused pane is a class the tick sets, not ``:focus-within``: with that, focus
    handed back as a dialog closed restyled every row of the pane while the next key
    waited (tens of ms a close under load)."""
    from tui.app.panel import Panel
    from tui.app.panels.table import Row

    app = ConsoleApp(StaticSource(console_model.build()), layout="compact")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.rendered()
        marked = [p for p in app.query(Panel) if p.has_class("-focused-pane")]
        assert len(marked) == 1 and app.focused_pane() is marked[0].parent
        restyled: list[Any] = []
        sheet = app.stylesheet
        real_update = sheet.update_nodes

        def update_nodes(nodes: Any, animate: bool = False) -> None:
            nodes = list(nodes)
            restyled.extend(nodes)
            real_update(nodes, animate=animate)

        sheet.update_nodes = update_nodes  # type: ignore[method-assign]
        await pilot.press("r")  # restoring asks first
        await _until(app, lambda: isinstance(app.screen, ConfirmScreen), "the confirm dialog")
        app._under_dialog_next = 0.0  # the panels below get their turn under the dialog
        app._tick()
        assert [p for p in app.query(Panel) if p.has_class("-focused-pane")] == marked
        await pilot.press("escape")
        await _until(
            app, lambda: not isinstance(app.screen, ConfirmScreen), "the confirm dialog taken down"
        )
        await app.frame()
        assert not [n for n in restyled if isinstance(n, Row)]
        assert [p for p in app.query(Panel) if p.has_class("-focused-pane")] == marked
