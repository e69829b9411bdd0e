"""What a console derives from the journal it holds about the controls:
whose command ``u`` would undo, who acknowledged an alert, active silences.

Pure functions over journal entries (the engine decides; these only let the
console ask the right question before it sends, and show what was decided).
The console keeps only the journal's tail, so older acknowledgements are in the
journal and the report, not on screen.
"""

from __future__ import annotations

from typing import Any

import msgspec

from tui.control.commands import RISKY, UNDOABLE


class Undoable(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    actor: str
    summary: str
    inverse: str
    """The action undo would run (``restore``, ``resume``, ``disarm``: risky)."""

    @property
    def risky(self) -> bool:
        return self.inverse in RISKY


def _applied(
    journal: list[dict[str, Any]],
) -> tuple[dict[str, dict[str, Any]], set[str], dict[str, dict[str, Any]]]:
    commands = {str(e.get("id")): e for e in journal if e.get("kind") == "command"}
    outcomes = {str(e.get("id")): e for e in journal if e.get("kind") == "outcome"}
    ok = {i for i, o in outcomes.items() if o.get("ok") is True}
    return commands, ok, outcomes


def own_last(journal: list[dict[str, Any]], actor: str) -> Undoable | None:
    """The actor's last applied, undoable command not yet undone (as far as this
    console's journal tail shows; the engine has the final word)."""
    commands, ok, outcomes = _applied(journal)
    undone = {o.get("undid") for o in outcomes.values() if o.get("ok") and o.get("undid")}
    for cid, e in sorted(commands.items(), key=lambda kv: -int(kv[1].get("seq", 0))):
        if e.get("actor") != actor or cid not in ok or e.get("seq") in undone:
            continue
        inverse = (e.get("inverse") or {}).get("action", "")
        if e.get("action") in UNDOABLE and inverse:
            return Undoable(
                seq=int(e["seq"]), actor=actor, summary=str(e.get("summary", "")), inverse=inverse
            )
    return None


def acknowledgements(journal: list[dict[str, Any]]) -> dict[str, str]:
    """Alert key -> who acknowledged it."""
    commands, ok, _ = _applied(journal)
    out = {}
    for cid, e in commands.items():
        if e.get("action") == "ack" and cid in ok:
            who = str(e.get("actor", "")).removeprefix("console:")
            out[str((e.get("args") or {}).get("alert", ""))] = who
    return out


def silences(journal: list[dict[str, Any]], now_ns: int) -> list[tuple[str, str, int]]:
    """(match, who, until_ns) of silences still running at ``now_ns``."""
    from datetime import UTC, datetime

    commands, ok, _ = _applied(journal)
    out = []
    for cid, e in commands.items():
        if e.get("action") != "silence" or cid not in ok:
            continue
        args = e.get("args") or {}
        try:
            start = datetime.strptime(str(e["ts"]), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
            until = int(start.timestamp() * 1e9) + int(args["minutes"]) * 60 * 10**9
        except (KeyError, ValueError):
            continue
        if until > now_ns:
            out.append((str(args.get("match", "")), str(e.get("actor", "")), until))
    return out


def alert_note(key: str, acks: dict[str, str], muted: list[tuple[str, str, int]]) -> str:
    """A suffix for an alert row: acknowledged by whom, silenced by whom (never hidden)."""
    parts = []
    if key in acks:
        parts.append(f"ack {acks[key]}")
    hit = next((m for m in muted if m[0] and m[0] in key), None)
    if hit is not None:
        parts.append(f"silenced by {hit[1].removeprefix('console:')}")
    return f" · {' · '.join(parts)}" if parts else ""
