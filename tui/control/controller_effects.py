"""What each control command does to the engine's control facts, and the checks and
route moves they share: the controller's effects, apart from its journalling.

Mixed into :class:`~tui.control.controller.Controller`, which journals each command
before and its outcome after calling :meth:`Effects._apply`; nothing here writes the
journal. An effect that cannot be applied raises :class:`Refused` with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.control import routes as rt
from tui.control.commands import Command, Refused
from tui.engine.state import ISOLATED

if TYPE_CHECKING:
    from tui.engine.engine import Engine
    from tui.engine.state import ControlFacts


class Effects:
    """The command effects; relies on the controller's attributes declared below."""

    if TYPE_CHECKING:
        engine: Engine
        facts: ControlFacts
        acks: dict[str, tuple[str, int]]
        wall: Callable[[], int]

    # -- applying -----------------------------------------------------------------------

    def _apply(self, cmd: Command) -> str:
        handler = getattr(self, f"_do_{cmd.action}")
        result: str = handler(cmd, cmd.args)
        return result

    def _do_isolate(self, cmd: Command, a: dict[str, str]) -> str:
        venue = self._venue(a["venue"])
        if venue in self.facts.isolated:
            raise Refused(f"{venue} is already isolated")
        self.facts.isolated[venue] = cmd.reason or f"isolated by {cmd.actor}"
        self.facts.recovering.pop(venue, None)
        self.engine.states[venue] = ISOLATED
        moved = [self._move(n, f"{venue} isolated") for n in rt.using(self.facts, venue)]
        extra = f"; routes moved: {', '.join(moved)}" if moved else ""
        return f"{venue} isolated: excluded from consensus and routes{extra}"

    def _do_restore(self, cmd: Command, a: dict[str, str]) -> str:
        venue = self._venue(a["venue"])
        if venue not in self.facts.isolated:
            raise Refused(f"{venue} is not isolated")
        del self.facts.isolated[venue]
        self.facts.recovering[venue] = 0
        self.engine.states[venue] = "RECOVERING"
        reset = self._clear_trips(venue, actions=("isolate",), by=cmd.actor)
        extra = f"; breakers reset: {', '.join(reset)}" if reset else ""
        back = self._route_back(rt.parse_moves(a.get("routes", ""), venue), f"{venue} restored")
        if back:
            extra += f"; routes back: {', '.join(back)}"
        return f"{venue} restored: on probation for {self.engine.settings.probation_s:g}s{extra}"

    def _do_halt(self, cmd: Command, a: dict[str, str]) -> str:
        key = (a.get("venue") or "*", self._instrument(a["instrument"]))
        if key[0] != "*":
            self._venue(key[0])
        if key in self.facts.halted:
            raise Refused(f"{key[1]} is already halted on {_where(key[0])}")
        moving = rt.on_halt(self.facts, self.engine.settings.routes, key[1], key[0])
        self.facts.halted[key] = cmd.reason or f"halted by {cmd.actor}"
        moved = [self._move(n, f"{key[1]} halted on {key[0]}") for n in moving]
        extra = f"; routes moved: {', '.join(moved)}" if moved else ""
        return f"{key[1]} halted on {_where(key[0])}{extra}"

    def _do_resume(self, cmd: Command, a: dict[str, str]) -> str:
        key = (a.get("venue") or "*", self._instrument(a["instrument"]))
        if key not in self.facts.halted:
            raise Refused(f"{key[1]} is not halted on {_where(key[0])}")
        del self.facts.halted[key]
        reset = []
        if not cmd.actor.startswith("breaker:"):
            for name, rule in self.engine.settings.breakers.items():
                if rule.action == "halt" and rule.instrument == key[1]:
                    venues = list(self.facts.breakers[name].tripped) if key[0] == "*" else [key[0]]
                    for v in venues:
                        if self._clear_trip(name, v):
                            reset.append(name)
        extra = f"; breakers reset: {', '.join(sorted(set(reset)))}" if reset else ""
        back = self._route_back(rt.parse_moves(a.get("routes", "")), f"{key[1]} resumed")
        if back:
            extra += f"; routes back: {', '.join(back)}"
        return f"{key[1]} resumed on {_where(key[0])}{extra}"

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
        return self._move(name, cmd.reason or f"by {cmd.actor}", to=target)

    def _do_arm(self, cmd: Command, a: dict[str, str]) -> str:
        return self._set_armed(a.get("target", "all"), True)

    def _do_disarm(self, cmd: Command, a: dict[str, str]) -> str:
        return self._set_armed(a.get("target", "all"), False)

    def _set_armed(self, target: str, armed: bool) -> str:
        word = "armed" if armed else "disarmed"
        items = rt.to_change(self.facts, rt.arm_items(self.facts, target), armed)
        if not items:
            raise Refused(f"nothing to change: {target} already {word}")
        rt.set_armed(self.facts, items, armed)
        names = [
            i.replace("route:", "auto-failover ").replace("breaker:", "breaker ") for i in items
        ]
        return f"{word}: {', '.join(names)}"

    def _do_note(self, cmd: Command, a: dict[str, str]) -> str:
        return "noted"

    def _do_clear(self, cmd: Command, a: dict[str, str]) -> str:
        name = a["breaker"]
        b = self.facts.breakers.get(name)
        if b is None:
            known = ", ".join(sorted(self.facts.breakers)) or "none configured"
            raise Refused(f"no breaker {name!r} (breakers: {known})")
        venues = [a["venue"]] if a.get("venue") else list(b.tripped)
        cleared = [v for v in venues if self._clear_trip(name, v)]
        if not cleared:
            raise Refused(f"breaker {name} is not tripped on {a.get('venue') or 'any venue'}")
        return f"breaker {name} cleared on {', '.join(cleared)}: armed to fire again"

    def _do_ack(self, cmd: Command, a: dict[str, str]) -> str:
        key = a["alert"]
        known = {x.key for x in self.engine.alerts.firing(include_inhibited=True)}
        if key not in known:
            raise Refused(f"no firing alert {key!r}")
        if key in self.acks:
            raise Refused(f"{key} already acknowledged by {self.acks[key][0]}")
        return f"acknowledged {key} (still shown until it resolves)"

    def _do_silence(self, cmd: Command, a: dict[str, str]) -> str:
        return f"silenced alerts matching {a['match']!r} for {a['minutes']} min"

    # -- breaker trips ------------------------------------------------------------------

    def _clear_trip(self, breaker: str, venue: str) -> bool:
        b = self.facts.breakers.get(breaker)
        if b is None or b.tripped.pop(venue, None) is None:
            return False
        b.holding.pop(venue, None)
        return True

    def _clear_trips(self, venue: str, actions: tuple[str, ...], by: str) -> list[str]:
        if by.startswith("breaker:"):
            return []
        rules = self.engine.settings.breakers
        return [
            n
            for n in list(self.facts.breakers)
            if rules[n].action in actions and self._clear_trip(n, venue)
        ]

    # -- model queries -------------------------------------------------------------------------

    def _move(self, name: str, reason: str, to: str | None = None) -> str:
        return rt.move(
            self.facts,
            self.engine.settings.routes,
            self.engine.state,
            name,
            reason,
            self.wall(),
            to,
        )

    def _route_back(self, moves: dict[str, str], reason: str) -> list[str]:
        back = []
        for name, venue in moves.items():
            rs = self.facts.routes.get(name)
            if (
                rs is None
                or rs.active == venue
                or venue not in self.engine.settings.routes[name].venues
            ):
                continue
            back.append(self._move(name, reason, to=venue))
        return back

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
        return rt.usable(self.facts, self.engine.settings.routes, route, venue)

    def _first_usable(self, route: str, current: str | None) -> str | None:
        return rt.first_usable(
            self.facts, self.engine.settings.routes, self.engine.state, route, current
        )

    def next_venue(self, route: str) -> str | None:
        return self._first_usable(route, self.facts.routes[route].active)


def _where(venue: str) -> str:
    return "all venues" if venue == "*" else venue
