"""The undo history: each applied command's inverse, and which command an undo names.

Mixed into :class:`~tui.control.controller.Controller` (``history`` is its record of
applied, undoable commands, by journal seq). An undo belongs to a person: without a
``seq`` it names the actor's own last command still in effect; with one, any applied
command that is still in effect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from tui.control import routes as rt
from tui.control.commands import Command, Refused

if TYPE_CHECKING:
    from tui.engine.engine import Engine
    from tui.engine.state import ControlFacts


class Done(msgspec.Struct, kw_only=True):
    """An applied, undoable command in the undo history."""

    seq: int
    cmd: Command
    inverse: Command | None
    subjects: frozenset[str]
    trip: tuple[str, str] | None = None
    """(breaker, venue) when a breaker issued it: undoing it clears that trip."""
    undone_by: int = 0
    superseded_by: int = 0

    @property
    def in_effect(self) -> bool:
        return not self.undone_by and not self.superseded_by


class Undo:
    """Undo targets and inverses; relies on the controller's attributes declared below."""

    if TYPE_CHECKING:
        engine: Engine
        facts: ControlFacts
        history: dict[int, Done]

    def _undo_target(self, cmd: Command) -> Done:
        if "seq" in cmd.args:
            seq = int(cmd.args["seq"])
            done = self.history.get(seq)
            if done is None:
                raise Refused(f"#{seq} is not an applied command that can be undone")
            if done.undone_by:
                raise Refused(f"#{seq} was already undone by #{done.undone_by}")
            if done.superseded_by:
                raise Refused(
                    f"#{seq} is no longer in effect (superseded by #{done.superseded_by})"
                )
            return done
        mine = [d for d in self.history.values() if d.cmd.actor == cmd.actor and d.in_effect]
        if not mine:
            raise Refused(
                f"nothing of yours to undo ({cmd.actor}); undo another's command by its number"
            )
        return max(mine, key=lambda d: d.seq)

    def _as_undo(self, target: Done, cmd: Command) -> Command:
        assert target.inverse is not None
        # The inverse runs as the person undoing, never as the original actor.
        return msgspec.structs.replace(
            target.inverse, actor=cmd.actor, reason=cmd.reason or f"undo of #{target.seq}"
        )

    def undoable(self, actor: str) -> Done | None:
        """``actor``'s own last command still in effect (what ``u`` would undo)."""
        mine = [d for d in self.history.values() if d.cmd.actor == actor and d.in_effect]
        return max(mine, key=lambda d: d.seq) if mine else None

    def _inverse(self, cmd: Command) -> Command | None:
        a = cmd.args
        act = cmd.action
        why = f"undo of {cmd.id}"
        if act == "isolate":
            # Routes that will fail over away from the venue come back on undo.
            moving = rt.using(self.facts, a["venue"])
            args = {"venue": a["venue"]}
            if moving:
                args["routes"] = ",".join(moving)
            return Command(action="restore", args=args, actor=cmd.actor, reason=why)
        if act == "halt":
            venue = a.get("venue") or "*"
            if a["instrument"] not in self.engine.by_canonical:
                return None
            moving = rt.on_halt(self.facts, self.engine.settings.routes, a["instrument"], venue)
            args = dict(a)
            if moving:
                args["routes"] = ",".join(f"{n}={self.facts.routes[n].active}" for n in moving)
            return Command(action="resume", args=args, actor=cmd.actor, reason=why)
        if act in ("restore", "resume"):
            args = {k: v for k, v in a.items() if k != "routes"}
            back = "isolate" if act == "restore" else "halt"
            return Command(action=back, args=args, actor=cmd.actor, reason=why)
        if act in ("arm", "disarm"):
            # Exactly what this command changes, so undoing "arm all" only
            # disarms what it armed.
            items = rt.to_change(
                self.facts, rt.arm_items(self.facts, a.get("target", "all")), act == "arm"
            )
            if not items:
                return None
            back = "disarm" if act == "arm" else "arm"
            return Command(
                action=back, args={"target": ",".join(items)}, actor=cmd.actor, reason=why
            )
        if act == "failover":
            rs = self.facts.routes.get(a["route"])
            if rs is None or rs.active is None:
                return None
            return Command(
                action="failover",
                args={"route": a["route"], "to": rs.active},
                actor=cmd.actor,
                reason=why,
            )
        return None
