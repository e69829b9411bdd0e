"""Spread chart: the spread in bps over time per venue for one instrument.

The model may change ten times a second; the chart is rebuilt at most twice a
second (``MIN_INTERVAL``) and never on the UI thread: ``update_from`` only
marks the chart stale, a timer takes a snapshot of the history (a copy — the
model keeps changing on the UI thread) and a thread worker builds the text with
a private plotext figure (:mod:`tui.app.panels.chart`). The result is applied
with ``Text.from_ansi`` when the worker reports success. A slow build means a
slower chart, never a backlog: one build at a time.

The baseline (``spread_base_bps``) is a dashed flat line for the selected
venue (or the most widened one) and, in colour, for every venue whose spread
is at least twice its baseline. A caption under the chart gives each venue's
spread and ratio in words, which is also what NO_COLOR readers get.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Final

from rich.text import Text
from textual.app import ComposeResult
from textual.content import Content
from textual.events import Resize
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from tui.app.panel import Panel, Selection
from tui.app.panels import chart, marks
from tui.app.panels.ladder import instrument_for
from tui.console.model import ConsoleModel
from tui.engine.view import InstrumentRow

MIN_PLOT_ROWS: Final = 8
"""Below this many rows a plot is a lie (one row draws any series as a flat bar at
its maximum): the panel shows a sparkline row per venue instead."""
BLOCKS: Final = " ▁▂▃▄▅▆▇█"
MIN_INTERVAL: Final = 0.5
"""Seconds between chart builds (≤ 2 Hz whatever the update rate)."""
WINDOW_S: Final = 300.0


@dataclass
class Snapshot:
    instrument: str
    now_ns: int
    series: list[tuple[str, list[tuple[int, float]], float | None, bool, bool]]
    """(venue, raw history, baseline, show baseline, selected)."""
    width: int
    height: int
    color: bool
    window_s: float


def build_text(snap: Snapshot) -> tuple[Text, str]:
    """Runs in a worker thread: the chart as Rich Text, and the raw text for tests."""
    now = snap.now_ns
    lo = -snap.window_s
    series = []
    for venue, raw, base, show_base, selected in snap.series:
        pts = [((t - now) / 1e9, v) for t, v in raw]
        pts = [(x, y) for x, y in pts if lo <= x <= 0.5]
        series.append(chart.Series(venue, pts, base, show_base, selected))
    title = f"{snap.instrument} spread (bps) · - - - alert threshold"
    xlabel = f"seconds before {marks.utc_ms(now)[:8]} UTC"
    raw_text = chart.render(series, snap.width, snap.height, title, snap.color, xlabel)
    return Text.from_ansi(raw_text, no_wrap=True, end=""), raw_text


class SpreadsPanel(Panel):
    """Spread over time. Params: ``instrument`` (pin one), ``venues`` (list), ``window`` (s)."""

    PANEL_ID = "spreads"
    TITLE = "Spreads"
    AREAS = frozenset({"history", "instruments"})

    DEFAULT_CSS = """
    SpreadsPanel {
        height: 1fr;
        width: 1fr;
        border: round $primary 40%;
        border-title-color: $text-primary;
    }
    SpreadsPanel > #chart { height: 1fr; width: 1fr; }
    SpreadsPanel > #caption { height: 1; text-wrap: nowrap; }
    """
    # Both sizes are fixed above, never from their text: a new chart or caption is a
    # repaint of its own area, not a layout pass (which re-arranged and repainted the
    # whole screen twice a second under load, while keys waited behind it).

    def __init__(self, params: dict[str, object] | None = None, **kwargs: object) -> None:
        super().__init__(params, **kwargs)
        self.model: ConsoleModel | None = None
        self.selection = Selection()
        self._stale = False
        self._worker: Worker[tuple[Text, str]] | None = None
        self._last_start = -1e9
        self._hold_until = 0.0
        self.builds = 0
        """Charts built so far (tests check the rate limit with it)."""
        self.text = ""
        """The last chart's raw text (ANSI included), or the waiting message."""
        self.sparklines = False
        """Whether the panel is too short for a plot and shows sparklines."""
        self._rows: dict[str, InstrumentRow] = {}
        self._caption = Content("")

    def compose(self) -> ComposeResult:
        yield Static("waiting for data", id="chart", markup=False)
        yield Static("", id="caption", markup=False)

    def on_mount(self) -> None:
        self.set_interval(MIN_INTERVAL, self._maybe_build)
        if self.model is not None:
            self._maybe_build()

    def update_from(self, model: ConsoleModel, selection: Selection) -> None:
        self.model = model
        self.selection = selection
        self._stale = True
        if self.is_mounted:
            self._maybe_build()

    def on_resize(self, event: Resize) -> None:
        self._stale = True
        self._maybe_build()

    # -- building ------------------------------------------------------------------------

    def _window(self) -> float:
        try:
            return float(self.params.get("window", WINDOW_S))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return WINDOW_S

    def hold(self, until: float) -> None:
        # A build's thread holds the GIL in stretches (plotext is pure Python): the
        # key's own answer would wait its turn behind them.
        self._hold_until = until

    def _maybe_build(self) -> None:
        if not self._stale or self.model is None or not self.is_mounted:
            return
        if time.monotonic() < self._hold_until:
            return  # a key was just pressed: the timer builds it once that is over
        if self._worker is not None and self._worker.state in (
            WorkerState.PENDING,
            WorkerState.RUNNING,
        ):
            return  # one build at a time; the next tick picks up what changed
        if time.monotonic() - self._last_start < MIN_INTERVAL:
            return
        snap = self._snapshot(self.model, self.selection)
        if snap is None:
            return
        self._stale = False
        if not snap.series:
            self._show_waiting(snap.instrument)
            return
        # The caption row counts: the plot gets what is left of the panel.
        self.sparklines = self.content_region.height < MIN_PLOT_ROWS
        self.query_one("#caption", Static).display = not self.sparklines
        if self.sparklines:
            self.builds += 1
            snap.height = self.content_region.height  # the caption row is the chart's now
            content = sparklines(snap, self._rows)
            self.text = content.plain
            self.query_one("#chart", Static).update(content, layout=False)
            return
        self._last_start = time.monotonic()
        self.builds += 1
        self._worker = self.run_worker(
            lambda: build_text(snap),
            name="spread-chart",
            group="spread-chart",
            thread=True,
            exit_on_error=False,
        )

    def _snapshot(self, model: ConsoleModel, selection: Selection) -> Snapshot | None:
        box = self.query_one("#chart", Static).content_region
        if box.width < 10 or box.height < 1:
            return None  # not laid out yet: the resize will come
        inst = instrument_for(self.params, model, selection) or ""
        self.set_title(f"{self.TITLE} · {inst}" if inst else self.TITLE)
        rows = [r for r in model.instruments.values() if r.instrument == inst]
        only = self.params.get("venues")
        if isinstance(only, list | tuple) and only:
            rows = [r for r in rows if r.venue in {str(v) for v in only}]
        with_data = [r for r in rows if model.history.get(f"{r.venue}|{inst}")]
        self._rows = {r.venue: r for r in with_data}
        quoting = {r.venue for r in with_data}
        if selection.venue in quoting:
            focus = selection.venue
        else:
            focus = max(with_data, key=lambda r: r.spread_ratio or 0.0).venue if with_data else ""
        color = not self.app.no_color
        series = []
        for r in with_data:
            widened = (r.spread_ratio or 0.0) >= 2.0
            show = r.venue == focus or (color and widened)
            raw = list(model.history[f"{r.venue}|{inst}"])
            # The threshold, not the baseline: where the spread alert starts.
            mark = r.spread_warn_bps if r.spread_warn_bps is not None else r.spread_base_bps
            series.append((r.venue, raw, mark, show, r.venue == selection.venue))
        self._set_caption(with_data, selection)
        return Snapshot(inst, model.ts_ns, series, box.width, box.height, color, self._window())

    def _set_caption(self, rows: list[InstrumentRow], selection: Selection) -> None:
        parts = []
        for r in sorted(rows, key=lambda r: -(r.spread_ratio or 0.0)):
            sel = "▶" if r.venue == selection.venue else ""
            ratio = r.spread_ratio or 0.0
            style = marks.WARN_STYLE if ratio >= 2 else ""
            text = f"{sel}{r.venue} {marks.num(r.spread_bps, 6, 2)}"
            parts.append(
                Content.assemble((text, style), (f" avg×{marks.num(r.spread_ratio, 4)}", marks.DIM))
            )
        caption = Content(" · ").join(parts) if parts else Content("")
        if not caption.is_same(self._caption):
            self._caption = caption
            self.query_one("#caption", Static).update(caption, layout=False)

    def _show_waiting(self, inst: str) -> None:
        what = f"no spread history for {inst} yet" if inst else "select an instrument"
        self.text = f"waiting for data — {what}"
        self.query_one("#chart", Static).update(Content.styled(self.text, marks.DIM), layout=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._worker:
            return
        if event.state == WorkerState.SUCCESS and event.worker.result is not None:
            rich_text, raw = event.worker.result
            self.text = raw
            self.query_one("#chart", Static).update(rich_text, layout=False)
        elif event.state == WorkerState.ERROR:
            self.text = f"chart failed: {event.worker.error}"
            self.query_one("#chart", Static).update(
                Content.styled(self.text, marks.BAD_STYLE), layout=False
            )
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self._maybe_build()


def sparklines(snap: Snapshot, rows: dict[str, InstrumentRow]) -> Content:
    """One row per venue: name, the window's spread as blocks on a scale shared by
    all venues (so heights compare), the spread now in bps and its 10 s average
    over baseline. Blocks at or above the venue's alert threshold are in the
    warning colour, and the threshold is named: the same figures as the legend,
    the matrix and the alert, from the same rows."""
    now, lo = snap.now_ns, -snap.window_s
    series = []
    for venue, raw, _mark, _show, selected in snap.series:
        pts = [((t - now) / 1e9, v) for t, v in raw]
        series.append((venue, [(x, y) for x, y in pts if lo <= x <= 0.5], selected))
    hidden: list[str] = []
    if len(series) + 1 > snap.height:
        # Not every venue fits: keep the selected and the most widened, name the rest.
        def weight(item: tuple[str, list[tuple[float, float]], bool]) -> tuple[int, float]:
            r = rows.get(item[0])
            return (0 if item[2] else 1, -((r.spread_ratio or 0.0) if r else 0.0))

        keep = {v for v, _, _ in sorted(series, key=weight)[: max(1, snap.height - 1)]}
        hidden = [v for v, _, _ in series if v not in keep]
        series = [s for s in series if s[0] in keep]
    top = max((y for _, pts, _ in series for _, y in pts), default=0.0) or 1.0
    name_w = min(14, max(len(v) for v, _, _ in series) + 1)
    tail_w = 24
    spark_w = max(4, snap.width - name_w - tail_w - 2)
    lines: list[Content] = []
    for venue, pts, selected in series:
        row = rows.get(venue)
        warn = row.spread_warn_bps if row is not None else None
        buckets: list[float | None] = [None] * spark_w
        for x, y in pts:
            b = min(spark_w - 1, max(0, int((x - lo) / (0.5 - lo) * spark_w)))
            kept = buckets[b]
            buckets[b] = y if kept is None or y > kept else kept  # spikes survive
        cells: list[tuple[str, str]] = []
        for value in buckets:
            if value is None:
                cells.append((" ", ""))
                continue
            level = max(1, min(8, round(value / top * 8)))
            hot = warn is not None and value >= warn
            cells.append((BLOCKS[level], marks.WARN_STYLE if hot else "$text-primary"))
        now_bps = row.spread_bps if row is not None else None
        ratio = row.spread_ratio if row is not None else None
        tail = f"{marks.num(now_bps, 6, 2)} bps avg×{marks.num(ratio, 4)}"
        if warn is not None:
            tail += f" ≥{marks.num(warn, 5, 1)}"
        name = ("▶" if selected else " ") + venue
        lines.append(
            Content.assemble(
                (f"{name[:name_w]:<{name_w}} ", "bold" if selected else ""),
                Content.assemble(*cells),
                (f" {tail}", marks.WARN_STYLE if (ratio or 0) >= 2 else ""),
            )
        )
    scale = f"{snap.instrument} spread, last {snap.window_s:g}s, scale 0–{top:.2f} bps"
    if hidden:
        lines.append(Content.styled(f"+{len(hidden)} not shown: {', '.join(hidden)}", "bold"))
    else:
        lines.append(Content.styled(scale, marks.DIM))
    return Content("\n").join(lines)
