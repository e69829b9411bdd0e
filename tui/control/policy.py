"""Automatic controls: breakers and automatic failover, and the route moves
that isolations and halts imply.

Breakers follow the shape of exchange circuit breakers: a metric, a
comparison, a threshold held for a duration, then an action. A tripped breaker
says why, and stays tripped until a *person* restores what it isolated (MiFID
II RTS 6 art. 15(3)): the policy never un-isolates anything by itself.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.engine.engine import Engine
from tui.engine.health import NS
from tui.engine.state import Trip

if TYPE_CHECKING:
    from tui.control.controller import Controller

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


class Policy:
    def __init__(self, engine: Engine, controller: Controller) -> None:
        self.engine = engine
        self.facts = engine.facts
        self.controller = controller

    # -- route moves implied by a command (applied inside that command) -----------

    def routes_using(self, venue: str) -> list[str]:
        """Armed routes whose active venue is ``venue``: they fail over if it is isolated."""
        return [n for n, rs in self.facts.routes.items() if rs.armed and rs.active == venue]

    def _move(self, name: str, reason: str) -> str | None:
        rs = self.facts.routes[name]
        target = self.controller.next_venue(name)
        if target is None:
            old = rs.active
            rs.previous, rs.active = rs.active, None
            rs.reason = f"{reason}; no healthy venue left"
            rs.changed_ns = self.controller.wall()
            return f"{name}: {old} -> none"
        rs.previous, rs.active = rs.active, target
        rs.reason = reason
        rs.changed_ns = self.controller.wall()
        return f"{name}: {rs.previous} -> {target}"

    def reroute_away_from(self, venue: str, reason: str) -> list[str]:
        return [m for n in self.routes_using(venue) if (m := self._move(n, reason))]

    def reroute_halted(self, instrument: str, venue: str) -> list[str]:
        moved = []
        for name, rs in self.facts.routes.items():
            route = self.engine.settings.routes[name]
            if (
                rs.armed
                and route.instrument == instrument
                and rs.active is not None
                and venue in ("*", rs.active)
            ):
                m = self._move(name, f"{instrument} halted on {venue}")
                if m:
                    moved.append(m)
        return moved

    def route_back(self, venue: str, routes: list[str]) -> list[str]:
        """Undo of an isolation: routes it moved return to the venue."""
        back = []
        for name in routes:
            rs = self.facts.routes.get(name)
            if rs is None or rs.active == venue:
                continue
            rs.previous, rs.active = rs.active, venue
            rs.reason = f"{venue} restored"
            rs.changed_ns = self.controller.wall()
            back.append(f"{name}: {rs.previous} -> {venue}")
        return back

    # -- arming -------------------------------------------------------------------------

    def set_armed(self, target: str, armed: bool) -> str:
        from tui.control.controller import Refused

        word = "armed" if armed else "disarmed"
        changed = []
        if target in ("all", "breakers"):
            for name, b in self.facts.breakers.items():
                if b.armed != armed:
                    b.armed = armed
                    b.holding.clear()
                    changed.append(f"breaker {name}")
        if target in ("all", "routes"):
            for name, rs in self.facts.routes.items():
                if rs.armed != armed:
                    rs.armed = armed
                    changed.append(f"auto-failover {name}")
        if target.startswith("breaker:"):
            name = target.split(":", 1)[1]
            one = self.facts.breakers.get(name)
            if one is None:
                raise Refused(f"no breaker {name!r}")
            if one.armed != armed:
                one.armed = armed
                one.holding.clear()
                changed.append(f"breaker {name}")
        elif target.startswith("route:"):
            name = target.split(":", 1)[1]
            route = self.facts.routes.get(name)
            if route is None:
                raise Refused(f"no route {name!r}")
            if route.armed != armed:
                route.armed = armed
                changed.append(f"auto-failover {name}")
        elif target not in ("all", "breakers", "routes"):
            raise Refused(
                f"unknown target {target!r} (all, breakers, routes, breaker:<name>, route:<name>)"
            )
        if not changed:
            raise Refused(f"nothing to change: {target} already {word}")
        return f"{word}: {', '.join(changed)}"

    def clear_trips(self, venue: str, by_person: bool) -> list[str]:
        if not by_person:
            return []
        reset = []
        for name, b in self.facts.breakers.items():
            if b.tripped.pop(venue, None) is not None:
                b.holding.pop(venue, None)
                reset.append(name)
        return reset

    # -- evaluation after every engine tick ---------------------------------------------------

    async def on_tick(self) -> None:
        await self._breakers()
        await self._auto_failover()

    async def _breakers(self) -> None:
        from tui.control.commands import Command

        engine = self.engine
        now = engine.clock()
        for name, rule in engine.settings.breakers.items():
            b = self.facts.breakers[name]
            if not b.armed:
                continue
            venues = list(engine.venues) if rule.venue == "*" else [rule.venue]
            for venue in venues:
                if venue in b.tripped or venue in self.facts.isolated:
                    b.holding.pop(venue, None)
                    continue
                value = engine.metric(rule.metric, venue, rule.instrument)
                if value is None or not _OPS[rule.op](value, rule.threshold):
                    b.holding.pop(venue, None)
                    continue
                since = b.holding.setdefault(venue, now)
                held = (now - since) / NS
                if held < rule.for_s:
                    continue
                reason = (
                    f"breaker {name}: {rule.metric} {value:.2f} {rule.op} "
                    f"{rule.threshold:g} on {venue} for {held:.1f}s"
                )
                trip = Trip(ts_ns=self.controller.wall(), reason=reason)
                b.tripped[venue] = trip
                b.holding.pop(venue, None)
                await self.controller.record(
                    "breaker", breaker=name, venue=venue, reason=reason, action=rule.action
                )
                if rule.action == "isolate":
                    cmd = Command(
                        action="isolate",
                        args={"venue": venue},
                        actor=f"breaker:{name}",
                        reason=reason,
                    )
                elif rule.action == "halt" and rule.instrument != "*":
                    cmd = Command(
                        action="halt",
                        args={"instrument": rule.instrument, "venue": venue},
                        actor=f"breaker:{name}",
                        reason=reason,
                    )
                else:
                    for route in self.routes_using(venue):
                        out = await self.controller.execute(
                            Command(
                                action="failover",
                                args={"route": route},
                                actor=f"breaker:{name}",
                                reason=reason,
                            )
                        )
                        trip.command_id = out.id
                    continue
                out = await self.controller.execute(cmd)
                trip.command_id = out.id

    async def _auto_failover(self) -> None:
        from tui.control.commands import Command

        critical = [a for a in self.engine.alerts.firing() if a.severity == "critical"]
        for name, rs in self.facts.routes.items():
            if not rs.armed or rs.active is None:
                continue
            instrument = self.engine.settings.routes[name].instrument
            why = ""
            if rs.active in self.facts.isolated:
                why = f"{rs.active} isolated"
            else:
                # Venue-wide trouble, or trouble on this route's own instrument.
                hit = next(
                    (
                        a
                        for a in critical
                        if a.venue == rs.active and a.instrument in ("", instrument)
                    ),
                    None,
                )
                if hit is not None:
                    why = f"{rs.active}: {hit.summary}"
            if why and self.controller.next_venue(name) is not None:
                await self.controller.execute(
                    Command(
                        action="failover", args={"route": name}, actor="auto-failover", reason=why
                    )
                )
