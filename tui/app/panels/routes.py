"""Routes and breakers: where reference prices come from, and what trips by itself.

A route's failover order is shown as a chain with the active venue marked
``▶`` (and in reverse video), and venues it cannot use struck through with
the reason as a glyph (``■`` isolated, ``⊘`` halted for the route's
instrument). "auto" says whether automatic failover is armed — a responder
must know whether the console will move a route by itself. Breakers show
their rule, action, whether they are armed, and each tripped venue with why.
"""

from __future__ import annotations

from textual.content import Content

from tui.app.panel import Selection
from tui.app.panels import marks
from tui.app.panels.table import Col, Line, TablePanel, fit, header, line
from tui.console.model import ConsoleModel
from tui.engine.view import BreakerRow, RouteRow


def route_columns(chain_width: int, width: int) -> list[Col]:
    # The chain takes the width it needs and the last change the rest; when
    # even the chain does not fit, it is the chain that shrinks (and the
    # last change goes).
    roomy = width >= 13 + 1 + 7 + 1 + chain_width + 1 + 24
    return [
        Col("name", "route", 13, right=False),
        Col("inst", "instrument", 12, priority=2, right=False),
        Col("auto", "auto", 7, right=False),
        Col("chain", "failover order (▶ active)", chain_width, right=False, flex=not roomy),
        Col("why", "last change", 24, priority=1, right=False, flex=roomy),
    ]


BREAKER_COLUMNS = [
    Col("name", "breaker", 15, right=False),
    Col("armed", "armed", 10, priority=1, right=False),
    Col("action", "action", 8, priority=3, right=False),
    Col("rule", "rule", 24, priority=2, right=False, flex=True),
    Col("tripped", "tripped", 16, priority=1, right=False),
]


def _halted(model: ConsoleModel, venue: str, instrument: str) -> bool:
    return any(
        i.halted
        for i in model.instruments.values()
        if i.venue == venue and i.instrument == instrument
    )


def chain(model: ConsoleModel, route: RouteRow, sep: str = " › ", room: int = 0) -> Content:
    """The failover order, marked; in ``room`` cells the active venue stays in view."""
    parts: list[Content] = []
    for v in route.venues:
        row = model.venues.get(v)
        state = row.state if row else ""
        if v == route.active:
            parts.append(Content.styled(f"▶{v}", "bold reverse"))
        elif state == "ISOLATED":
            parts.append(Content.styled(f"■{v}", "strike " + marks.BAD_STYLE))
        elif _halted(model, v, route.instrument):
            parts.append(Content.styled(f"⊘{v}", "strike " + marks.WARN_STYLE))
        elif state == "DEGRADED":
            parts.append(Content.styled(f"▲{v}", marks.WARN_STYLE))
        elif state == "RECOVERING":
            parts.append(Content.styled(f"◆{v}", "$text-accent"))
        else:
            parts.append(Content(v))
    out = Content(sep).join(parts)
    if room and out.cell_length > room and route.active in route.venues:
        # Too narrow for the whole chain: start just before the active venue.
        start = max(0, route.venues.index(route.active) - 1)
        if start:
            out = Content.assemble(("…", marks.DIM), sep, Content(sep).join(parts[start:]))
    if route.active is None:
        out = Content.assemble(("NO ACTIVE VENUE ", marks.BAD_STYLE), out)
    return out


def _why(model: ConsoleModel, route: RouteRow) -> Content:
    if not route.changed_ns:
        return Content.styled("unchanged", marks.DIM)
    ago = marks.age(model.now_ns(), route.changed_ns)
    prev = f"from {route.previous}: " if route.previous else ""
    return Content.assemble(f"{prev}{route.reason or '—'}", (f" ({ago} ago)", marks.DIM))


def _tripped(b: BreakerRow) -> Content:
    if not b.tripped:
        return Content.styled("—", marks.DIM)
    return Content.styled("TRIPPED " + ", ".join(sorted(b.tripped)), marks.BAD_STYLE)


class RoutesPanel(TablePanel):
    """Routes, then breakers."""

    PANEL_ID = "routes"
    TITLE = "Routes & breakers"
    AREAS = frozenset({"routes", "breakers", "venues"})
    HEADER = False
    REFRESH_S = 1.0

    def selected_key(self, selection: Selection) -> str | None:
        return f"r|{selection.route}" if selection.route else None

    def lines(
        self, model: ConsoleModel, selection: Selection, width: int
    ) -> tuple[Content | None, list[Line]]:
        out: list[Line] = []
        stale = model.staleness() is not None
        sep = " › " if width >= 100 else "›"
        room = max(8, width - 22)
        chains = {name: chain(model, r, sep, room) for name, r in model.routes.items()}
        chain_w = max([12, *(c.cell_length for c in chains.values())])
        layout = fit(route_columns(min(chain_w, room), width), width)
        cut = next((w for c, w in layout if c.key == "chain"), 0)
        for name, c in chains.items():
            if c.cell_length > cut > 1:
                # Cut at the end, not the middle: ``chain`` already starts just before
                # the active venue, which must stay in view.
                chains[name] = Content.assemble(c.truncate(cut - 1), ("…", marks.DIM))
        out.append(Line("routes", header(layout), {"-section"}))
        for name, r in model.routes.items():
            auto = (
                Content.styled("? on", marks.STALE_STYLE)
                if stale
                else Content.styled("● on", marks.OK_STYLE)
                if r.armed
                else Content.styled("○ off", marks.WARN_STYLE)
            )
            values: dict[str, Content | str] = {
                "name": Content.styled(name, "bold"),
                "inst": r.instrument,
                "auto": auto,
                "chain": chains[name],
                "why": _why(model, r),
            }
            selected = name == selection.route
            if selected:  # a glyph as well as the colour
                values["name"] = Content.styled(f"▶{name}", "bold")
            out.append(
                Line(
                    f"r|{name}",
                    line(layout, values),
                    {"-selected"} if selected else set(),
                    name=f"route {name}",
                )
            )
        if not model.routes:
            out.append(Line("r|", Content.styled("no routes configured", marks.DIM)))
        layout = fit(BREAKER_COLUMNS, width)
        out.append(Line("breakers", header(layout), {"-section"}))
        for name, b in model.breakers.items():
            armed = (
                Content.styled(f"? {'armed' if b.armed else 'DISARMED'}", marks.STALE_STYLE)
                if stale
                else Content.styled("● armed", marks.OK_STYLE)
                if b.armed
                else Content.styled("○ DISARMED", marks.WARN_STYLE)
            )
            values = {
                "name": Content.styled(name, "bold"),
                "armed": armed,
                "action": b.action,
                "rule": b.rule,
                "tripped": _tripped(b),
            }
            # One line per breaker, so every breaker fits the default layout; why each
            # venue tripped is in the timeline (and the details view, `enter`).
            out.append(
                Line(
                    f"b|{name}",
                    line(layout, values),
                    {"-alarm"} if b.tripped else set(),
                    name=f"breaker {name}",
                )
            )
        if not model.breakers:
            out.append(Line("b|", Content.styled("no breakers configured", marks.DIM)))
        return None, out

    def details(self, model: ConsoleModel, selection: Selection) -> list[Content]:
        out: list[Content] = []
        for name, r in model.routes.items():
            auto = "auto-failover armed" if r.armed else "auto-failover OFF"
            out.append(
                Content.assemble(
                    (f"route {name} ({r.instrument}) · {auto}", "bold"),
                    "\n  ",
                    chain(model, r),
                    "\n  last change: ",
                    _why(model, r),
                )
            )
        for name, b in model.breakers.items():
            armed = "armed" if b.armed else "DISARMED"
            parts: list[Content | str] = [
                Content.styled(f"breaker {name} · {armed} · action {b.action}", "bold"),
                f"\n  rule: {b.rule}",
            ]
            for venue, reason in sorted(b.tripped.items()):
                parts += [
                    "\n  ",
                    Content.styled(f"TRIPPED {venue}", marks.BAD_STYLE),
                    f": {reason}",
                ]
            out.append(Content.assemble(*parts))
        return out
