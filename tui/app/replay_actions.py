"""Replay controls (pause, step, speed, seek): the same commands from keys and palette.

They exist only in a replay: elsewhere their keys are unbound and not shown.
"""

from __future__ import annotations

from typing import Any

from tui.app.console_base import ConsoleBase
from tui.app.palette import next_speed
from tui.app.screens import TextScreen


class ReplayActions(ConsoleBase):
    """The replay's key and palette handlers, and the prompts for where to seek."""

    def action_replay(self, action: str, speed: str = "") -> None:
        if action == "replay-seek":
            self._ask_seek()
        elif action == "replay-seek-entry":
            self._ask_seek_entry()
        elif action == "replay-speed":
            self._replay(action, speed=speed or next_speed(self.source.engine))
        else:
            self._replay(action)

    def _replay(self, action: str, **args: str) -> None:
        async def go() -> None:
            try:
                out = await self.source.command(action, **args)
            except Exception as exc:  # NotSent and friends: tell the person, never crash
                self.tell(f"{action}: not sent: {exc}", "error")
                return
            if out.ok and action == "replay-speed":
                # The header shows the pace the engine reported at attach: keep it true.
                self.source.engine = f"replay {out.detail.removeprefix('speed ').strip()}"
            self.tell(
                out.detail if out.ok else f"REFUSED: {out.detail}",
                "information" if out.ok else "error",
            )

        self.run_worker(go(), group="replay")

    def _ask_seek(self) -> None:
        def done(text: str | None) -> None:
            if text:
                self._replay("replay-seek", to=text.strip())

        self.push_screen(
            TextScreen("Seek to (UTC, ISO 8601)", placeholder="2026-11-28T07:01:50Z"), done
        )

    def _ask_seek_entry(self) -> None:
        from tui.app.replay_seek import SeekEntryScreen

        def done(entry: dict[str, Any] | None) -> None:
            if entry:
                self._replay("replay-seek", to=str(entry["ts"]), entry=str(entry["seq"]))

        self.push_screen(SeekEntryScreen(self.source.model), done)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "replay" and not self.source.engine.startswith("replay"):
            return False
        return super().check_action(action, parameters)
