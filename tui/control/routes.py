"""Route rules as pure functions over the control facts.

Which venue a route may use, where it goes when its venue is isolated or its
instrument halted, and which arming targets a command names. No I/O, no
journal, no controller: the controller applies these inside a command, and the
tests call them directly.
"""

from __future__ import annotations

from collections.abc import Callable

from tui.control.commands import Refused
from tui.engine.settings import Route
from tui.engine.state import LIVE, ControlFacts

Routes = dict[str, Route]


def usable(facts: ControlFacts, routes: Routes, route: str, venue: str) -> bool:
    """A route may use a venue that is neither isolated nor halted for its instrument."""
    r = routes[route]
    return venue not in facts.isolated and not facts.is_halted(venue, r.instrument)


def first_usable(
    facts: ControlFacts,
    routes: Routes,
    state: Callable[[str], str],
    route: str,
    current: str | None,
) -> str | None:
    """The next LIVE, usable venue after ``current`` in the route's order."""
    venues = routes[route].venues
    start = venues.index(current) + 1 if current in venues else 0
    for v in venues[start:] + venues[:start]:
        if v != current and usable(facts, routes, route, v) and state(v) == LIVE:
            return v
    return None


def using(facts: ControlFacts, venue: str) -> list[str]:
    """Armed routes whose active venue is ``venue``: they fail over if it is isolated."""
    return [n for n, rs in facts.routes.items() if rs.armed and rs.active == venue]


def on_halt(facts: ControlFacts, routes: Routes, instrument: str, venue: str) -> list[str]:
    """Armed routes that a halt of ``instrument`` on ``venue`` ("*": all) moves."""
    return [
        n
        for n, rs in facts.routes.items()
        if rs.armed
        and routes[n].instrument == instrument
        and rs.active is not None
        and venue in ("*", rs.active)
    ]


def move(
    facts: ControlFacts,
    routes: Routes,
    state: Callable[[str], str],
    name: str,
    reason: str,
    now_ns: int,
    to: str | None = None,
) -> str:
    """Move a route to ``to`` (default: the next usable venue, or none)."""
    rs = facts.routes[name]
    target = to if to is not None else first_usable(facts, routes, state, name, rs.active)
    old = rs.active
    rs.previous, rs.active = rs.active, target
    rs.reason = reason if target is not None else f"{reason}; no healthy venue left"
    rs.changed_ns = now_ns
    return f"{name}: {old or 'none'} -> {target or 'none'}"


def parse_moves(value: str, default_venue: str = "") -> dict[str, str]:
    """``routes`` argument of restore/resume: ``r1,r2`` (back to ``default_venue``)
    or ``r1=venue,r2=venue``."""
    out = {}
    for part in value.split(","):
        if not part:
            continue
        name, _, venue = part.partition("=")
        out[name] = venue or default_venue
    return out


def arm_items(facts: ControlFacts, target: str) -> list[str]:
    """The ``breaker:NAME`` / ``route:NAME`` items an arming target names."""
    items: list[str] = []
    for t in target.split(","):
        if t in ("all", "breakers"):
            items += [f"breaker:{n}" for n in facts.breakers]
        if t in ("all", "routes"):
            items += [f"route:{n}" for n in facts.routes]
        if t in ("all", "breakers", "routes"):
            continue
        kind, _, name = t.partition(":")
        known = facts.breakers if kind == "breaker" else facts.routes
        if kind in ("breaker", "route") and name in known:
            items.append(t)
        elif kind in ("breaker", "route"):
            raise Refused(f"no {kind} {name!r}")
        else:
            raise Refused(
                f"unknown target {t!r} (all, breakers, routes, breaker:<name>, route:<name>)"
            )
    return list(dict.fromkeys(items))


def to_change(facts: ControlFacts, items: list[str], armed: bool) -> list[str]:
    """Of ``items``, those not already ``armed``."""
    out = []
    for item in items:
        kind, _, name = item.partition(":")
        now = facts.breakers[name].armed if kind == "breaker" else facts.routes[name].armed
        if now != armed:
            out.append(item)
    return out


def set_armed(facts: ControlFacts, items: list[str], armed: bool) -> None:
    for item in items:
        kind, _, name = item.partition(":")
        if kind == "breaker":
            facts.breakers[name].armed = armed
            facts.breakers[name].holding.clear()
        else:
            facts.routes[name].armed = armed
