"""Automatic controls: breakers and automatic failover.

Breakers follow the shape of exchange circuit breakers: a metric, a
comparison, a threshold held for a duration, then an action. Their lifecycle:
armed → tripped (per venue, with the reading) → cleared by a person (restore,
resume, undo of the breaker's action, or ``clear``) → able to fire again. The
policy never clears a trip or un-isolates anything by itself (MiFID II RTS 6
art. 15(3)).

This module calls the controller, one way: the controller knows nothing of it.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable

from tui.control import routes as rt
from tui.control.commands import Command
from tui.control.controller import Controller
from tui.engine.engine import Engine
from tui.engine.health import NS

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
        self._fired = 0

    async def on_tick(self) -> None:
        await self._breakers()
        await self._auto_failover()

    async def _breakers(self) -> None:
        engine = self.engine
        now = engine.clock()
        for name, rule in engine.settings.breakers.items():
            b = self.facts.breakers[name]
            if not b.armed:
                continue
            venues = list(engine.venues) if rule.venue == "*" else [rule.venue]
            for venue in venues:
                if (
                    venue in b.tripped
                    or venue in self.facts.isolated
                    or (rule.action == "halt" and self.facts.is_halted(venue, rule.instrument))
                ):
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
                await self.fire(name, venue, value, held)

    async def fire(self, name: str, venue: str, value: float, held_s: float = 0.0) -> bool:
        """Trip breaker ``name`` on ``venue`` with the reading that tripped it."""
        rule = self.engine.settings.breakers[name]
        reason = (
            f"breaker {name}: {rule.metric} {value:.2f} {rule.op} "
            f"{rule.threshold:g} on {venue} for {held_s:.1f}s"
        )
        return await self.controller.trip(
            name, venue, reason, value, self._commands(name, venue, reason)
        )

    def _commands(self, name: str, venue: str, reason: str) -> list[Command]:
        # Ids from the breaker, venue and engine time: a replay of the same capture
        # journals the same trip the same way (capture time, not wall time).
        self._fired += 1
        key = f"{name}|{venue}|{self.engine.wall()}|{self._fired}"
        ids = iter(hashlib.sha256(f"{key}|{i}".encode()).hexdigest()[:12] for i in range(99))

        def new_id() -> str:
            return next(ids)

        rule = self.engine.settings.breakers[name]
        actor = f"breaker:{name}"
        if rule.action == "isolate":
            return [
                Command(
                    action="isolate", args={"venue": venue}, actor=actor, reason=reason, id=new_id()
                )
            ]
        if rule.action == "halt":
            # Config validation rejects a halt without an instrument.
            return [
                Command(
                    action="halt",
                    args={"instrument": rule.instrument, "venue": venue},
                    actor=actor,
                    reason=reason,
                    id=new_id(),
                )
            ]
        return [
            Command(action="failover", args={"route": r}, actor=actor, reason=reason, id=new_id())
            for r in rt.using(self.facts, venue)
        ]

    async def _auto_failover(self) -> None:
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
