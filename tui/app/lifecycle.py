"""Attaching, quitting and the engine process going away: how the console ends."""

from __future__ import annotations

from tui.app import actions
from tui.app.console_base import ConsoleBase
from tui.app.source import LiveSource


class Lifecycle(ConsoleBase):
    """A first attach that fails, a quit with commands in flight, a dead local engine."""

    async def _watch_first_attach(self) -> None:
        why = await self.source.first_attach()
        if why:  # never attached: a wrong URL or token; retrying would only hide that
            self.exit(2, return_code=2, message=f"venuewatch: {why}")

    def action_request_quit(self) -> None:
        if self.in_flight:
            n = self.in_flight
            texts = actions.confirm(
                "quit", "in-flight", n=n, s="s" if n > 1 else "", note=self.quit_note
            )
            self.ask(texts, lambda: self.exit(0))
        elif self.quit_note:
            self.ask(actions.confirm("quit", "always", note=self.quit_note), lambda: self.exit(0))
        else:
            self.exit(0)

    def _check_engine(self) -> None:
        code = self._engine_poll() if self._engine_poll is not None else None
        if code is not None and not self._engine_dead:
            self._engine_dead = True
            how = f"was killed by signal {-code}" if code < 0 else f"exited (code {code})"
            self.engine_exited(f"the engine process {how}")

    def engine_exited(self, why: str) -> None:
        """The engine process is gone (demo): say so loudly and offer to quit."""
        if isinstance(self.source, LiveSource):
            self.source.engine_gone(why)
        self._show_status()
        self.ask(
            (
                "The engine stopped",
                f"{why}. The console shows the last state it "
                "received; nothing you do here reaches an engine.",
                "Quit",
            ),
            lambda: self.exit(1, return_code=1),
        )
