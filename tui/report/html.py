"""The report as one self-contained HTML file: no scripts, no network, charts as inline SVG.

The SVG is written by hand: a state timeline is a few rectangles per venue,
and a charting library would bring scripts or a network fetch into a file
that must open offline, years later, as evidence.
"""

from __future__ import annotations

from html import escape
from typing import Any

from tui import evidence_text as words
from tui.report.md import _CONTROL
from tui.report.times import duration, journal_ns

COLOURS = {
    "LIVE": "#3a7d44",
    "DEGRADED": "#d08c12",
    "ISOLATED": "#b3261e",
    "RECOVERING": "#2f6db5",
    "warning": "#d08c12",
    "critical": "#b3261e",
}
_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#1b1b1b;max-width:80em}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:2px 6px;
text-align:left;vertical-align:top;font-size:90%}th{background:#eee}.bad{color:#b3261e;
font-weight:bold}.flag{color:#b3261e}svg text{font:11px sans-serif}
"""


def _e(value: Any) -> str:
    return escape(_CONTROL.sub(" ", "" if value is None else str(value)))


def _table(head: list[str], body: list[list[Any]]) -> str:
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    trs = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in body)
    return f"<table><tr>{th}</tr>{trs}</table>"


def state_chart(rep: dict[str, Any]) -> str:
    """Venue states over the window, one row per venue, alerts as ticks under it."""
    spans = {
        v: [(_ns(r["from"]), _ns(r["to"]), r["state"]) for r in rows]
        for v, rows in rep["state_spans"].items()
    }
    if not rep["from"] or not spans:
        return ""
    t0, t1 = _ns(rep["from"]), _ns(rep["to"])
    width, label, row = 900, 130, 26
    span = max(t1 - t0, 1)

    def x(ns: int) -> float:
        return label + (min(max(ns, t0), t1) - t0) * (width - label - 10) / span

    parts = []
    for i, (venue, rows) in enumerate(spans.items()):
        y = 10 + i * row
        parts.append(f'<text x="4" y="{y + 14}">{_e(venue)}</text>')
        for a, b, state in rows:
            if b < t0 or a > t1:
                continue
            w = max(x(b) - x(a), 0.5)
            parts.append(
                f'<rect x="{x(a):.1f}" y="{y}" width="{w:.1f}" height="16" '
                f'fill="{COLOURS.get(state, "#888")}"><title>{_e(venue)} {state} '
                f"{duration((min(b, t1) - max(a, t0)) / 1e9)}</title></rect>"
            )
        for al in rep["alerts"]:
            if al["venue"] != venue:
                continue
            a = _ns(al["fired"])
            b = _ns(al["resolved"]) if al["resolved"] else t1
            parts.append(
                f'<rect x="{x(a):.1f}" y="{y + 17}" width="{max(x(b) - x(a), 1):.1f}" '
                f'height="4" fill="{COLOURS.get(al["severity"], "#888")}">'
                f"<title>{_e(al['key'])} {_e(al['severity'])}</title></rect>"
            )
    h = 20 + len(spans) * row
    axis = (
        f'<text x="{label}" y="{h}">{_e(rep["from"])}</text>'
        f'<text x="{width - 10}" y="{h}" text-anchor="end">{_e(rep["to"])}</text>'
    )
    legend = " ".join(
        f'<span style="color:{COLOURS[s]}">■ {s}</span>'
        for s in ("LIVE", "DEGRADED", "ISOLATED", "RECOVERING")
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h + 6}" '
        f'role="img" aria-label="venue states over time">{"".join(parts)}{axis}</svg>'
        f"<p>{legend}; thin bars: alerts firing</p>"
    )


def _ns(ts: str) -> int:
    return journal_ns(ts) if len(ts) == 27 else journal_ns(ts[:19] + ".000000Z")


def render(rep: dict[str, Any]) -> str:
    s, v, fin, imp = rep["summary"], rep["verify"], rep["final_state"], rep["impact"]
    verdict = (
        f"verified, chain intact, {v['entries_verified']} entries, "
        f"head hash <code>{v['head_hash']}</code>"
        if rep["verified"]
        else f'<span class="bad">NOT VERIFIED ({_e(v["status"])}): {_e(v["problem"])}</span>; '
        f"last good hash <code>{v['head_hash']}</code>"
    )
    body = [
        "<h1>Incident report</h1>",
        f"<p>Journal <code>{_e(rep['journal'])}</code>: {verdict}</p>",
        f"<p>Window (UTC): {_e(rep['from'])} to {_e(rep['to'])} ({duration(rep['window_s'])})</p>",
        "<h2>Summary</h2>",
        _table(["measure", "value"], [[k, v2] for k, v2 in s.items()]),
    ]
    if rep["captures"]:
        body.append("<h2>Captures</h2>")
        body.append(
            _table(
                ["path", "SHA-256", "bytes"],
                [
                    [c["path"], c["sha256"] or c.get("error"), c.get("bytes")]
                    for c in rep["captures"]
                ],
            )
        )
    body.append("<h2>Venue states</h2>")
    body.append(state_chart(rep))
    body.append("<h2>State at the end</h2>")
    body.append(_table(["venue", "state"], list(map(list, fin["venues"].items()))))
    for title, rows, cols in (
        ("Isolated", fin["isolated"], ["venue", "since", "by", "why"]),
        (
            "Breakers still latched",
            fin["latched_breakers"],
            ["breaker", "venue", "ts", "action", "reason"],
        ),
        ("Halted", fin["halts"], ["venue", "instrument", "since", "why"]),
        ("Alerts still firing", fin["firing_alerts"], ["key", "severity", "since", "summary"]),
    ):
        if rows:
            body.append(f"<h3>{title}</h3>")
            body.append(_table(cols, [[r[c] for c in cols] for r in rows]))
    body.append("<h2>Impact per venue</h2>")
    states = ("LIVE", "DEGRADED", "ISOLATED", "RECOVERING")
    body.append(
        _table(
            ["venue", *states, "isolations", "alerts", "routes moved away"],
            [
                [
                    n,
                    *(duration(r["time_in_state_s"][k]) for k in states),
                    r["isolations"],
                    r["alerts"],
                    r["routes_moved_away"],
                ]
                for n, r in imp["venues"].items()
            ],
        )
    )
    if imp["instruments"]:
        body.append("<h2>Impact per instrument</h2>")
        body.append(
            _table(
                ["venue|instrument", "alerts", "time alerting", "time halted"],
                [
                    [k, r["alerts"], duration(r["alert_s"]), duration(r["halted_s"])]
                    for k, r in imp["instruments"].items()
                ],
            )
        )
    if rep["alerts"]:
        body.append("<h2>Alerts</h2><p>Times from the onset (condition first seen).</p>")
        body.append(
            _table(
                ["alert", "severity", "onset", "TTD", "TTA", "TTM", "TTR", "firing for", "summary"],
                [
                    [
                        a["key"],
                        a["severity"],
                        a["onset"],
                        duration(a["ttd_s"]),
                        duration(a["tta_s"]),
                        duration(a["ttm_s"]),
                        duration(a["ttr_s"]),
                        duration(a["firing_s"]),
                        a["summary"],
                    ]
                    for a in rep["alerts"]
                ],
            )
        )
    body += why_html(rep["alerts"])
    body.append("<h2>Actions</h2>")
    body.append(
        _table(
            ["seq", "time", "who", "action", "why", "ok", "outcome", "flag"],
            [
                [
                    a["seq"],
                    a["ts"],
                    a["who"],
                    a["summary"],
                    a["why"],
                    a["ok"],
                    a["outcome"],
                    "BREAKER ACTION UNDONE" if a["breaker_action_undone"] else "",
                ]
                for a in rep["actions"]
            ],
        )
    )
    if rep["notes"]:
        body.append("<h2>Notes</h2>")
        body.append(
            _table(["time", "who", "note"], [[n["ts"], n["who"], n["text"]] for n in rep["notes"]])
        )
    body.append("<h2>Timeline (UTC)</h2>")
    body.append(
        _table(
            ["time", "seq", "who", "what", "detail"],
            [[r["ts"], r["seq"], r["who"], r["what"], r["detail"]] for r in rep["timeline"]],
        )
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Incident report</title><style>{_STYLE}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )


def sparkline(values: list[float | None], width: int = 360, height: int = 40) -> str:
    """One metric around the firing as an inline SVG line (the firing at the marker)."""
    points = [(i, v) for i, v in enumerate(values) if isinstance(v, (int, float))]
    if len(points) < 2:
        return ""
    lo = min(v for _, v in points)
    hi = max(v for _, v in points)
    span = (hi - lo) or 1.0
    step = width / max(len(values) - 1, 1)
    path = " ".join(
        f"{'M' if n == 0 else 'L'}{i * step:.1f},{height - 4 - (v - lo) * (height - 8) / span:.1f}"
        for n, (i, v) in enumerate(points)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<path d="{path}" fill="none" stroke="#2f6db5" stroke-width="1.5"/></svg>'
    )


def why_html(alerts: list[dict[str, Any]]) -> list[str]:
    shown = [a for a in alerts if a.get("why")]
    if not shown:
        return []
    out = ["<h2>Why did this fire?</h2>"]
    for a in shown:
        why = a["why"]
        out.append(f"<h3>{_e(a['key'])} at {_e(a['fired'])}</h3><p>{_e(a['summary'])}</p>")
        if why.get("consensus"):
            out.append(f"<p>Consensus of {_e(words.consensus_text(why['consensus']))}</p>")
        first = why["metrics"][0]
        out.append(f"<p>{_e(first)}, offsets from the firing:</p>")
        out.append(sparkline([r.get(first) for r in why["series"]]))
        cols = words.series_columns(why, a["instrument"])
        out.append(
            _table(
                ["offset s", *cols],
                [[r["offset_s"], *(r.get(c) for c in cols)] for r in why["series"]],
            )
        )
        for frames, when in ((why["frames"], "before"), (why.get("frames_after"), "after")):
            if frames:
                text = "\n".join(_e(f"{f['t']} {f['raw']}") for f in frames)
                out.append(f"<p>Frames {when} it fired:</p><pre>{text}</pre>")
    return out
