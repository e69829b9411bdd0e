"""Commands to the engine: sent from the key's own handler, outcomes back as notifications.

Every action is a command to the engine, which checks it against *its* model
and journals it; the app never refuses an action because of what a panel
shows. The outcome comes back as a notification: "isolate kraken — done,
journal #123" or "REFUSED: kraken is already isolated".
"""

from __future__ import annotations

import time
from collections.abc import Awaitable

from textual.notifications import SeverityLevel

from tui.app.console_base import ConsoleBase
from tui.app.panels import marks
from tui.app.source import NotSent
from tui.control.commands import Command, Outcome, describe

URGENT_S = 1.0
"""After a key press, draw each engine frame as it lands for this long."""


class Commanding(ConsoleBase):
    """Sending a command, counting it in flight, and reporting its outcome."""

    def send(self, action: str, reason: str = "", **args: str) -> None:
        """Send a command now; its outcome arrives as a notification (never blocks the UI).

        The command is on the wire before this key's handler returns
        (:meth:`LiveSource.start`): only the outcome is awaited, in a worker. A send
        from a worker would first wait for the worker's turn on the loop — behind
        whatever repaint is queued, which on a busy console is hundreds of ms.
        """
        # For a moment after a key press every engine frame is drawn as it lands, so the
        # result shows without waiting for the next render tick; otherwise rendering
        # stays at the fixed rate.
        self._urgent_until = time.monotonic() + URGENT_S
        for panel in self._panels:
            panel.hold(self._urgent_until)
        label = describe(Command(action=action, args=args))
        try:
            outcome = self.source.start(action, reason, **args)
        except NotSent as exc:
            self._not_sent(label, exc)
            return
        self.in_flight += 1
        self._show_status()
        self.run_worker(self._outcome(label, outcome), group="commands")

    def _not_sent(self, label: str, exc: NotSent) -> None:
        st = self.source.model.staleness()
        why = f" (the screen shows data {marks.duration(st.age_s)} old)" if st else ""
        self._report("error", f"{label} — NOT SENT: {exc}{why}")

    async def _outcome(self, label: str, outcome: Awaitable[Outcome]) -> None:
        try:
            out = await outcome
        except NotSent as exc:
            self._not_sent(label, exc)
        else:
            if out.ok:
                self._report("information", f"{label} — done, journal #{out.seq}\n{out.detail}")
            else:
                self._report("error", f"REFUSED: {out.detail}")
        finally:
            self.in_flight -= 1
            self._show_status()

    def _report(self, severity: SeverityLevel, message: str) -> None:
        self.outcomes.append((severity, message))
        self.tell(message, severity)

    def _need(self, what: str, value: str | None) -> bool:
        # Callers pass "" for "none given and none selected" (action args are strings).
        if not value:
            self.tell(f"no {what} selected", "warning")
            return False
        return True

    def me(self) -> str:
        """Who this console is in the journal (``console:alice``)."""
        return f"console:{self.source.model.user or getattr(self.source, 'user', '')}"
