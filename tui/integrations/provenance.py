"""Who did what, since when: isolations, halts and route moves read from the journal.

The engine's facts say *what* is isolated or halted and why; the journal says
who asked and when. This follows the journal (command, then its outcome) to
keep the second half beside the first. An isolation this process did not see
(made before a restart and rebuilt from the journal by the controls) shows its
reason without who and when, rather than a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.engine.state import ControlFacts


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
        self._route_seen: dict[str, tuple[str | None, int]] = {}

    def on_entry(self, entry: dict[str, Any], facts: ControlFacts) -> str | None:
        """Follow one journal entry; returns the action applied (for change streams) or None."""
        kind = entry.get("kind")
        if kind == "command":
            self.pending[str(entry.get("id"))] = entry
            if len(self.pending) > 1000:  # outcomes always follow; this only bounds a leak
                self.pending.pop(next(iter(self.pending)))
            return None
        if kind != "outcome":
            return None
        cmd = self.pending.pop(str(entry.get("id")), None)
        if cmd is None or not entry.get("ok"):
            return None
        action = str(cmd.get("action"))
        args: dict[str, str] = dict(cmd.get("args") or {})
        if action == "undo" and isinstance(cmd.get("inverse"), dict):
            action = str(cmd["inverse"].get("action"))
            args = dict(cmd["inverse"].get("args") or {})
        since = Since(
            ts=str(cmd.get("ts")),
            by=str(cmd.get("actor", "")),
            reason=str(cmd.get("reason", "")),
            seq=int(cmd.get("seq", 0)),
        )
        if action == "isolate":
            self.isolated[args["venue"]] = since
        elif action == "restore":
            self.isolated.pop(args.get("venue", ""), None)
        elif action == "halt":
            self.halted[(args.get("venue") or "*", args["instrument"])] = since
        elif action == "resume":
            self.halted.pop((args.get("venue") or "*", args.get("instrument", "")), None)
        # Any route whose venue changed under this command moved because of it
        # (a failover, or an isolation or halt that rerouted armed routes).
        for name, rs in facts.routes.items():
            now = (rs.active, rs.changed_ns)
            if self._route_seen.get(name, (None, 0)) != now and rs.changed_ns:
                self.routes[name] = since
            self._route_seen[name] = now
        return action

    def isolated_since(self, venue: str) -> Since | None:
        return self.isolated.get(venue)

    def halted_since(self, key: tuple[str, str]) -> Since | None:
        return self.halted.get(key)
