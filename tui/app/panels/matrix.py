"""Cross-venue instrument matrix: which venue disagrees, on what, by how much.

Rows are canonical instruments, columns venues. A cell shows the venue mid's
deviation from the consensus in bps, then (when there is room) the spread in
bps and how many times its baseline it is. A cell with an alert carries ``!``
(warning) or ``!!`` (critical) as well as the colour; a halted or resyncing
book says so in a word, because a number there would be a lie. The last column
is the consensus itself: its price and how many venues make it, or why there
is none ("no consensus", or the two references' "split").

When the panel is narrow the cells shrink (deviation only) and venue names are
abbreviated; if it is narrower still, the venues that matter most (the
selected one, then those with alerts) are kept and the header says how many
are hidden.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.content import Content

from tui.app.panel import Selection
from tui.app.panels import marks
from tui.app.panels.table import Line, TablePanel, cell
from tui.console.model import ConsoleModel
from tui.engine.view import ConsensusRow, InstrumentRow

FULL, MID, COMPACT = 17, 12, 5
"""Cell widths: ``+12.3 0.85 ×1.6!!``, ``+12.3 ×1.6!!``, ``+12!`` (critical in reverse)."""


def _mark(worst: str) -> str:
    return {"critical": "!!", "warning": "!"}.get(worst, "")


def _cell(row: InstrumentRow | None, width: int, isolated: bool) -> Content:
    if row is None:
        return Content.styled("·", marks.DIM)
    style = marks.SEVERITY_STYLE.get(row.worst, "")
    mark = _mark(row.worst)
    if width < MID and mark:
        # No room for "!!": one mark, and critical in reverse video (not colour).
        mark = "!"
        style += " reverse" if row.worst == "critical" else ""
    if row.halted:
        return Content.styled("HALT", marks.BAD_STYLE)
    if row.lagging:
        return Content.styled("LAGGING" if width >= 7 else "lag", marks.WARN_STYLE)
    if not row.synced:
        return Content.styled("resync" if width >= 6 else "sync?", marks.WARN_STYLE)
    tail = 1 if isolated else len(mark)
    dev_w = 5 if width >= MID else max(1, width - tail)
    dev = marks.num(row.deviation_bps, dev_w, signed=True)
    ratio = row.spread_ratio
    # The ratio is noise near 1: dim unless the spread has at least doubled.
    ratio_style = marks.WARN_STYLE if ratio is not None and ratio >= 2 else marks.DIM
    ratio_text = f" ×{marks.num(ratio, 3):<3}"
    parts: list[str | tuple[str, str]] = [(f"{dev:>{dev_w}}", style)]
    if width >= FULL:
        parts.append((f" {marks.num(row.spread_bps, 4, 2):>4}", style))
    if width >= MID:
        parts.append((ratio_text, ratio_style))
    if isolated:
        # Out of the consensus: shown for reference, dim and marked.
        return Content.styled(Content.assemble(*parts).plain + "⊘", marks.DIM)
    parts.append((mark, style))
    return Content.assemble(*parts)


def _consensus(c: ConsensusRow | None, width: int) -> Content:
    if c is None or c.price is None:
        # Why there is none, as far as it fits ("no ref: only okx is trusted (…)").
        why = c.note.removeprefix("no reference: ") if c is not None else ""
        text = f"no ref: {why}" if why and width >= 16 else "no ref" if width >= 6 else "none"
        return Content.styled(marks.middle(text, width), marks.WARN_STYLE)
    refs = len(c.references)
    if c.split_bps is not None and not c.blame:
        word = "split" if width >= 14 else "±"
        price, gap = marks.price(c.price, 2 if width >= 20 else 0), marks.num(c.split_bps, 5)
        text = f"{price} {word} {gap}"
        if len(text) > width:
            text = f"{price}±{gap}"
        style = marks.WARN_STYLE if c.split_bps >= 10 else ""
        return Content.styled(text, style)
    places = marks.price_places([c.price]) if width >= 16 else 0
    if c.price < 100:
        places = max(places, 2)
    return Content.assemble(marks.price(c.price, places), (f" n{refs}", marks.DIM))


class MatrixPanel(TablePanel):
    """Instruments × venues. Params: ``venues`` (list), ``instruments`` (list)."""

    PANEL_ID = "matrix"
    TITLE = "Cross-venue matrix · Δmid bps, spread bps, ×baseline"
    AREAS = frozenset({"instruments", "consensus", "venues"})
    SELECTS = "instruments"
    shown_venues: tuple[str, ...] = ()
    """The venue columns drawn last time (the others are named in the border)."""
    col_page = 0
    """Which page of venue columns is shown when not all fit (``[`` / ``]``)."""
    col_pages = 1
    """How many pages there were last time (1: every column fits)."""

    def page(self, step: int) -> bool:
        """Page the hidden venue columns into view (rows when every column fits);
        False when there is nowhere to go."""
        if self.col_pages <= 1:
            return super().page(step)
        page = max(0, min(self.col_pages - 1, self.col_page + step))
        if page == self.col_page:
            return False
        self.col_page = page
        if self.model is not None and self.is_mounted:
            self.render_rows()
        return True

    def order(self, model: ConsoleModel) -> list[str]:
        """Instruments in the order shown."""
        return self.display_order(model, self.params)

    @classmethod
    def display_order(cls, model: ConsoleModel, params: Mapping[str, object]) -> list[str]:
        """Instruments in canonical order: the app moves the selection through them."""
        names = model.canonical_names()
        only = params.get("instruments")
        if isinstance(only, list | tuple) and only:
            allowed = {str(i) for i in only}
            names = [n for n in names if n in allowed]
        return names

    def venue_order(self, model: ConsoleModel) -> list[str]:
        """Venue columns: config order, only venues that quote something."""
        quoting = {v for v, _ in model.instruments}
        names = [n for n in model.venues if n in quoting]
        names += sorted(quoting - set(names))
        only = self.params.get("venues")
        if isinstance(only, list | tuple) and only:
            allowed = {str(v) for v in only}
            names = [n for n in names if n in allowed]
        return names

    def selected_key(self, selection: Selection) -> str | None:
        return selection.instrument

    def lines(
        self, model: ConsoleModel, selection: Selection, width: int
    ) -> tuple[Content | None, list[Line]]:
        instruments = self.order(model)
        venues = self.venue_order(model)
        by_name: dict[tuple[str, str], InstrumentRow] = {
            (i.venue, i.instrument): i for i in model.instruments.values()
        }
        inst_w = min(16, max([10, *(len(n) for n in instruments)]) + 1)
        if width < 100:
            inst_w = min(inst_w, 13)
        cons_w = 20 if width >= 110 else 13
        if width < 60:
            inst_w, cons_w = min(inst_w, 11), 9
        avail = width - inst_w - cons_w - 2
        cell_w = min(FULL, avail // max(1, len(venues)) - 1)
        shown = venues
        hidden = 0
        ranked, room = venues, len(venues)
        if cell_w < COMPACT:
            cell_w = COMPACT

            # Keep the venues that matter: the selected one, any with a critical cell,
            # those quoting the selected instrument (columns follow it: a Deribit-only
            # option shows deribit), then warnings and config order. Isolating a venue
            # never moves a column: state is not a criterion. The rest are named.
            quoting = {v for v, i in by_name if i == selection.instrument}

            def weight(v: str) -> tuple[int, int, int, int, int]:
                worst = min(
                    (
                        marks.SEVERITY_RANK.get(by_name[(v, i)].worst, 2)
                        for i in instruments
                        if (v, i) in by_name
                    ),
                    default=2,
                )
                return (
                    0 if v == selection.venue else 1,
                    0 if worst == 0 else 1,  # a critical cell is never dropped
                    0 if v in quoting else 1,
                    worst,
                    venues.index(v),
                )

            room = max(1, (avail - 3) // (cell_w + 1))
            # Page 0 holds what matters most; later pages the rest, in the same order.
            ranked = sorted(venues, key=weight)
            self.col_pages = -(-len(ranked) // room)
            self.col_page = min(self.col_page, self.col_pages - 1)
            keep = set(ranked[self.col_page * room : (self.col_page + 1) * room])
            shown = [v for v in venues if v in keep]
            hidden = len(venues) - len(shown)
        else:
            self.col_pages, self.col_page = 1, 0
        short = marks.abbreviate(shown, cell_w)
        isolated = {v for v in shown if (row := model.venues.get(v)) and row.state == "ISOLATED"}
        head_parts: list[Content] = [cell(Content.styled("instrument", marks.HEAD), inst_w, False)]
        for v in shown:
            state = model.venues.get(v)
            style = marks.HEAD
            if v == selection.venue:
                style = "bold reverse"
            elif state is not None and state.state != "LIVE":
                style = "bold " + marks.STATES.get(state.state, ("", ""))[1]
            head_parts += [Content(" "), cell(Content.styled(short[v], style), cell_w)]
        head_parts += [Content(" "), cell(Content.styled("consensus", marks.HEAD), cons_w)]
        self.shown_venues = tuple(shown)
        if hidden:
            head_parts.append(Content.styled(f" +{hidden}", marks.WARN_STYLE))
        # Named, in the border: which columns are not shown, on earlier pages (←) and
        # later ones (→); ``[`` and ``]`` page to them.
        if hidden:
            start, end = self.col_page * room, (self.col_page + 1) * room
            # Named in config order, as the columns are drawn.
            before = [v for v in venues if v in set(ranked[:start])]
            after = [v for v in venues if v in set(ranked[end:])]
            notes = [f"← +{len(before)} cols: {', '.join(before)}"] if before else []
            if after:
                notes.append(f"→ +{len(after)} cols: {', '.join(after)}")
            self.set_note("columns", " · ".join(notes))
        else:
            self.set_note("columns", "")
        out = []
        for inst in instruments:
            selected = inst == selection.instrument
            name = ("▶" if selected else " ") + marks.middle(inst, inst_w - 1)
            parts: list[Content] = [
                cell(Content.styled(name, "bold" if selected else ""), inst_w, False)
            ]
            for v in shown:
                c = _cell(by_name.get((v, inst)), cell_w, v in isolated)
                if v == selection.venue:
                    c = c.stylize("underline")
                parts += [Content(" "), cell(c, cell_w)]
            parts += [Content(" "), cell(_consensus(model.consensus.get(inst), cons_w), cons_w)]
            classes = {"-selected"} if selected else set()
            out.append(Line(inst, Content.assemble(*parts), classes, name=inst))
        if not out:
            out.append(Line("", Content.styled("waiting for instruments…", marks.DIM)))
        return Content.assemble(*head_parts), out

    def details(self, model: ConsoleModel, selection: Selection) -> list[Content]:
        out: list[Content] = []
        for inst in self.order(model):
            c = model.consensus.get(inst)
            quoting = sorted(i.venue for i in model.instruments.values() if i.instrument == inst)
            if c is None or c.price is None:
                ref = c.note if c is not None and c.note else "no reference"
            elif c.split_bps is not None and not c.blame:
                ref = (
                    f"{marks.price(c.price)} from {' and '.join(c.references)}, "
                    f"{c.split_bps:g} bps apart (neither is blamed)"
                )
            else:
                ref = f"{marks.price(c.price)}, median of {', '.join(c.references)}"
            parts: list[Content | str] = [
                Content.styled(inst, "bold"),
                f" · quoted by {', '.join(quoting)}",
                f"\n  reference: {ref}",
            ]
            if c is not None and c.excluded:
                left = "; ".join(f"{v}: {w}" for v, w in sorted(c.excluded.items()))
                parts.append(f"\n  left out: {left}")
            out.append(Content.assemble(*parts))
        return out
