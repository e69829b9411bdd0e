"""Top of book for one instrument across venues, bids high to low.

The best bid and best ask across the venues that count (not isolated, book
synced, not halted) are marked ``◀best`` / ``best▶`` as well as coloured; when
the best bid is above the best ask on another venue, the venues are *crossed*
and a banner says who and by how much — an arbitrage that is really a broken
feed more often than not. A venue whose own book is crossed is flagged too.
"""

from __future__ import annotations

from textual.content import Content

from tui.app.panel import Selection
from tui.app.panels import marks
from tui.app.panels.table import Col, Line, TablePanel, fit, header, line
from tui.console.model import ConsoleModel
from tui.engine.view import InstrumentRow


def columns(width: int) -> list[Col]:
    narrow = width < 60
    return [
        Col("venue", "venue", 9 if narrow else 16, right=False),
        Col("bid", "bid", 11 if narrow else 15),
        Col("ask", "ask", 11 if narrow else 15),
        Col("spread", "spr bp", 6, priority=2),
        Col("dev", "Δ bp", 6, priority=3),
        Col("mid", "mid", 12, priority=4),
        # Why a venue does not count (ISOLATED, HALT, resync) outranks the numbers.
        Col("flags", "", 6, priority=1, right=False, flex=True),
    ]


def instrument_for(
    panel_params: dict[str, object], model: ConsoleModel, selection: Selection
) -> str | None:
    """The pinned instrument, else the selected one, else the first known."""
    pinned = panel_params.get("instrument")
    if isinstance(pinned, str) and pinned:
        return pinned
    if selection.instrument:
        return selection.instrument
    names = model.canonical_names()
    return names[0] if names else None


def _counts(model: ConsoleModel, row: InstrumentRow) -> bool:
    v = model.venues.get(row.venue)
    return (
        row.synced
        and not row.halted
        and (v is None or v.state != "ISOLATED")
        and row.bid is not None
        and row.ask is not None
    )


def _flags(model: ConsoleModel, row: InstrumentRow, wide: bool) -> Content:
    parts: list[Content] = []
    v = model.venues.get(row.venue)
    stale = model.staleness() is not None
    if v is not None and (v.state != "LIVE" or stale):
        parts.append(marks.state(v.state, stale) if wide else marks.state_short(v.state, stale))
    if row.halted:
        parts.append(Content.styled("HALT", marks.BAD_STYLE))
    if row.lagging:
        parts.append(Content.styled("LAGGING", marks.WARN_STYLE))
    elif not row.synced:
        parts.append(Content.styled("resync", marks.WARN_STYLE))
    if row.bid is not None and row.ask is not None and row.bid >= row.ask:
        parts.append(Content.styled("✖ own book crossed", marks.BAD_STYLE))
    if row.worst:
        parts.append(marks.severity(row.worst))
    return Content(" ").join(parts)


class LadderPanel(TablePanel):
    """Top of book across venues. Params: ``instrument`` (pin one), ``venues`` (list)."""

    PANEL_ID = "ladder"
    TITLE = "Top of book"
    AREAS = frozenset({"instruments", "venues", "consensus"})

    def instrument(self, model: ConsoleModel, selection: Selection) -> str | None:
        return instrument_for(self.params, model, selection)

    def selected_key(self, selection: Selection) -> str | None:
        return selection.venue

    def lines(
        self, model: ConsoleModel, selection: Selection, width: int
    ) -> tuple[Content | None, list[Line]]:
        inst = self.instrument(model, selection)
        self.set_title(f"{self.TITLE} · {inst}" if inst else self.TITLE)
        rows = [r for r in model.instruments.values() if r.instrument == inst]
        only = self.params.get("venues")
        if isinstance(only, list | tuple) and only:
            rows = [r for r in rows if r.venue in {str(v) for v in only}]
        layout = fit(columns(width), width)
        narrow = width < 60
        if not rows:
            text = f"no venue quotes {inst}" if inst else "select an instrument"
            return header(layout), [Line("", Content.styled(text, marks.DIM))]
        rows.sort(key=lambda r: (r.bid is None, -(r.bid or 0.0), r.venue))
        places = marks.price_places([x for r in rows for x in (r.bid, r.ask) if x is not None])
        counted = [r for r in rows if _counts(model, r)]
        best_bid = max(counted, key=lambda r: r.bid or 0.0, default=None)
        best_ask = min(counted, key=lambda r: r.ask or 0.0, default=None)
        out: list[Line] = []
        if (
            best_bid is not None
            and best_ask is not None
            and best_bid.venue != best_ask.venue
            and best_bid.bid is not None
            and best_ask.ask is not None
            and best_bid.bid > best_ask.ask
        ):
            by = (best_bid.bid - best_ask.ask) / best_ask.ask * 1e4
            text = (
                f"✖ CROSSED across venues: {best_bid.venue} bid {marks.price(best_bid.bid, places)}"
                f" > {best_ask.venue} ask {marks.price(best_ask.ask, places)} ({by:.1f} bps)"
            )
            out.append(Line("crossed", Content.styled(text, marks.BAD_STYLE), {"-alarm"}))
        for r in rows:
            bid = Content(marks.price(r.bid, places))
            ask = Content(marks.price(r.ask, places))
            if r is best_bid:
                mark = "◀" if narrow else "◀best "
                bid = Content.assemble((mark, marks.DIM), (bid.plain, "bold $text-success"))
            if r is best_ask:
                mark = "▶" if narrow else " best▶"
                ask = Content.assemble((ask.plain, "bold $text-success"), (mark, marks.DIM))
            dim = not _counts(model, r)
            selected = r.venue == selection.venue
            values: dict[str, Content | str] = {
                "venue": Content.assemble(("▶" if selected else " ", "bold"), r.venue),
                "bid": bid,
                "ask": ask,
                "mid": marks.price(r.mid, places + 1 if r.mid is not None else places),
                "spread": marks.num(r.spread_bps, 6, 2),
                "dev": marks.num(r.deviation_bps, 6, 1, signed=True),
                "flags": _flags(model, r, wide=width >= 100),
            }
            content = line(layout, values)
            classes = {"-selected"} if selected else set()
            if dim:
                classes.add("-dim")
            out.append(Line(r.venue, content, classes))
        return header(layout), out
