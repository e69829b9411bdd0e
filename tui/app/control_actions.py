"""The control actions: isolate, restore, halt, fail over, undo, acknowledge, note, arm.

Each runs from its key (on the selection) and from the palette (with names:
``isolate('kraken')``); titles, keys and confirm texts are in
:mod:`tui.app.actions`. Only the direction that lowers protection asks first
(restore, disarm, a risky undo); isolating stays one key.
"""

from __future__ import annotations

from tui.app import actions
from tui.app.console_base import ConsoleBase
from tui.app.screens import TextScreen
from tui.console import controls_view as cv
from tui.control.commands import RISKY


class ControlActions(ConsoleBase):
    """Key and palette handlers that become commands to the engine."""

    def action_isolate(self, venue: str = "") -> None:
        venue = venue or self.selection.venue or ""
        if self._need("venue", venue):
            self.send("isolate", venue=venue)

    def action_restore(self, venue: str = "") -> None:
        venue = venue or self.selection.venue or ""
        if self._need("venue", venue):
            self.ask_restore(venue)

    def ask_restore(self, venue: str) -> None:
        row = self.source.model.venues.get(venue)
        now = f"{venue} is {row.state}{f' ({row.note})' if row.note else ''} now. " if row else ""
        self.ask(
            actions.confirm("restore-venue", venue=venue, now=now),
            lambda: self.send("restore", venue=venue),
        )

    def action_halt(self, instrument: str = "", venue: str = "") -> None:
        self._halt("halt", instrument, venue)

    def action_resume(self, instrument: str = "", venue: str = "") -> None:
        self._halt("resume", instrument, venue)

    def _halt(self, action: str, instrument: str, venue: str) -> None:
        sel = self.selection
        instrument, venue = instrument or sel.instrument or "", venue or sel.venue or ""
        if self._need("venue", venue) and self._need("instrument", instrument):
            self.send(action, instrument=instrument, venue=venue)

    def action_halt_all(self, instrument: str) -> None:
        self.send("halt", instrument=instrument)

    def action_resume_all(self, instrument: str) -> None:
        self.send("resume", instrument=instrument)

    def action_failover(self, route: str = "") -> None:
        route = route or self.selection.route or ""
        if self._need("route", route):
            self.send("failover", route=route)

    def action_undo(self) -> None:
        """Your own last command still in effect; the undo names it (``seq``), so
        what was confirmed is what is undone. Undos that lower protection ask."""
        last = cv.own_last(list(self.source.model.journal), self.me())
        if last is None:
            self.send("undo")  # the engine says why there is nothing of yours
        elif last.risky:
            self.ask_undo(last.seq, last.summary, last.actor, last.inverse)
        else:
            self.send("undo", seq=str(last.seq))

    def action_undo_command(self, seq: int) -> None:
        """Someone else's command (from the palette): always asks, naming whose."""
        for e in self.source.model.journal:
            if e.get("kind") == "command" and e.get("seq") == seq:
                inverse = str((e.get("inverse") or {}).get("action", ""))
                self.ask_undo(seq, str(e.get("summary", "")), str(e.get("actor", "")), inverse)
                return
        self.send("undo", seq=str(seq))  # no longer in view: the engine says what it is

    def ask_undo(self, seq: int, summary: str, actor: str, inverse: str) -> None:
        whose = "your own" if actor == self.me() else f"{actor}'s"
        risky = actions.confirm("undo", "risky", inverse=inverse)[0] if inverse in RISKY else ""
        self.ask(
            actions.confirm("undo", seq=seq, summary=summary, whose=whose, risky=risky),
            lambda: self.send("undo", seq=str(seq)),
        )

    def action_acknowledge(self) -> None:
        """Acknowledge the newest unacknowledged alert on the selected venue (or anywhere)."""
        model = self.source.model
        acked = cv.acknowledgements(list(model.journal))
        todo = [a for a in model.alerts if a.state == "firing" and a.key not in acked]
        mine = [a for a in todo if a.venue == self.selection.venue] or todo
        if not mine:
            self.tell("no unacknowledged firing alert")
            return
        newest = max(mine, key=lambda a: a.started_ns)
        self.send("ack", alert=newest.key)

    def action_note(self) -> None:
        self.ask_note()

    def ask_note(self) -> None:
        def done(text: str | None) -> None:
            if text:
                self.send("note", text=text)

        self.push_screen(
            TextScreen("Note for the journal", placeholder="what you saw or did"), done
        )

    def action_arm_toggle(self) -> None:
        self.ask_arm()

    def action_arm(self, breaker: str) -> None:
        self.ask_arm(f"breaker:{breaker}", True)

    def action_disarm(self, breaker: str) -> None:
        self.ask_arm(f"breaker:{breaker}", False)

    def ask_arm(self, target: str = "all", arm: bool | None = None) -> None:
        model = self.source.model
        off_b = [n for n, b in model.breakers.items() if not b.armed]
        off_r = [n for n, r in model.routes.items() if not r.armed]
        if target == "all" and not model.breakers and not model.routes:
            self.tell("no breakers or routes configured: nothing to arm", "warning")
            return
        if arm is None:
            arm = bool(off_b or off_r)
        off = [f"breaker {n}" for n in off_b] + [f"auto-failover {n}" for n in off_r]
        variant = f"{'arm' if arm else 'disarm'}-{'all' if target == 'all' else 'one'}"
        action = "arm" if arm else "disarm"
        self.ask(
            actions.confirm("arm-toggle", variant, target=target, off=", ".join(off)),
            lambda: self.send(action, target=target),
        )
