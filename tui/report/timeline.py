"""One line per journal entry that matters, in people's words, nothing cut."""

from __future__ import annotations

from typing import Any

from tui.journal_words import commands_by_id, system_detail, venue_halt


def describe(
    e: dict[str, Any], commands: dict[str, dict[str, Any]] | None = None
) -> tuple[str, str, str, bool]:
    """(who, what, detail, important) for one journal entry (``commands``: by id,
    for the entries that refer to a command)."""
    kind = e["kind"]
    if kind == "command":
        # Notes included: what a responder wrote down is part of the record.
        return (
            str(e.get("actor", "")),
            str(e.get("summary") or e.get("action", "")),
            str(e.get("reason", "")),
            True,
        )
    if kind == "outcome":
        word = "done" if e.get("ok") else "REFUSED"
        return (
            str(e.get("actor", "")),
            f"{word}: {e.get('action', '')}",
            str(e.get("detail", "")),
            True,
        )
    if kind == "alert":
        what = e.get("what", "")
        sev = e.get("severity", "")
        title = f"alert {what}: {e.get('rule', '')} {sev}"
        if e.get("inhibited"):
            title += " (inhibited)"
        # An inhibited alert is on a venue a responder already isolated: recorded, not news.
        important = sev == "critical" and what != "resolved" and not e.get("inhibited")
        return ("engine", title, str(e.get("summary", "")), important)
    if kind == "breaker":
        return (
            f"breaker:{e.get('breaker', '')}",
            f"tripped -> {e.get('action', '')} {e.get('venue', '')}",
            str(e.get("reason", "")),
            True,
        )
    if kind == "sink":
        word = "delivered" if e.get("ok") else "FAILED"
        return (
            f"sink:{e.get('sink', '')}",
            f"{word} {e.get('id', '')}",
            str(e.get("detail", "")),
            not e.get("ok"),
        )
    if kind in ("ack", "silence"):
        target = e.get("key") or e.get("alert") or f"{e.get('venue', '')} {e.get('rule', '')}"
        return (str(e.get("actor", "")), f"{kind} {target}".strip(), str(e.get("reason", "")), True)
    if kind == "venue-halt":
        who, what, detail = venue_halt(e, commands or {})
        return (who, what, detail, e.get("state") == "FAILED")
    return ("engine", str(e.get("event", kind)), system_detail(e), False)


def rows(
    entries: list[dict[str, Any]],
    include_checkpoints: bool,
    context: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """``context``: the whole journal, where the commands that later entries name are
    found (``entries`` may be a time window of it)."""
    commands = commands_by_id(context if context is not None else entries)
    out = []
    for e in entries:
        if e["kind"] == "system" and e.get("event") == "checkpoint" and not include_checkpoints:
            continue
        who, what, detail, important = describe(e, commands)
        out.append(
            {
                "seq": e["seq"],
                "ts": e["ts"],
                "kind": e["kind"],
                "who": who,
                "what": what,
                "detail": detail,
                "important": important,
            }
        )
    return out
