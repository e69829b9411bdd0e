"""Venue health grid: one row per venue, worst first.

The state is a glyph, a word and a colour (``■ ISOLATED`` in the error
colour), so it reads on any theme and without colour. Counters that should be
zero are dim at zero and stand out when not; the note says why a venue is
isolated or how much probation is left.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.content import Content

from tui.app.panel import Selection
from tui.app.panels import marks
from tui.app.panels.table import Col, Line, TablePanel, fit, header, line
from tui.console.model import ConsoleModel
from tui.engine.view import VenueRow

COLUMNS = [
    Col("venue", "# venue", 17, right=False),
    Col("state", "state", 12, right=False),
    Col("alerts", "alerts", 7, priority=1),
    Col("silent", "silent", 6, priority=2),
    Col("rate", "msg/s", 6, priority=3),
    Col("p99", "p99ms", 6, priority=4),
    Col("reconn", "rc5m", 4, priority=6),
    Col("gaps", "gaps", 4, priority=6),
    Col("cksum", "cksum", 5, priority=7),
    Col("resync", "resync", 6, priority=8),
    Col("parse", "pe60s", 5, priority=8),
    Col("p50", "p50ms", 6, priority=9),
]
# Shown only where venue kill switches are configured (a venue reports either).
CONTROL_COLUMNS = [
    Col("halt", "venue halt", 18, priority=2, right=False),
    Col("deadman", "dead-man", 34, priority=5, right=False),
]


def columns(width: int, controls: bool = False) -> list[Col]:
    # The note says *why* (isolation reason, probation left): it outranks the
    # finer metrics and takes whatever width is left, more of it when wide.
    room = 40 if width >= 120 else 22 if width >= 76 else 12
    extra = CONTROL_COLUMNS if controls else []
    return [*COLUMNS, *extra, Col("note", "note", room, priority=1, right=False, flex=True)]


def _silent(v: VenueRow, extra_s: float = 0.0) -> Content:
    silent = v.silent_s + extra_s
    text = marks.num(silent, 6) + "s"
    if extra_s:  # stale: the last frame we know of is at least this old, and counting
        return Content.styled(text, marks.STALE_STYLE)
    if silent >= 5:
        return Content.styled(text, marks.BAD_STYLE)
    if silent >= 1:
        return Content.styled(text, marks.WARN_STYLE)
    return Content.styled(text, marks.DIM)


def _ms(x: float | None) -> Content:
    return Content.styled(marks.num(x, 6), "" if x is not None else marks.DIM)


def _note(v: VenueRow, stale: bool = False) -> Content:
    parts: list[Content] = []
    if stale and v.state != "LIVE":
        # What it was, dimmed (a LIVE from the past is not repeated: it reads as now).
        parts.append(Content.styled(f"last known {v.state}", marks.DIM))
    if not v.connected:
        parts.append(Content.styled("down", marks.BAD_STYLE))
    if v.note:
        style = marks.BAD_STYLE if v.state == "ISOLATED" else ""
        parts.append(Content.styled(v.note, style))
    return Content(" · ").join(parts)


def _halt(text: str) -> Content | str:
    # An acknowledgement is not completion: only CONFIRMED reads as good.
    if not text:
        return marks.NONE
    if text.startswith("CONFIRMED"):
        return Content.styled(text, marks.DIM)
    style = marks.BAD_STYLE if text.startswith("FAILED") else marks.WARN_STYLE
    return Content.styled(text, style)


class VenuesPanel(TablePanel):
    """Venue health. Params: ``order`` ("worst" or "config"), ``venues`` (a list)."""

    PANEL_ID = "venues"
    TITLE = "Venues"
    AREAS = frozenset({"venues"})

    SELECTS = "venues"

    def order(self, model: ConsoleModel) -> list[str]:
        """The venues in the order shown."""
        return self.display_order(model, self.params)

    @classmethod
    def display_order(cls, model: ConsoleModel, params: Mapping[str, object]) -> list[str]:
        """Venues, worst first (or in config order): the app moves the selection through
        them in this order with the default parameters."""
        names = list(model.venues)
        only = params.get("venues")
        if isinstance(only, list | tuple) and only:
            allowed = {str(v) for v in only}
            names = [n for n in names if n in allowed]
        if params.get("order", "worst") == "config":
            return names
        position = {n: i for i, n in enumerate(names)}

        def rank(name: str) -> tuple[int, int, int, int]:
            v = model.venues[name]
            return (
                marks.STATE_RANK.get(v.state, 1),
                marks.SEVERITY_RANK.get(v.worst, 2),
                -v.alerts,
                position[name],
            )

        return sorted(names, key=rank)

    def selected_key(self, selection: Selection) -> str | None:
        return selection.venue

    def lines(
        self, model: ConsoleModel, selection: Selection, width: int
    ) -> tuple[Content | None, list[Line]]:
        controls = any(v.halt or v.deadman for v in model.venues.values())
        layout = fit(columns(width, controls), width)
        st = model.staleness()
        age = st.age_s if st else 0.0
        out = []
        for name in self.order(model):
            v = model.venues[name]
            selected = name == selection.venue
            values: dict[str, Content | str] = {
                "venue": Content.assemble(
                    (selection.digit(name) or " ", marks.DIM if not selected else "bold"),
                    ("▶" if selected else " ", "bold"),
                    (name, "bold" if selected else ""),
                ),
                "state": marks.state(v.state, stale=st is not None),
                "rate": (
                    Content.styled("?" + marks.num(v.msgs_per_s, 5), marks.DIM)
                    if st
                    else Content.styled(
                        marks.num(v.msgs_per_s, 6),
                        marks.WARN_STYLE if v.msgs_per_s == 0 else "",
                    )
                ),
                "p50": _ms(v.latency_p50_ms),
                "p99": _ms(v.latency_p99_ms),
                "silent": _silent(v, max(age, 0.1) if st else 0.0),
                "gaps": marks.count(v.gaps),
                "cksum": marks.count(v.checksum_failures),
                "resync": marks.count(v.resyncs),
                "reconn": marks.count(v.reconnects_5m),
                "parse": marks.count(v.parse_errors_60s),
                "alerts": marks.severity(v.worst, v.alerts) if v.alerts else marks.NONE,
                "note": _note(v, st is not None),
                "halt": _halt(v.halt),
                "deadman": Content.styled(v.deadman or "-", marks.DIM if not v.deadman else ""),
            }
            classes = {"-selected"} if selected else set()
            out.append(Line(name, line(layout, values), classes, name=name))
        if not out:
            out.append(Line("", Content.styled("waiting for venues…", marks.DIM)))
        return header(layout), out
