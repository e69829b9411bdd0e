"""Incident reports: a journal turned into a timeline people can read.

The timeline is in UTC, one row per journal entry that matters, with the
important ones marked (commands and their outcomes, breaker trips, critical
alerts, notes). The report starts with whether the journal's hash chain
verified, because a timeline from a tampered journal is not evidence.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.control import journal
from tui.text import clean_obj


def _ts(ts: str) -> datetime:
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ")


def describe(e: dict[str, Any]) -> tuple[str, str, str, bool]:
    """(who, what, detail, important) for one journal entry."""
    kind = e["kind"]
    if kind == "command":
        # Notes included: what a responder wrote down is part of the record.
        return (
            e.get("actor", ""),
            e.get("summary") or e.get("action", ""),
            e.get("reason", ""),
            True,
        )
    if kind == "outcome":
        word = "done" if e.get("ok") else "REFUSED"
        return (e.get("actor", ""), f"{word}: {e.get('action', '')}", e.get("detail", ""), True)
    if kind == "alert":
        what = e.get("what", "")
        sev = e.get("severity", "")
        title = f"alert {what}: {e.get('rule', '')} {sev}"
        if e.get("inhibited"):
            title += " (inhibited)"
        # An inhibited alert is on a venue a responder already isolated: recorded, not news.
        important = sev == "critical" and what != "resolved" and not e.get("inhibited")
        return ("engine", title, e.get("summary", ""), important)
    if kind == "breaker":
        return (
            f"breaker:{e.get('breaker', '')}",
            f"tripped -> {e.get('action', '')} {e.get('venue', '')}",
            e.get("reason", ""),
            True,
        )
    if kind == "sink":
        word = "delivered" if e.get("ok") else "FAILED"
        return (
            f"sink:{e.get('sink', '')}",
            f"{word} {e.get('id', '')}",
            e.get("detail", ""),
            not e.get("ok"),
        )
    if kind == "system":
        detail = {
            k: v for k, v in e.items() if k not in ("seq", "ts", "kind", "prev", "hash", "event")
        }
        return ("engine", str(e.get("event", "system")), _short(detail), False)
    return ("", kind, "", False)


def _short(value: Any, limit: int = 160) -> str:
    text = (
        ", ".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else str(value)
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build(
    path: str | Path,
    since: str | None = None,
    until: str | None = None,
    include_checkpoints: bool = False,
) -> dict[str, Any]:
    check = journal.verify(path)
    read = journal.read(path)
    entries = [e.as_dict() for e in read.entries]
    lo = _ts(since) if since else None
    hi = _ts(until) if until else None
    rows = []
    for e in entries:
        t = _ts(e["ts"])
        if (lo and t < lo) or (hi and t > hi):
            continue
        if e["kind"] == "system" and e.get("event") == "checkpoint" and not include_checkpoints:
            continue
        # Notes and venue text may hold escape sequences: a report is read in terminals.
        who, what, detail, important = describe(clean_obj(e))
        rows.append(
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
    kinds = Counter(r["kind"] for r in rows)
    fired = [r for r in rows if r["kind"] == "alert" and "firing" in r["what"]]
    return {
        "journal": str(path),
        "verified": check.ok,
        "verification": check.reason or "chain intact",
        "entries": len(entries),
        "from": rows[0]["ts"] if rows else None,
        "to": rows[-1]["ts"] if rows else None,
        "summary": {
            "commands": kinds.get("command", 0),
            "refused": sum(1 for r in rows if r["what"].startswith("REFUSED")),
            "alerts_fired": len(fired),
            "critical_alerts": sum(1 for r in fired if "critical" in r["what"]),
            "breaker_trips": kinds.get("breaker", 0),
            "sink_failures": sum(1 for r in rows if r["kind"] == "sink" and "FAILED" in r["what"]),
        },
        "timeline": rows,
    }


def markdown(report: dict[str, Any]) -> str:
    s = report["summary"]
    ok = (
        "verified, chain intact"
        if report["verified"]
        else f"**NOT VERIFIED**: {report['verification']}"
    )
    out = [
        "# Incident report",
        "",
        f"- Journal: `{report['journal']}` ({report['entries']} entries; {ok})",
        f"- Window (UTC): {report['from'] or '-'} to {report['to'] or '-'}",
        f"- Commands: {s['commands']} ({s['refused']} refused); alerts fired: "
        f"{s['alerts_fired']} ({s['critical_alerts']} critical); breaker trips: "
        f"{s['breaker_trips']}; sink failures: {s['sink_failures']}",
        "",
        "## Timeline (UTC)",
        "",
        "| | time | seq | who | what | detail |",
        "|---|---|---|---|---|---|",
    ]
    for r in report["timeline"]:
        mark = "**!**" if r["important"] else ""
        t = r["ts"].replace("T", " ")[:23]
        detail = str(r["detail"]).replace("|", "\\|").replace("\n", " ")
        what = r["what"].replace("|", "\\|")
        if r["important"]:
            what = f"**{what}**"
        out.append(f"| {mark} | {t} | {r['seq']} | {r['who']} | {what} | {detail} |")
    out.append("")
    return "\n".join(out)
