"""The durable control facts as plain data, and the difference a command made.

Every journalled outcome and breaker trip carries ``effects``: exactly what it
changed in the durable facts (isolations, halts, routes, breakers' arming and
trips). Folding the effects of a journal in order rebuilds the control state on
start, whatever the venues' health is by then — the journal alone, no guessing
from replayed commands. Probation timers and held conditions are not durable:
they restart with the data.
"""

from __future__ import annotations

from typing import Any

import msgspec

from tui.engine.state import BreakerState, ControlFacts, RouteState, Trip

Durable = dict[str, dict[str, Any]]

_ROUTE_FIELDS = ("active", "previous", "armed", "reason", "changed_ns")


def durable(facts: ControlFacts) -> Durable:
    """A deep, JSON-shaped copy of the facts that survive a restart."""
    return {
        "isolated": dict(facts.isolated),
        "halted": {f"{v}|{i}": why for (v, i), why in facts.halted.items()},
        "routes": {n: {f: getattr(rs, f) for f in _ROUTE_FIELDS} for n, rs in facts.routes.items()},
        "breakers": {
            n: {
                "armed": b.armed,
                "tripped": {v: msgspec.to_builtins(t) for v, t in b.tripped.items()},
            }
            for n, b in facts.breakers.items()
        },
    }


def diff(before: Durable, after: Durable) -> dict[str, Any]:
    """What changed from ``before`` to ``after`` (empty: nothing)."""
    out: dict[str, Any] = {}
    for section in ("isolated", "halted"):
        b, a = before[section], after[section]
        changed = {k: v for k, v in a.items() if b.get(k) != v}
        gone = sorted(k for k in b if k not in a)
        if changed:
            out[section] = changed
        if gone:
            out[f"un{section}"] = gone
    for section in ("routes", "breakers"):
        rows = {}
        for name, new in after[section].items():
            old = before[section].get(name, {})
            fields = {f: v for f, v in new.items() if old.get(f) != v}
            if fields:
                rows[name] = fields
        if rows:
            out[section] = rows
    return out


def apply(state: Durable, effects: dict[str, Any]) -> None:
    """Fold ``effects`` into ``state`` (names unknown to ``state`` are ignored:
    the configuration may have changed since they were journalled)."""
    for section in ("isolated", "halted"):
        state[section].update(effects.get(section, {}))
        for k in effects.get(f"un{section}", []):
            state[section].pop(k, None)
    for section in ("routes", "breakers"):
        for name, fields in effects.get(section, {}).items():
            if name in state[section]:
                state[section][name].update(fields)


def install(facts: ControlFacts, state: Durable) -> None:
    """Make ``facts`` hold ``state`` (in place: the engine keeps its reference)."""
    facts.isolated = dict(state["isolated"])
    facts.halted = {
        (k.split("|", 1)[0], k.split("|", 1)[1]): why for k, why in state["halted"].items()
    }
    # In place where the object exists: holders of a route's or breaker's state
    # (and the probation/holding timers in it) keep seeing the live one.
    for n, fields in state["routes"].items():
        rs = facts.routes.get(n)
        if rs is None:
            facts.routes[n] = RouteState(**fields)
        else:
            for f, v in fields.items():
                setattr(rs, f, v)
    for n, fields in state["breakers"].items():
        tripped = {v: msgspec.convert(t, Trip) for v, t in fields["tripped"].items()}
        b = facts.breakers.get(n)
        if b is None:
            facts.breakers[n] = BreakerState(armed=fields["armed"], tripped=tripped)
        else:
            b.armed, b.tripped = fields["armed"], tripped


def subjects(effects: dict[str, Any]) -> frozenset[str]:
    """What a change is about, for "is this command still in effect": a later
    change to the same subject supersedes it. Trips are not subjects: clearing a
    trip does not take back what the breaker's command did."""
    out = {f"venue:{v}" for v in effects.get("isolated", {})}
    out |= {f"venue:{v}" for v in effects.get("unisolated", [])}
    out |= {f"halt:{k}" for k in effects.get("halted", {})}
    out |= {f"halt:{k}" for k in effects.get("unhalted", [])}
    for name, fields in effects.get("routes", {}).items():
        if "active" in fields:
            out.add(f"route:{name}")
        if "armed" in fields:
            out.add(f"armed:route:{name}")
    for name, fields in effects.get("breakers", {}).items():
        if "armed" in fields:
            out.add(f"armed:breaker:{name}")
    return frozenset(out)
