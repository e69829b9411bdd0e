""" "Why did this fire?": one alert in full, with the readings behind it.

The alerts pane's detail view opens on the selected alert (the newest on the
selected venue, preferring the selected instrument — the one ``k`` would
acknowledge) and shows everything the console holds about it at this moment:
the rule and severity, when it started, fired and resolved, the venue's and
the instrument's current readings beside their thresholds, the reference price
for the instrument and who is in it, the acknowledgement or silence, and the
spread history the console already receives, as a sparkline.

Then, when the engine runs on a capture (recording or replaying), what it
answers to ``why`` (:func:`evidence`): the rule's metrics second by second
around the firing, the consensus at that moment and the venue's frames before
and after, worded by :mod:`tui.evidence_text` as the report words them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.content import Content

from tui.app.panel import Selection
from tui.app.panels import marks
from tui.console import controls_view as cv
from tui.console.model import ConsoleModel
from tui.engine.alerts import Alert
from tui.engine.view import InstrumentRow
from tui.evidence_text import consensus_text, frame_text, series_columns, series_rows
from tui.text import clean

BLOCKS = "▁▂▃▄▅▆▇█"
SPARK_POINTS = 60


def pick(model: ConsoleModel, selection: Selection) -> Alert | None:
    """The alert the selection points at: active before resolved, the selected
    venue (and instrument) before others, newest first."""

    def rank(a: Alert) -> tuple[int, int, int, int]:
        return (
            0 if a.venue == selection.venue else 1,
            0 if a.instrument == selection.instrument else 1,
            0 if a.state == "firing" else 1,
            -a.started_ns,
        )

    if model.alerts:
        return min(model.alerts, key=rank)
    if model.resolved:
        return max(model.resolved, key=lambda a: (a.venue == selection.venue, a.resolved_ns))
    return None


def _row(model: ConsoleModel, a: Alert) -> InstrumentRow | None:
    """The venue's book the alert is about (alerts may name the canonical or the
    venue's own symbol)."""
    if not a.instrument:
        return None
    for r in model.instruments.values():
        if r.venue == a.venue and a.instrument in (r.instrument, r.symbol):
            return r
    return None


def _when(now_ns: int, ts_ns: int) -> str:
    if not ts_ns:
        return marks.NONE
    return f"{marks.utc_ms(ts_ns)} UTC ({marks.age(now_ns, ts_ns)} ago)"


def _f(x: float | None, places: int, signed: bool = False) -> str:
    return marks.NONE if x is None else f"{x:{'+' if signed else ''}.{places}f}"


def sparkline(points: list[float]) -> str:
    """Blocks scaled to the series' own maximum (the figures beside say the scale)."""
    top = max(points, default=0.0) or 1.0
    return "".join(BLOCKS[max(0, min(7, round(v / top * 7)))] for v in points)


def _thresholds(r: InstrumentRow) -> str:
    parts = []
    if r.spread_warn_bps is not None:
        parts.append(f"warn ≥ {r.spread_warn_bps:g} bps")
    if r.spread_limit_bps is not None:
        parts.append(f"limit ≥ {r.spread_limit_bps:g} bps")
    return f" (thresholds: {', '.join(parts)})" if parts else ""


def why(model: ConsoleModel, a: Alert) -> list[Content]:
    """The alert's rows for the details view, most telling first."""
    now = model.now_ns()
    book = _row(model, a)
    canonical = book.instrument if book is not None else a.instrument
    symbol = f" ({book.symbol})" if book is not None and book.symbol != canonical else ""
    what = f"{a.venue or '-'} {canonical or '(whole venue)'}{symbol}"
    sev = a.severity.upper()
    if a.peak_severity and a.peak_severity != a.severity:
        sev += f" (peak {a.peak_severity.upper()})"
    state = a.state + (" · inhibited (venue already isolated)" if a.inhibited else "")
    if a.flaps:
        state += f" · flapping ×{a.flaps + 1}"
    out = [
        Content.styled(f"Why did this fire? — {a.rule} on {what}", "bold"),
        Content.assemble(
            ("  severity ", marks.DIM),
            (sev, marks.SEVERITY_STYLE.get(a.severity, "")),
            ("  state ", marks.DIM),
            state,
        ),
        Content(f"  started  {_when(now, a.started_ns)}"),
        Content(f"  fired    {_when(now, a.fired_ns)}"),
        Content(f"  resolved {_when(now, a.resolved_ns)}"),
        Content.assemble(("  summary ", marks.DIM), a.summary),
    ]
    if a.peak_summary and a.peak_summary != a.summary:
        out.append(Content.assemble(("  at its worst ", marks.DIM), a.peak_summary))
    if a.value is not None:
        out.append(Content(f"  value when last evaluated: {a.value:g}"))
    journal = list(model.journal)
    note = cv.alert_note(a.key, cv.acknowledgements(journal), cv.silences(journal, now))
    out.append(
        Content(f"  ack/silence: {note.removeprefix(' · ') or 'not acknowledged, not silenced'}")
    )
    out += _readings(model, a, book)
    return out


def _readings(model: ConsoleModel, a: Alert, book: InstrumentRow | None) -> list[Content]:
    out: list[Content] = [Content.styled("Readings now", "bold")]
    v = model.venues.get(a.venue)
    if v is not None:
        note = f" · {v.note}" if v.note else ""
        out.append(
            Content(
                f"  venue {v.name}: {v.state}{note} · silent {v.silent_s:.1f}s · "
                f"{v.msgs_per_s:.1f} msg/s · gaps {v.gaps} · checksum failures "
                f"{v.checksum_failures} · resyncs {v.resyncs} · reconnects(5m) "
                f"{v.reconnects_5m} · parse errors(60s) {v.parse_errors_60s}"
            )
        )
    if book is None:
        return out
    r = book
    book_state = (
        "HALTED" if r.halted else "in sync" if r.synced else "LAGGING" if r.lagging else "RESYNCING"
    )
    out.append(
        Content(
            f"  book {r.symbol}: {book_state} · bid {marks.price(r.bid)} ask "
            f"{marks.price(r.ask)} mid {marks.price(r.mid)} · staleness "
            f"{_f(r.staleness_s, 1)}s · p99 {_f(r.latency_p99_ms, 1)} ms"
        )
    )
    out.append(
        Content(
            f"  spread {_f(r.spread_bps, 2)} bps · baseline "
            f"{_f(r.spread_base_bps, 2)} bps · ×{_f(r.spread_ratio, 1)}"
            f"{_thresholds(r)}"
        )
    )
    out.append(
        Content(
            f"  deviation from consensus {_f(r.deviation_bps, 1, signed=True)} bps"
            f" · z {_f(r.deviation_z, 1)}"
        )
    )
    c = model.consensus.get(r.instrument)
    if c is None or c.price is None:
        ref = (c.note if c is not None and c.note else "") or "no reference"
    elif c.split_bps is not None and not c.blame:
        ref = (
            f"{marks.price(c.price)} from {' and '.join(c.references)}, "
            f"{c.split_bps:g} bps apart (neither is blamed)"
        )
    else:
        ref = f"{marks.price(c.price)}, median of {', '.join(c.references)}"
    out.append(Content(f"  consensus {r.instrument}: {ref}"))
    if c is not None and c.excluded:
        left = "; ".join(f"{name}: {w}" for name, w in sorted(c.excluded.items()))
        out.append(Content(f"  left out of it: {left}"))
    hist = [y for _, y in list(model.history.get(f"{r.venue}|{r.instrument}", ()))]
    if hist:
        pts = hist[-SPARK_POINTS:]
        out.append(
            Content.assemble(
                f"  spread, last {len(pts)} readings: ",
                (sparkline(pts), "$text-primary"),
                f" min {min(pts):.2f} · max {max(pts):.2f} · latest {pts[-1]:.2f} bps",
            )
        )
    return out


def iso_us(ns: int) -> str:
    """A time as the engine's ``why`` takes it (ISO 8601 UTC, to the microsecond)."""
    dt = datetime.fromtimestamp(ns // 1_000_000_000, UTC)
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{ns // 1000 % 1_000_000:06d}Z"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return [
        "  " + "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in [head, *rows]
    ]


def evidence(data: dict[str, Any]) -> list[Content]:
    """The engine's answer to ``why``: series, consensus and frames, every venue string
    sanitized (the engine did; done again here, as for everything that reaches a screen)."""
    venue = clean(data.get("venue") or "-")
    where = clean(Path(str(data.get("capture", ""))).name)
    still = ", still being recorded" if data.get("recording") else ""
    out = [
        Content.styled(f"Readings from the capture {where}{still}", "bold"),
        Content(f"  consensus {consensus_text(data.get('consensus'))}"),
    ]
    cols = series_columns(data, str(data.get("instrument") or ""))
    rows = series_rows(data, cols)
    window = data.get("window_s")
    out.append(
        Content.styled(
            f"  {len(rows)} readings, one a second, {window} s either side of the firing "
            "(offset in seconds):",
            marks.DIM,
        )
    )
    out += [Content(clean(line)) for line in _table(["offset", *cols], rows)] if rows else []
    for key, when in (("frames", "before"), ("frames_after", "after")):
        frames = data.get(key) or []
        label = f"  {len(frames)} frames from {venue} {when} it fired"
        out.append(Content.styled(label + (":" if frames else ""), marks.DIM))
        for f in frames:
            stamp = marks.utc_ms(marks.iso_to_ns(str(f.get("t", ""))))
            out.append(
                Content.assemble(
                    (f"  {stamp} ", "bold"),
                    (f"{clean(f.get('conn', ''))} ", marks.DIM),
                    frame_text(f, limit=None),
                )
            )
    return out
