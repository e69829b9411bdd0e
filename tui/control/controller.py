"""The controller: the one place where commands take effect.

Order of every command, without exception:

1. the command (with its inverse) is appended to the journal and fsynced;
2. it is checked against the engine's model and applied — or refused;
3. the outcome is journalled;
4. sinks (webhook, venue kill switch) are told, and their results journalled.

Commands are serialised by a lock: two consoles pressing keys at once get two
journal entries in a definite order, never a half-applied mix. Preconditions are
checked against the engine's model, never against what a console shows.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from tui.control.commands import Command, Outcome, describe, validate
from tui.control.policy import Policy
from tui.engine.engine import Engine
from tui.engine.state import ISOLATED, LIVE, BreakerState, RouteState

log = logging.getLogger("venuewatch.control")

UNDOABLE = {"isolate", "restore", "halt", "resume", "failover", "arm", "disarm"}


class JournalWriter(Protocol):
    async def append(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Append and fsync; return the written entry (with ``seq``)."""
        ...


class Sink(Protocol):
    name: str

    async def dispatch(self, entry: dict[str, Any]) -> str:
        """Tell the outside world; return a one-line result. May raise."""
        ...


class Refused(Exception):
    """A command that cannot be applied; the message is the reason."""


class Controller:
    def __init__(
        self,
        engine: Engine,
        journal: JournalWriter,
        sinks: list[Sink] | None = None,
        wall: Callable[[], int] = time.time_ns,
    ) -> None:
        self.engine = engine
        self.facts = engine.facts
        self.journal = journal
        self.sinks = list(sinks or [])
        self.wall = wall
        self.policy = Policy(engine, self)
        self._lock = asyncio.Lock()
        self.undo_stack: list[tuple[Command, Command]] = []
        self.outcome_listeners: list[Callable[[Outcome], None]] = []
        self.journal_listeners: list[Callable[[dict[str, Any]], None]] = []
        self._sink_tasks: set[asyncio.Task[None]] = set()
        for name, route in engine.settings.routes.items():
            self.facts.routes[name] = RouteState(
                armed=route.auto_failover, active=self._first_usable(name, None)
            )
        for name, b in engine.settings.breakers.items():
            self.facts.breakers[name] = BreakerState(armed=b.armed)

    # -- journalling ------------------------------------------------------------------

    async def record(self, kind: str, **fields: Any) -> dict[str, Any]:
        entry = await self.journal.append(kind, **fields)
        for fn in self.journal_listeners:
            fn(entry)
        return entry

    # -- commands -----------------------------------------------------------------------

    async def execute(self, cmd: Command) -> Outcome:
        """Journal, apply (or refuse), journal the outcome, tell the sinks."""
        cmd = cmd.stamped()
        async with self._lock:
            problem = validate(cmd)
            inverse = None if problem else self._inverse(cmd)
            summary = describe(cmd)
            if cmd.action == "undo" and self.undo_stack:
                summary = f"undo: {describe(self.undo_stack[-1][0])}"
            entry = await self.record(
                "command",
                id=cmd.id,
                action=cmd.action,
                args=cmd.args,
                actor=cmd.actor,
                reason=cmd.reason,
                summary=summary,
                inverse=_plain(inverse) if inverse else None,
            )
            seq = int(entry["seq"])
            if problem:
                ok, detail = False, problem
            else:
                try:
                    detail = self._apply(cmd)
                    ok = True
                except Refused as exc:
                    ok, detail = False, str(exc)
            if ok and inverse is not None and cmd.action in UNDOABLE:
                self.undo_stack.append((cmd, inverse))
            out = await self.record(
                "outcome", id=cmd.id, action=cmd.action, ok=ok, detail=detail, actor=cmd.actor
            )
            outcome = Outcome(
                id=cmd.id,
                action=cmd.action,
                ok=ok,
                detail=detail,
                seq=seq,
                outcome_seq=int(out["seq"]),
                actor=cmd.actor,
            )
        if ok:
            self.engine.tick()  # an isolated venue leaves the consensus at once
            self._dispatch(entry, outcome)
        for fn in self.outcome_listeners:
            fn(outcome)
        return outcome

    def _inverse(self, cmd: Command) -> Command | None:
        a = cmd.args
        act = cmd.action
        if act == "undo":
            return self.undo_stack[-1][1] if self.undo_stack else None
        if act == "isolate":
            # Routes that will fail over away from the venue come back on undo.
            moving = self.policy.routes_using(a["venue"])
            args = {"venue": a["venue"]}
            if moving:
                args["routes"] = ",".join(moving)
            return Command(action="restore", args=args, actor=cmd.actor, reason=f"undo of {cmd.id}")
        pairs = {
            "restore": "isolate",
            "halt": "resume",
            "resume": "halt",
            "arm": "disarm",
            "disarm": "arm",
        }
        if act in pairs:
            args = {k: v for k, v in a.items() if k != "routes"}
            return Command(
                action=pairs[act], args=args, actor=cmd.actor, reason=f"undo of {cmd.id}"
            )
        if act == "failover":
            rs = self.facts.routes.get(a["route"])
            if rs is None or rs.active is None:
                return None
            return Command(
                action="failover",
                args={"route": a["route"], "to": rs.active},
                actor=cmd.actor,
                reason=f"undo of {cmd.id}",
            )
        return None

    def _apply(self, cmd: Command) -> str:
        a = cmd.args
        handler = getattr(self, f"_do_{cmd.action}")
        result: str = handler(cmd, a)
        return result

    def _do_isolate(self, cmd: Command, a: dict[str, str]) -> str:
        venue = self._venue(a["venue"])
        if venue in self.facts.isolated:
            raise Refused(f"{venue} is already isolated")
        self.facts.isolated[venue] = cmd.reason or f"isolated by {cmd.actor}"
        self.facts.recovering.pop(venue, None)
        self.engine.states[venue] = ISOLATED
        moved = self.policy.reroute_away_from(venue, f"{venue} isolated")
        extra = f"; routes moved: {', '.join(moved)}" if moved else ""
        return f"{venue} isolated: excluded from consensus and routes{extra}"

    def _do_restore(self, cmd: Command, a: dict[str, str]) -> str:
        venue = self._venue(a["venue"])
        if venue not in self.facts.isolated:
            raise Refused(f"{venue} is not isolated")
        del self.facts.isolated[venue]
        self.facts.recovering[venue] = 0
        self.engine.states[venue] = "RECOVERING"
        reset = self.policy.clear_trips(venue, by_person=not cmd.actor.startswith("breaker:"))
        extra = f"; breakers reset: {', '.join(reset)}" if reset else ""
        back = self.policy.route_back(venue, [r for r in a.get("routes", "").split(",") if r])
        if back:
            extra += f"; routes back: {', '.join(back)}"
        return f"{venue} restored: on probation for {self.engine.settings.probation_s:g}s{extra}"

    def _do_halt(self, cmd: Command, a: dict[str, str]) -> str:
        key = (a.get("venue") or "*", self._instrument(a["instrument"]))
        if key[0] != "*":
            self._venue(key[0])
        if key in self.facts.halted:
            raise Refused(f"{key[1]} is already halted on {_where(key[0])}")
        self.facts.halted[key] = cmd.reason or f"halted by {cmd.actor}"
        moved = self.policy.reroute_halted(key[1], key[0])
        extra = f"; routes moved: {', '.join(moved)}" if moved else ""
        return f"{key[1]} halted on {_where(key[0])}{extra}"

    def _do_resume(self, cmd: Command, a: dict[str, str]) -> str:
        key = (a.get("venue") or "*", self._instrument(a["instrument"]))
        if key not in self.facts.halted:
            raise Refused(f"{key[1]} is not halted on {_where(key[0])}")
        del self.facts.halted[key]
        return f"{key[1]} resumed on {_where(key[0])}"

    def _do_failover(self, cmd: Command, a: dict[str, str]) -> str:
        name = a["route"]
        rs = self.facts.routes.get(name)
        if rs is None:
            known = ", ".join(sorted(self.facts.routes)) or "none configured"
            raise Refused(f"no route {name!r} (routes: {known})")
        target = a.get("to") or self._first_usable(name, rs.active)
        if target is None:
            raise Refused(f"{name}: no healthy venue to fail over to")
        route = self.engine.settings.routes[name]
        if target not in route.venues:
            raise Refused(f"{name}: {target} is not on this route ({', '.join(route.venues)})")
        if target == rs.active:
            raise Refused(f"{name} already uses {target}")
        if a.get("to") and not self.usable(name, target):
            raise Refused(f"{name}: {target} is isolated or halted, not usable")
        rs.previous, rs.active = rs.active, target
        rs.changed_ns = self.wall()
        rs.reason = cmd.reason or f"by {cmd.actor}"
        return f"{name}: {rs.previous or 'none'} -> {target}"

    def _do_arm(self, cmd: Command, a: dict[str, str]) -> str:
        return self.policy.set_armed(a.get("target", "all"), True)

    def _do_disarm(self, cmd: Command, a: dict[str, str]) -> str:
        return self.policy.set_armed(a.get("target", "all"), False)

    def _do_note(self, cmd: Command, a: dict[str, str]) -> str:
        return "noted"

    def _do_undo(self, cmd: Command, a: dict[str, str]) -> str:
        if not self.undo_stack:
            raise Refused("nothing to undo")
        original, inverse = self.undo_stack.pop()
        try:
            detail = self._apply(inverse)
        except Refused as exc:
            self.undo_stack.append((original, inverse))
            raise Refused(f"cannot undo {describe(original)}: {exc}") from None
        return f"undid {describe(original)} ({original.id}): {detail}"

    # -- model queries -------------------------------------------------------------------------

    def _venue(self, venue: str) -> str:
        if venue not in self.engine.venues:
            raise Refused(
                f"unknown venue {venue!r} (venues: {', '.join(sorted(self.engine.venues))})"
            )
        return venue

    def _instrument(self, instrument: str) -> str:
        if instrument not in self.engine.by_canonical:
            known = ", ".join(sorted(self.engine.by_canonical))
            raise Refused(f"unknown instrument {instrument!r} (instruments: {known})")
        return instrument

    def usable(self, route: str, venue: str) -> bool:
        """A person may send a route to a venue that is neither isolated nor halted."""
        r = self.engine.settings.routes[route]
        return venue not in self.facts.isolated and not self.facts.is_halted(venue, r.instrument)

    def _first_usable(self, route: str, current: str | None) -> str | None:
        """The next LIVE, usable venue after ``current`` in the route's order."""
        venues = self.engine.settings.routes[route].venues
        start = venues.index(current) + 1 if current in venues else 0
        for v in venues[start:] + venues[:start]:
            if v != current and self.usable(route, v) and self.engine.state(v) == LIVE:
                return v
        return None

    def next_venue(self, route: str) -> str | None:
        return self._first_usable(route, self.facts.routes[route].active)

    # -- sinks ---------------------------------------------------------------------------------

    def _dispatch(self, entry: dict[str, Any], outcome: Outcome) -> None:
        for sink in self.sinks:
            task = asyncio.get_running_loop().create_task(self._tell(sink, entry, outcome))
            self._sink_tasks.add(task)
            task.add_done_callback(self._sink_tasks.discard)

    async def _tell(self, sink: Sink, entry: dict[str, Any], outcome: Outcome) -> None:
        try:
            result = await sink.dispatch({**entry, "outcome": outcome.detail})
            ok = True
        except Exception as exc:  # a sink failure is journalled, never fatal
            result, ok = f"{type(exc).__name__}: {exc}", False
            log.warning("sink %s failed for %s: %s", sink.name, outcome.id, result)
        await self.record("sink", id=outcome.id, sink=sink.name, ok=ok, detail=result)

    async def drain(self) -> None:
        """Wait for sink dispatches in flight (shutdown, tests)."""
        while self._sink_tasks:
            await asyncio.gather(*list(self._sink_tasks), return_exceptions=True)


def _where(venue: str) -> str:
    return "all venues" if venue == "*" else venue


def _plain(cmd: Command) -> dict[str, Any]:
    return {"action": cmd.action, "args": cmd.args}
