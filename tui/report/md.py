"""The report as Markdown: what a review reads first, then the evidence."""

from __future__ import annotations

import re
from typing import Any

from tui import evidence_text as words
from tui.report.times import duration

FENCE = "`" * 3
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(value: Any) -> str:
    """Text from venues and consoles made safe for one table cell (no escapes, no pipes)."""
    text = _CONTROL.sub(" ", "" if value is None else str(value))
    return text.replace("|", "\\|")


def _t(ts: str | None) -> str:
    return "-" if not ts else ts.replace("T", " ")[:23]


def _table(head: list[str], body: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(clean(c) for c in row) + " |" for row in body]
    return [*out, ""]


def render(rep: dict[str, Any]) -> str:
    s = rep["summary"]
    v = rep["verify"]
    ok = (
        f"verified, chain intact, {v['entries_verified']} entries, head hash `{v['head_hash']}`"
        if rep["verified"]
        else f"**NOT VERIFIED** ({v['status']}): {clean(v['problem'])}; "
        f"{v['entries_verified']} entries verify, last good hash `{v['head_hash']}`"
    )
    fin = rep["final_state"]
    out = [
        "# Incident report",
        "",
        f"- Journal: `{clean(rep['journal'])}` — {ok}",
        f"- Window (UTC): {_t(rep['from'])} to {_t(rep['to'])} ({duration(rep['window_s'])})",
        f"- Commands: {s['commands']} ({s['refused']} refused); alerts fired: "
        f"{s['alerts_fired']} ({s['critical_alerts']} critical); breaker trips: "
        f"{s['breaker_trips']} ({s['breaker_actions_undone']} undone); "
        f"sink failures: {s['sink_failures']}; notes: {s['notes']}",
        f"- Worst time to detect: {duration(s['worst_ttd_s'])}; worst time to mitigate: "
        f"{duration(s['worst_ttm_s'])}",
        f"- At the end: isolated {', '.join(s['venues_isolated_at_end']) or 'none'}; "
        f"breakers latched {s['breakers_latched_at_end']}; alerts firing "
        f"{s['alerts_firing_at_end']}",
        "",
    ]
    for c in rep["captures"]:
        digest = c["sha256"] or f"unreadable: {c.get('error')}"
        out.append(f"- Capture: `{clean(c['path'])}` SHA-256 `{digest}`")
    if rep["captures"]:
        out.append("")
    out += ["## State at the end", ""]
    out += _table(["venue", "state"], [[k, st] for k, st in fin["venues"].items()])
    if fin["isolated"]:
        out += ["Isolated:", ""]
        out += _table(
            ["venue", "since", "by", "why"],
            [[i["venue"], _t(i["since"]), i["by"], i["why"]] for i in fin["isolated"]],
        )
    if fin["latched_breakers"]:
        out += ["Breakers still latched (a person must restore the venue):", ""]
        out += _table(
            ["breaker", "venue", "tripped", "action", "why"],
            [
                [t["breaker"], t["venue"], _t(t["ts"]), t["action"], t["reason"]]
                for t in fin["latched_breakers"]
            ],
        )
    if fin["halts"]:
        out += ["Halted:", ""]
        out += _table(
            ["venue", "instrument", "since", "why"],
            [[h["venue"], h["instrument"], _t(h["since"]), h["why"]] for h in fin["halts"]],
        )
    if fin["routes"]:
        out += _table(["route", "active venue"], [[k, r] for k, r in fin["routes"].items()])
    if fin["firing_alerts"]:
        out += ["Alerts still firing:", ""]
        out += _table(
            ["alert", "severity", "since", "summary"],
            [[a["key"], a["severity"], _t(a["since"]), a["summary"]] for a in fin["firing_alerts"]],
        )
    imp = rep["impact"]
    out += ["## Impact per venue", ""]
    if rep["state_derived"]:
        out += [
            "_States derived from alerts and commands (this journal has no `venue state` "
            "entries); RECOVERING ends when the venue's alerts clear._",
            "",
        ]
    out += _table(
        [
            "venue",
            "live",
            "degraded",
            "isolated",
            "recovering",
            "isolations",
            "alerts",
            "routes moved away",
        ],
        [
            [
                name,
                *(
                    duration(row["time_in_state_s"][k])
                    for k in ("LIVE", "DEGRADED", "ISOLATED", "RECOVERING")
                ),
                row["isolations"],
                row["alerts"],
                row["routes_moved_away"],
            ]
            for name, row in imp["venues"].items()
        ],
    )
    if imp["instruments"]:
        out += ["## Impact per instrument", ""]
        out += _table(
            ["venue|instrument", "alerts", "time alerting", "time halted"],
            [
                [k, r["alerts"], duration(r["alert_s"]), duration(r["halted_s"])]
                for k, r in imp["instruments"].items()
            ],
        )
    if imp["routes"]:
        out += ["## Routes moved", ""]
        out += _table(
            ["route", "time", "from", "to", "by"],
            [
                [name, _t(m["ts"]), m["from"], m["to"], m["by"]]
                for name, r in imp["routes"].items()
                for m in r["history"]
            ],
        )
    out += _alerts(rep["alerts"])
    out += why_section(rep["alerts"])
    out += ["## Actions", ""]
    out += _table(
        ["seq", "time", "who", "action", "why", "outcome", "flag"],
        [
            [
                a["seq"],
                _t(a["ts"]),
                a["who"],
                a["summary"],
                a["why"],
                ("done: " if a["ok"] else "REFUSED: " if a["ok"] is False else "no outcome: ")
                + a["outcome"],
                _flag(a),
            ]
            for a in rep["actions"]
        ],
    )
    if rep["notes"]:
        out += ["## Notes", ""]
        out += _table(
            ["time", "who", "note"], [[_t(n["ts"]), n["who"], n["text"]] for n in rep["notes"]]
        )
    out += ["## Timeline (UTC)", ""]
    out += _table(
        ["", "time", "seq", "who", "what", "detail"],
        [
            [
                "**!**" if r["important"] else "",
                _t(r["ts"]),
                r["seq"],
                r["who"],
                r["what"],
                r["detail"],
            ]
            for r in rep["timeline"]
        ],
    )
    return "\n".join(out)


def _flag(a: dict[str, Any]) -> str:
    if a["breaker_action_undone"]:
        return f"BREAKER ACTION UNDONE by #{a['undone_by_seq']}"
    if a["undone_by_seq"]:
        return f"undone by #{a['undone_by_seq']}"
    if a["undoes_seq"]:
        return f"undoes #{a['undoes_seq']}"
    return ""


def _alerts(alerts: list[dict[str, Any]]) -> list[str]:
    if not alerts:
        return []
    out = [
        "## Alerts",
        "",
        "Times from the onset (the condition first seen): TTD to firing, TTA to "
        "acknowledgement, TTM to the first isolate/halt/route move touching the venue, "
        "TTR to resolved.",
        "",
    ]
    return out + _table(
        [
            "alert",
            "severity",
            "onset",
            "TTD",
            "TTA",
            "TTM",
            "TTR",
            "firing for",
            "mitigation",
            "summary",
        ],
        [
            [
                a["key"] + (" (inhibited)" if a["inhibited"] else ""),
                a["severity"],
                _t(a["onset"]),
                duration(a["ttd_s"]),
                duration(a["tta_s"]),
                duration(a["ttm_s"]),
                duration(a["ttr_s"]) if a["ttr_s"] is not None else "still firing",
                duration(a["firing_s"]),
                a["mitigated_by"],
                a["summary"],
            ]
            for a in alerts
        ],
    )


def why_section(alerts: list[dict[str, Any]]) -> list[str]:
    """Per alert, the readings the replayed capture showed around its firing."""
    shown = [a for a in alerts if a.get("why")]
    if not shown:
        return []
    out = [
        "## Why did this fire?",
        "",
        "Readings from the capture, replayed with the same configuration; offsets in "
        "seconds from the firing (from 10 s before to 5 s after here; the JSON report has "
        "the whole window).",
        "",
    ]
    for a in shown:
        why = a["why"]
        out += [f"### {clean(a['key'])} at {_t(a['fired'])}", "", clean(a["summary"]), ""]
        if why.get("consensus"):
            out += [f"Consensus of {words.consensus_text(why['consensus'])}", ""]
        cols = words.series_columns(why, a["instrument"])
        out += _table(["offset", *cols], words.series_rows(why, cols, -10, 5))
        for frames, when in ((why["frames"], "before"), (why.get("frames_after"), "after")):
            if not frames:
                continue
            out += [f"{len(frames)} frames from {clean(a['venue'])} {when} it fired:", ""]
            out += [FENCE]
            out += [f"{_t(f['t'])} {_code(f['raw'])}" for f in frames]
            out += [FENCE, ""]
    return out


def _code(text: str) -> str:
    """Frame text inside a fenced block: no escapes, and it cannot close the fence."""
    return _CONTROL.sub(" ", text).replace(FENCE, "' ' '")
