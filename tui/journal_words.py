"""Journal entries in people's words, shared by the console's timeline and the report.

Two readers of the same journal must not word an entry differently, so the
entries whose fields are not self-explaining are worded once, here: ``system``
events (their fields as readable text — a list of venues is ``binance, okx``,
never a Python repr) and the venue-halt layers (who asked for the halt, what
layer reached which state, and the command it serves). A shared leaf: any
layer may import it; it imports nothing of the application.
"""

from __future__ import annotations

from typing import Any

HEADER_FIELDS = ("seq", "ts", "kind", "prev", "hash", "event")


def value_text(v: object) -> str:
    """A field's value as a person reads it: lists joined, mappings as key=value."""
    if isinstance(v, list | tuple | set | frozenset):
        items = sorted(v, key=str) if isinstance(v, set | frozenset) else list(v)
        return ", ".join(value_text(x) for x in items) if items else "none"
    if isinstance(v, dict):
        return "; ".join(f"{k}={value_text(x)}" for k, x in v.items()) if v else "none"
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


def system_detail(e: dict[str, Any]) -> str:
    """The fields of a ``system`` entry beyond its event, readable (``venues: a, b``)."""
    return " · ".join(f"{k}: {value_text(v)}" for k, v in e.items() if k not in HEADER_FIELDS)


def commands_by_id(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Command entries by their id: what a later outcome, sink or halt layer refers to."""
    return {str(e.get("id")): e for e in entries if e.get("kind") == "command"}


def venue_halt(e: dict[str, Any], commands: dict[str, dict[str, Any]]) -> tuple[str, str, str]:
    """(who asked, what happened, detail) for one layer of a halt at a venue.

    The layer entry carries the command's id, not its author: the author and the
    command's own summary come from the command entry (when it is in view).
    """
    cmd = commands.get(str(e.get("id", "")))
    who = str(cmd.get("actor", "")) if cmd else ""
    attempt = int(e.get("attempt") or 1)
    what = f"venue halt {e.get('layer', '')} {e.get('state', '')} on {e.get('venue', '')}" + (
        f" (attempt {attempt})" if attempt > 1 else ""
    )
    parts = [str(e.get("detail") or "")]
    if e.get("ms"):
        parts.append(f"{e['ms']} ms")
    if cmd:
        parts.append(f"for #{cmd.get('seq', '?')} {cmd.get('summary') or cmd.get('action', '')}")
        if cmd.get("reason"):
            parts.append(f"why: {cmd['reason']}")
    elif e.get("id"):
        parts.append(f"for command {e['id']}")
    return who or "venue-halt", what, " · ".join(p for p in parts if p)
