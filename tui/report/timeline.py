"""One line per journal entry that matters, in people's words, nothing cut."""

from __future__ import annotations

from typing import Any

_HEADER = ("seq", "ts", "kind", "prev", "hash", "event")


def describe(e: dict[str, Any]) -> tuple[str, str, str, bool]:
    """(who, what, detail, important) for one journal entry."""
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
    rest = {k: v for k, v in e.items() if k not in _HEADER}
    detail = ", ".join(f"{k}={v}" for k, v in rest.items())
    return ("engine", str(e.get("event", kind)), detail, False)


def rows(entries: list[dict[str, Any]], include_checkpoints: bool) -> list[dict[str, Any]]:
    out = []
    for e in entries:
        if e["kind"] == "system" and e.get("event") == "checkpoint" and not include_checkpoints:
            continue
        who, what, detail, important = describe(e)
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
