"""Incident reports: a journal turned into what an incident review asks.

The report starts with whether the journal's hash chain verified (and its head
hash, so the copy reviewed can be matched to the original), because a timeline
from a tampered journal is not evidence. Then: a summary; the state at the end
(isolated venues, latched breakers, halts, routes, alerts still firing); the
impact per venue and instrument; each alert's times; the actions with who and
why; notes; the full timeline. Renderers: :mod:`tui.report.md` (also :func:`markdown`),
:mod:`tui.report.html`; JSON is :func:`build`'s dict as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui.control import journal
from tui.errors import UserError
from tui.report import incident as inc_mod
from tui.report.inputs import not_a_journal, sha256
from tui.report.timeline import describe, rows
from tui.report.times import iso, journal_ns, parse_flag
from tui.text import clean_obj

__all__ = ["EvidenceError", "NotAJournal", "build", "describe", "markdown"]


class NotAJournal(UserError, ValueError):
    """The file handed in is something else (a capture, a config…)."""


def build(
    path: str | Path,
    since: str | None = None,
    until: str | None = None,
    include_checkpoints: bool = False,
    captures: list[str] | None = None,
    why_from: str | None = None,
    config: str | None = None,
) -> dict[str, Any]:
    """The report as plain data. Raises NotAJournal, TimeFlagError, EvidenceError or OSError.

    ``why_from``: a capture to replay for each alert's readings ("why did this fire?").
    """
    why = not_a_journal(path)
    if why:
        raise NotAJournal(why)
    lo = parse_flag("--since", since) if since else None
    hi = parse_flag("--until", until, end_of_unit=True) if until else None
    read = journal.read(path)
    check = read.verify
    # Notes and venue text may hold escape sequences: a report is read in terminals.
    entries = [clean_obj(e.as_dict()) for e in read.entries]
    inc = inc_mod.rebuild(entries)
    start = max(inc.start_ns, lo) if lo is not None else inc.start_ns
    end = min(inc.end_ns, hi) if hi is not None else inc.end_ns
    shown = [
        e
        for e in entries
        if (lo is None or journal_ns(e["ts"]) >= lo) and (hi is None or journal_ns(e["ts"]) <= hi)
    ]
    timeline = rows(shown, include_checkpoints, context=entries)
    alerts = [a for a in inc.alerts if a.fired_ns <= end and (a.resolved_ns or end) >= start]
    actions = [a for a in inc.actions if start <= journal_ns(a.ts) <= end]
    rep: dict[str, Any] = {
        "journal": str(path),
        "verified": check.ok,
        "verification": check.reason or "chain intact",
        "verify": {
            "status": check.status,
            "ok": check.ok,
            "entries_verified": check.entries,
            "head_hash": check.last_hash,
            "problem": check.reason,
        },
        "entries": len(entries),
        "from": iso(start) if entries else None,
        "to": iso(end) if entries else None,
        "window_s": round((end - start) / inc_mod.NS, 6) if entries else 0.0,
        "state_derived": not any(
            e["kind"] == "system" and e.get("event") == "venue state" for e in entries
        ),
    }
    rep["final_state"] = _final(inc)
    rep["state_spans"] = {
        v: [
            {"from": iso(max(a, start)), "to": iso(min(b, end)), "state": st}
            for a, b, st in spans
            if b >= start and a <= end
        ]
        for v, spans in inc.spans.items()
    }
    rep["impact"] = _impact(inc, start, end)
    rep["alerts"] = [a.as_dict(inc.end_ns) for a in alerts]
    if why_from:
        _why(rep, why_from, config)
    rep["actions"] = [_action(a) for a in actions]
    rep["breaker_trips"] = [_trip(t) for t in inc.trips if start <= t.ts_ns <= end]
    rep["notes"] = [n for n in inc.notes if start <= journal_ns(n["ts"]) <= end]
    rep["acks_unmatched"] = inc.acks_unmatched
    rep["captures"] = _captures(list(captures or []) + inc.captures)
    rep["summary"] = _summary(rep, timeline)
    rep["timeline"] = timeline
    return rep


def markdown(rep: dict[str, Any]) -> str:
    """The report as Markdown (:mod:`tui.report.md`)."""
    from tui.report import md

    return md.render(rep)


class EvidenceError(UserError, ValueError):
    """The capture (or config) for "why did this fire?" cannot be read; names the flag."""


def _why(rep: dict[str, Any], capture_path: str, config: str | None) -> None:
    from adapters.capture import CaptureError
    from tui.config import ConfigError
    from tui.report import evidence

    try:
        ev = evidence.gather(capture_path, rep["alerts"], config)
    except CaptureError as exc:
        raise EvidenceError(f"--capture: {exc}") from None
    except ConfigError as exc:
        raise EvidenceError(f"--config: {exc}") from None
    rep["evidence"] = {k: v for k, v in ev.items() if k != "alerts"}
    for a in rep["alerts"]:
        a["why"] = ev["alerts"].get(f"{a['key']}@{a['fired']}")


def _final(inc: inc_mod.Incident) -> dict[str, Any]:
    isolated = [
        {"venue": v, "since": iso(a), "by": by, "why": why}
        for v, spans in inc.isolations.items()
        for a, b, by, why in spans
        if b is None
    ]
    halts = [
        {"venue": k[0], "instrument": k[1], "since": iso(a), "why": why}
        for k, spans in inc.halts.items()
        for a, b, why in spans
        if b is None
    ]
    firing = [a for a in inc.alerts if a.resolved_ns is None]
    return {
        "venues": inc_mod.state_at_end(inc),
        "isolated": isolated,
        "latched_breakers": [_trip(t) for t in inc_mod.latched(inc)],
        "halts": halts,
        "routes": {name: moves[-1]["to"] for name, moves in inc.routes.items()},
        "firing_alerts": [
            {"key": a.key, "severity": a.severity, "since": iso(a.fired_ns), "summary": a.summary}
            for a in firing
        ],
    }


def _impact(inc: inc_mod.Incident, start: int, end: int) -> dict[str, Any]:
    venues: dict[str, Any] = {}
    for v in inc.venues:
        spans = inc.spans.get(v, [])
        iso_spans = [(a, b) for a, b, _, _ in inc.isolations.get(v, [])]
        venues[v] = {
            "time_in_state_s": inc_mod.time_in_states(spans, start, end),
            "isolated_s": inc_mod.overlap_s(iso_spans, start, end),
            "isolations": len(iso_spans),
            "alerts": sum(1 for a in inc.alerts if a.venue == v),
            "routes_moved_away": sum(
                1 for moves in inc.routes.values() for m in moves if m["from"] == v
            ),
        }
    instruments: dict[str, Any] = {}
    for a in inc.alerts:
        if not a.instrument:
            continue
        row = instruments.setdefault(
            f"{a.venue}|{a.instrument}", {"alerts": 0, "alert_s": 0.0, "halted_s": 0.0}
        )
        row["alerts"] += 1
        row["alert_s"] = round(
            row["alert_s"] + inc_mod.overlap_s([(a.fired_ns, a.resolved_ns)], start, end), 6
        )
    for (venue, instrument), halts in inc.halts.items():
        row = instruments.setdefault(
            f"{venue}|{instrument}", {"alerts": 0, "alert_s": 0.0, "halted_s": 0.0}
        )
        row["halted_s"] = inc_mod.overlap_s([(a, b) for a, b, _ in halts], start, end)
    routes = {
        name: {"moves": len(moves), "active_at_end": moves[-1]["to"], "history": moves}
        for name, moves in inc.routes.items()
    }
    return {"venues": venues, "instruments": instruments, "routes": routes}


def _action(a: inc_mod.Action) -> dict[str, Any]:
    return {
        "seq": a.seq,
        "ts": a.ts,
        "who": a.actor,
        "action": a.action,
        "args": a.args,
        "summary": a.summary,
        "why": a.reason,
        "ok": a.ok,
        "outcome": a.detail,
        "outcome_seq": a.outcome_seq,
        "by_breaker": a.by_breaker,
        "undone_by_seq": a.undone_by_seq,
        "undoes_seq": a.undoes_seq,
        "breaker_action_undone": a.breaker_undone,
    }


def _trip(t: inc_mod.Trip) -> dict[str, Any]:
    return {
        "seq": t.seq,
        "ts": iso(t.ts_ns),
        "breaker": t.breaker,
        "venue": t.venue,
        "action": t.action,
        "reason": t.reason,
        "latched": t.cleared_ns is None,
        "cleared": iso(t.cleared_ns) if t.cleared_ns else None,
        "cleared_by": t.cleared_by or None,
    }


def _captures(paths: list[str]) -> list[dict[str, Any]]:
    out, seen = [], set()
    for p in paths:
        if p in seen:
            continue
        seen.add(p)
        try:
            digest, size = sha256(p)
            out.append({"path": p, "sha256": digest, "bytes": size})
        except OSError as exc:
            out.append({"path": p, "sha256": None, "error": exc.strerror or str(exc)})
    return out


def _summary(rep: dict[str, Any], timeline: list[dict[str, Any]]) -> dict[str, Any]:
    alerts = rep["alerts"]

    def worst(key: str) -> float | None:
        values = [a[key] for a in alerts if a[key] is not None and not a["inhibited"]]
        return max(values) if values else None

    fired = [r for r in timeline if r["kind"] == "alert" and "firing" in r["what"]]
    return {
        "commands": sum(1 for r in timeline if r["kind"] == "command"),
        "refused": sum(1 for r in timeline if r["what"].startswith("REFUSED")),
        "alerts_fired": len(fired),
        "critical_alerts": sum(1 for r in fired if "critical" in r["what"]),
        "breaker_trips": len(rep["breaker_trips"]),
        "breaker_actions_undone": sum(1 for a in rep["actions"] if a["breaker_action_undone"]),
        "sink_failures": sum(1 for r in timeline if r["kind"] == "sink" and "FAILED" in r["what"]),
        "venues_isolated_at_end": [i["venue"] for i in rep["final_state"]["isolated"]],
        "breakers_latched_at_end": len(rep["final_state"]["latched_breakers"]),
        "alerts_firing_at_end": len(rep["final_state"]["firing_alerts"]),
        "worst_ttd_s": worst("ttd_s"),
        "worst_ttm_s": worst("ttm_s"),
        "notes": len(rep["notes"]),
    }
