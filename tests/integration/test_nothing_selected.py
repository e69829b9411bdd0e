"""A control key with nothing selected says so and sends nothing (an engine with no
venues or routes yet: the keys must not send a command naming an empty venue)."""

from __future__ import annotations

from tui.app.app import ConsoleApp
from tui.app.source import StaticSource
from tui.console.model import ConsoleModel


async def test_a_control_key_with_nothing_selected_warns_and_sends_nothing() -> None:
    app = ConsoleApp(StaticSource(ConsoleModel()), layout="default")
    async with app.run_test(size=(100, 30)) as pilot:
        await app.rendered()
        for key, what in [("i", "venue"), ("r", "venue"), ("h", "venue"), ("f", "route")]:
            await pilot.press(key)
            await pilot.pause()
            assert app.notices[-1] == ("warning", f"no {what} selected"), key
            assert app.outcomes == [] and app.in_flight == 0, key
            assert not app.screen.is_modal, key  # no confirm for something that is not there
