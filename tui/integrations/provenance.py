"""Who did what, since when: isolations, halts and route moves read from the journal.

The engine's facts say *what* is isolated or halted and why; the journal says
who asked and when. Every journalled outcome carries the ``effects`` it had on
the durable facts (:mod:`tui.control.effects`), so following the journal —
the entries before this start, then live ones — places each isolation, halt
and route move on the command that made it, exactly as the controls rebuild
their state. A decision it cannot place shows its reason without who and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Since:
    ts: str
    """UTC, RFC 3339 (the journal's own timestamp of the command)."""
    by: str
    reason: str
    seq: int


class Provenance:
    def __init__(self) -> None:
        self.pending: dict[str, dict[str, Any]] = {}
        self.isolated: dict[str, Since] = {}
        self.halted: dict[tuple[str, str], Since] = {}
        self.routes: dict[str, Since] = {}

    def replay(self, entries: list[dict[str, Any]]) -> None:
        """The journal as it was before this start."""
        for entry in entries:
            self.on_entry(entry)

    def on_entry(self, entry: dict[str, Any]) -> None:
        """Follow one journal entry (a command, then its outcome with its effects)."""
        kind = entry.get("kind")
        if kind == "command":
            self.pending[str(entry.get("id"))] = entry
            if len(self.pending) > 1000:  # outcomes always follow; this only bounds a leak
                self.pending.pop(next(iter(self.pending)))
            return
        if kind != "outcome":
            return
        cmd = self.pending.pop(str(entry.get("id")), None)
        effects = entry.get("effects")
        if cmd is None or not entry.get("ok") or not isinstance(effects, dict):
            return
        since = Since(
            ts=str(cmd.get("ts")),
            by=str(cmd.get("actor", "")),
            reason=str(cmd.get("reason", "")),
            seq=int(cmd.get("seq", 0)),
        )
        for venue in effects.get("isolated", {}):
            self.isolated[venue] = since
        for venue in effects.get("unisolated", []):
            self.isolated.pop(venue, None)
        for key in effects.get("halted", {}):
            self.halted[_halt_key(key)] = since
        for key in effects.get("unhalted", []):
            self.halted.pop(_halt_key(key), None)
        for name, fields in effects.get("routes", {}).items():
            if "active" in fields:
                self.routes[name] = since


def _halt_key(key: str) -> tuple[str, str]:
    venue, _, instrument = key.partition("|")
    return venue, instrument
