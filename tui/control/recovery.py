"""Rebuilding the control state from the journal (event sourcing).

The journal is the source of truth: every applied command's outcome and every
breaker trip carries the ``effects`` it had, and every command entry carries its
inverse. Folding them in order gives isolations, halts, routes, breakers'
arming and trips, the undo history, acknowledgements and silences — the same
bookkeeping the live controller does, so the rebuilt state equals the state
the engine had when it stopped (the stateful test checks exactly that).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.control import effects as fx
from tui.control import journal
from tui.control.commands import Command
from tui.control.controller import Controller
from tui.control.journal import JournalBroken
from tui.engine.state import ISOLATED

FRESH_EVENT = "fresh start"


def _ts_ns(entry: dict[str, Any]) -> int:
    try:
        t = datetime.strptime(str(entry.get("ts", "")), "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        return 0
    return int(t.replace(tzinfo=UTC).timestamp() * 1e9)


def _command(entry: dict[str, Any]) -> Command | None:
    try:
        return Command(
            action=str(entry["action"]),
            args={str(k): str(v) for k, v in dict(entry.get("args") or {}).items()},
            actor=str(entry.get("actor", "")),
            reason=str(entry.get("reason", "")),
            id=str(entry.get("id", "")),
            ts_ns=_ts_ns(entry),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _inverse(entry: dict[str, Any], cmd: Command) -> Command | None:
    inv = entry.get("inverse")
    if not isinstance(inv, dict) or "action" not in inv:
        return None
    args = {str(k): str(v) for k, v in dict(inv.get("args") or {}).items()}
    return Command(
        action=str(inv["action"]), args=args, actor=cmd.actor, reason=f"undo of {cmd.id}"
    )


def rebuild(controller: Controller, entries: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Put ``controller`` in the state ``entries`` describe; return what was recovered."""
    controller.reset()
    state = fx.durable(controller.facts)
    commands: dict[str, tuple[int, dict[str, Any]]] = {}
    trips: dict[str, tuple[str, str]] = {}
    last = 0
    for e in entries:
        last = int(e.get("seq", last))
        kind = e.get("kind")
        if kind == "system" and e.get("event") == FRESH_EVENT:
            controller.reset()
            state = fx.durable(controller.facts)
            commands.clear()
            trips.clear()
        elif kind == "command" and isinstance(e.get("id"), str):
            commands[e["id"]] = (int(e["seq"]), e)
        elif kind == "breaker":
            fx.apply(state, dict(e.get("effects") or {}))
            for cid in e.get("commands") or []:
                trips[str(cid)] = (str(e.get("breaker")), str(e.get("venue")))
        elif kind == "outcome":
            found = commands.pop(str(e.get("id")), None)
            if found is None:
                continue
            effects = dict(e.get("effects") or {})
            # A refused breaker action still carries its trip.
            fx.apply(state, effects)
            seq, centry = found
            cmd = _command(centry)
            if cmd is None or e.get("ok") is not True:
                continue
            undid = e.get("undid")
            target = controller.history.get(int(undid)) if isinstance(undid, int) else None
            controller._bookkeep(
                seq, cmd, _inverse(centry, cmd), effects, target, trips.get(cmd.id), int(e["seq"])
            )
    # The configuration may have changed since: what names no venue or instrument
    # configured now cannot be in force (the journal still holds it).
    engine = controller.engine
    state["isolated"] = {v: w for v, w in state["isolated"].items() if v in engine.venues}
    state["halted"] = {
        k: w
        for k, w in state["halted"].items()
        if k.split("|", 1)[0] in (*engine.venues, "*") and k.split("|", 1)[1] in engine.by_canonical
    }
    fx.install(controller.facts, state)
    for venue in controller.facts.isolated:
        controller.engine.states[venue] = ISOLATED
    return summary(controller, last)


def summary(controller: Controller, last_seq: int) -> dict[str, Any]:
    """What the control state holds, for the ``system`` entry and the consoles."""
    facts = controller.facts
    settings = controller.engine.settings
    return {
        "from_seq": last_seq,
        "isolated": sorted(facts.isolated),
        "halted": sorted(f"{i} on {v}" for v, i in facts.halted),
        "routes": {
            n: rs.active
            for n, rs in facts.routes.items()
            if rs.active != next(iter(settings.routes[n].venues), None)
        },
        # Arming that differs from the configuration (what a person changed).
        "disarmed": sorted(
            [
                f"breaker:{n}"
                for n, b in facts.breakers.items()
                if settings.breakers[n].armed > b.armed
            ]
            + [
                f"route:{n}"
                for n, rs in facts.routes.items()
                if settings.routes[n].auto_failover > rs.armed
            ]
        ),
        "armed": sorted(
            [
                f"breaker:{n}"
                for n, b in facts.breakers.items()
                if settings.breakers[n].armed < b.armed
            ]
            + [
                f"route:{n}"
                for n, rs in facts.routes.items()
                if settings.routes[n].auto_failover < rs.armed
            ]
        ),
        "tripped": sorted(f"{n}@{v}" for n, b in facts.breakers.items() for v in b.tripped),
        "undoable": len([d for d in controller.history.values() if d.in_effect]),
        "silences": len(controller.active_silences()),
    }


def describe(recovered: dict[str, Any]) -> str:
    """One line for the timeline."""
    parts = []
    for key in ("isolated", "halted", "tripped", "disarmed", "armed"):
        if recovered.get(key):
            parts.append(f"{key} {', '.join(recovered[key])}")
    if recovered.get("routes"):
        parts.append(
            "routes " + ", ".join(f"{n}->{v or 'none'}" for n, v in recovered["routes"].items())
        )
    what = "; ".join(parts) or "nothing in force"
    return f"control state recovered from the journal (to #{recovered['from_seq']}): {what}"


def prior_entries(path: Path, accept_broken: bool) -> tuple[list[dict[str, Any]], str]:
    """The entries to rebuild from, and (when a broken journal was set aside) what was done.

    A journal whose chain is broken (not merely a torn last line, which the
    writer repairs) is refused unless ``accept_broken``: then it is renamed aside,
    kept as evidence, and the state is rebuilt from the entries before the break.
    """
    if not path.exists():
        return [], ""
    result = journal.read(path)
    entries = [e.as_dict() for e in result.entries]
    if result.verify.status != "broken":
        return entries, ""
    if not accept_broken:
        raise JournalBroken(
            path,
            result.verify.broken_line or 0,
            f"{result.verify.reason}; to start anyway from the {len(entries)} entries before "
            "the break, pass --accept-broken-journal (the file is kept aside as evidence)",
        )
    aside = path.with_name(f"{path.name}.broken-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
    path.rename(aside)
    return entries, (
        f"{path} failed verification ({result.verify.reason}); kept as {aside}; "
        f"rebuilt from the {len(entries)} entries before the break"
    )
