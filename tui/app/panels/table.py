"""Live tables: one ``Static`` per row, rewriting only rows whose content changed.

A ``DataTable`` repaints every visible cell on any change (~33 ms a frame at
20×10 here); a row that is rewritten only when its text or styling changed
keeps a 10 Hz console at a few percent of a core. Rows are a pool mounted once and
rewritten in place (row *i* shows line *i*): a new timeline entry rewrites the rows
below it rather than mount a widget, because a mount asks for a layout pass of the
whole screen, and that is what a key waits behind on a busy console.

Columns are chosen for the width the panel actually has: each column has a
priority, the most important ones that fit are shown (in their declared
order), and one *flex* column takes what is left. So a panel stays legible at
80×24 and shows more at 120×40, without a "terminal too small" gate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Final

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.events import Resize
from textual.geometry import Size
from textual.widgets import Static

from tui.app.panel import Panel, Selection
from tui.app.panels import marks
from tui.console.model import ConsoleModel

Cell = Content | str

ROW_CLASSES: Final = ("-selected", "-dim", "-section", "-alarm")
BLANK: Final = "\x00blank"
"""The key of a pooled row that shows no line."""


class Row(Static):
    """One line of a live table; counts its writes so tests can prove diffing."""

    DEFAULT_CSS = """
    Row {
        height: 1;
        width: 1fr;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    Row.-selected { background: $accent 30%; }
    Row.-alarm { background: $error 15%; }
    Row.-dim { text-style: dim; }
    Row.-section { text-style: bold; color: $text-primary; }
    """

    def __init__(self, content: Content, key: str = "", classes: str = "") -> None:
        super().__init__(content, classes=classes, markup=False)
        self.key = key
        self.shown = content
        self.writes = 1

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # A row's "virtual size" is its own region (a leaf: nothing scrolls inside it),
        # so a new one can change nobody's layout. Textual sets it as a reactive that
        # asks for another layout pass: after each pass, every row whose width or clip
        # moved asked for one more (67 rows at once when a dialog closed).
        return super()._size_updated(size, virtual_size, container_size, layout=False)

    def show(self, content: Content) -> bool:
        """Rewrite only if text or styling changed; True if it did."""
        if content.is_same(self.shown):
            return False
        self.shown = content
        self.writes += 1
        # Rows are always one line high: no layout pass is needed.
        self.update(content, layout=False)
        return True


@dataclass(frozen=True)
class Col:
    key: str
    head: str
    width: int
    priority: int = 0
    """0 is always shown; larger numbers are dropped first when narrow, and a
    column is never shown when a more important one was dropped."""
    right: bool = True
    flex: bool = False
    """Takes the width left over (at least ``width``)."""


def fit(cols: Sequence[Col], width: int) -> list[tuple[Col, int]]:
    """The columns that fit in ``width`` (one space between), with their widths."""
    chosen: set[str] = set()
    used = -1
    cutoff: int | None = None
    for col in sorted(cols, key=lambda c: c.priority):
        if cutoff is not None and col.priority > cutoff:
            break  # a more important column did not fit: nothing less important may
        if col.priority > 0 and used + 1 + col.width > width:
            cutoff = col.priority
            continue
        chosen.add(col.key)
        used += 1 + col.width
    shown = [c for c in cols if c.key in chosen]
    spare = max(0, width - used)
    out = []
    for c in shown:
        w = c.width + spare if c.flex else c.width
        if c.flex:
            spare = 0
        out.append((c, w))
    return out


def elide(c: Content, width: int) -> Content:
    """``c`` in ``width`` cells, cut in the middle (``BTC-U…1225``): both ends of a
    name or a sentence say more than its start alone. The full text is a key away."""
    n = c.cell_length
    if n <= width:
        return c
    if width <= 2:
        return c.truncate(width)
    head = (width - 1 + 1) // 2
    tail = width - 1 - head
    return Content.assemble(c[:head], ("…", marks.DIM), c[n - tail :] if tail else "")


def cell(value: Cell, width: int, right: bool = True) -> Content:
    c = value if isinstance(value, Content) else Content(value)
    if c.cell_length > width:
        return elide(c, width)
    pad = width - c.cell_length
    return c.pad_left(pad) if right else c.pad_right(pad)


def line(layout: list[tuple[Col, int]], values: dict[str, Cell]) -> Content:
    parts: list[Content] = []
    for i, (col, w) in enumerate(layout):
        if i:
            parts.append(Content(" "))
        parts.append(cell(values.get(col.key, ""), w, col.right))
    return Content.assemble(*parts)


def header(layout: list[tuple[Col, int]]) -> Content:
    return line(layout, {c.key: Content.styled(c.head, marks.HEAD) for c, _ in layout})


def int_param(params: dict[str, object], name: str, default: int) -> int:
    """A layout parameter as an int (layouts are user-edited TOML: be forgiving)."""
    value = params.get(name, default)
    try:
        return int(value)  # type: ignore[call-overload,no-any-return]
    except (TypeError, ValueError):
        return default


@dataclass
class Line:
    """A row to show: a stable key, its content and its row classes."""

    key: str
    content: Content
    classes: set[str] = field(default_factory=set)
    name: str = ""
    """What the row is about, for the "hidden" note (``feed-silent``, ``kraken``)."""


class TablePanel(Panel):
    """A panel that is a header line over a scrolling list of rows (keyed lines)."""

    DEFAULT_CSS = """
    TablePanel {
        height: 1fr;
        width: 1fr;
        border: round $primary 40%;
        border-title-color: $text-primary;
    }
    TablePanel > .table-head { height: 1; text-wrap: nowrap; }
    TablePanel > VerticalScroll { height: 1fr; scrollbar-size-vertical: 1; }
    """

    HEADER: ClassVar[bool] = True
    REFRESH_S: ClassVar[float | None] = None
    """Re-render from the last model this often, for panels showing ages ("12s
    ago") whose areas may not change for a while. Unchanged rows cost nothing."""

    def __init__(self, params: dict[str, object] | None = None, **kwargs: object) -> None:
        super().__init__(params, **kwargs)
        self.model: ConsoleModel | None = None
        self.selection = Selection()
        self.rows: dict[str, Row] = {}
        """Line key -> the row showing it."""
        self.order_shown: list[str] = []
        self._pool: list[Row] = []
        self._width = 0
        self._height = 0
        self._selected_key: str | None = None
        self.names: dict[str, str] = {}
        self.hidden = ""
        """What the hidden-rows note says ("" when every row is in view)."""
        """Row key -> what it is about (for the hidden-rows note)."""

    def compose(self) -> ComposeResult:
        if self.HEADER:
            yield Static("", classes="table-head", markup=False)
        yield VerticalScroll(can_focus=False)

    # -- what subclasses provide ---------------------------------------------------------

    def lines(
        self, model: ConsoleModel, selection: Selection, width: int
    ) -> tuple[Content | None, list[Line]]:
        """The header (None: none) and the rows, for this width."""
        raise NotImplementedError

    def selected_key(self, selection: Selection) -> str | None:
        """The row to keep in view (the selected venue, instrument…)."""
        return None

    def details(self, model: ConsoleModel, selection: Selection) -> list[Content]:
        """Every row in full, for the details view (panels with long text override)."""
        _, lines = self.lines(model, selection, 1000)
        return [ln.content.rstrip() for ln in lines]

    def page(self, step: int) -> bool:
        """Scroll the rows a page up or down; False when already at that end."""
        if not self.is_mounted:
            return False
        body = self.query_one(VerticalScroll)
        height = max(1, body.scrollable_content_region.height - 1)
        y = max(0, min(int(body.max_scroll_y), int(body.scroll_y) + step * height))
        if y == int(body.scroll_y):
            return False
        body.scroll_to(y=y, animate=False, immediate=True)
        return True

    # -- rendering -----------------------------------------------------------------------

    @property
    def row_width(self) -> int:
        """Cells available to a row (the panel's content width less the scrollbar)."""
        w = self.content_region.width - 1
        return w if w > 0 else 78

    def update_from(self, model: ConsoleModel, selection: Selection) -> None:
        self.model = model
        self.selection = selection
        if self.is_mounted:
            self.render_rows()

    def on_mount(self) -> None:
        body = self.query_one(VerticalScroll)
        self.watch(body, "scroll_y", lambda _y: self.note_hidden(), init=False)
        if self.REFRESH_S:
            self.set_interval(self.REFRESH_S, self._refresh_ages)
        if self.model is not None:
            self.render_rows()

    def _refresh_ages(self) -> None:
        if self.model is not None and self.display and self.is_on_screen:
            self.render_rows()

    def on_resize(self, event: Resize) -> None:
        if self.model is not None and (
            self.row_width != self._width or self._body_height() != self._height
        ):
            self.render_rows()
        self.call_after_refresh(self.note_hidden)

    def note_hidden(self) -> None:
        """Say in the bottom border what rows are out of view, by name: nothing
        is hidden silently (``↓ +3: bybit, bybit-linear, deribit``)."""
        if not self.is_mounted:
            return
        try:
            body = self.query_one(VerticalScroll)
        except NoMatches:  # torn down by a layout switch after the resize was queued
            return
        height = body.scrollable_content_region.height
        keys = self.order_shown
        if height <= 0 or len(keys) <= height:
            self.hidden = ""
            self.set_note("hidden", "")
            return
        top = max(0, min(int(body.scroll_y), len(keys) - height))
        above, below = keys[:top], keys[top + height :]
        parts = []
        if above:
            parts.append(f"↑ +{len(above)}")
        if below:
            names = [self.names[k] for k in below if self.names.get(k)]
            shown = ""
            room = max(10, self.size.width - 30)
            for i, n in enumerate(names):
                if shown and len(shown) + len(n) + 12 > room:
                    shown += f", +{len(names) - i} more"  # the count stays exact
                    break
                shown += (", " if shown else "") + n
            parts.append(f"↓ +{len(below)}" + (f": {shown}" if shown else ""))
        self.hidden = " · ".join(parts)
        self.set_note("hidden", self.hidden)

    def render_rows(self) -> int:
        """Bring the rows up to date; returns how many rows were written."""
        assert self.model is not None
        self._width = width = self.row_width
        self._height = self._body_height()
        head, lines = self.lines(self.model, self.selection, width)
        for ln in lines:
            # Banners and sections are free text: never wider than the panel.
            if ln.content.cell_length > width:
                ln.content = elide(ln.content, width)
        if self.HEADER:
            head_widget = self.query_one(".table-head", Static)
            head_widget.update(head or "", layout=False)
        self.names = {ln.key: ln.name for ln in lines if ln.name}
        written = self._sync(lines)
        self.call_after_refresh(self.note_hidden)
        key = self.selected_key(self.selection)
        if key != self._selected_key:
            self._selected_key = key
            row = self.rows.get(key) if key else None
            if row is not None:
                self.call_after_refresh(self._reveal, row)
        return written

    def _body_height(self) -> int:
        return self.query_one(VerticalScroll).scrollable_content_region.height

    def _reveal(self, row: Row) -> None:
        if row.is_attached:
            self.query_one(VerticalScroll).scroll_to_widget(row, animate=False)

    def _sync(self, lines: list[Line]) -> int:
        """Write ``lines`` into the pool of rows, row *i* showing line *i*.

        A row is a widget mounted once and rewritten in place: a new journal line or
        alert, or a venue moving up, rewrites the rows whose text changed (a repaint of
        those lines) instead of mounting or moving a widget, which asks for a layout
        pass of the whole screen — tens of ms on a busy console, each time, while the
        next key waits. The pool fills the pane's height (the spare rows are blank, in
        what would be empty space) and beyond that grows :data:`POOL_STEP` rows at a
        time, so a timeline growing line by line mounts rows once every few lines."""
        body = self.query_one(VerticalScroll)
        self._size_pool(body, len(lines))
        written = 0
        rows: dict[str, Row] = {}
        for ln, row in zip(lines, self._pool, strict=False):
            row.key = ln.key
            if row.show(ln.content):
                written += 1
            for cls in ROW_CLASSES:
                row.set_class(cls in ln.classes, cls)
            rows[ln.key] = row
        for row in self._pool[len(lines) :]:
            if row.key != BLANK:
                row.key = BLANK
                row.show(Content(""))
                for cls in ROW_CLASSES:
                    row.set_class(False, cls)
        self.rows = rows
        self.order_shown = [ln.key for ln in lines]
        return written

    def _size_pool(self, body: VerticalScroll, n: int) -> None:
        height = body.scrollable_content_region.height
        have = len(self._pool)
        want = pool_size(n, height, have)
        if want > have:
            fresh = [Row(Content(""), BLANK) for _ in range(want - have)]
            self._pool.extend(fresh)
            body.mount(*fresh)
        elif have - want >= 2 * POOL_STEP:
            # Far more rows than lines (many alerts resolved): drop the spare ones. Not
            # at each line less: a count going up and down across a step would mount
            # and remove rows each time (a few spare blank rows past the bottom cost
            # a scrollbar's length, not a layout pass).
            surplus, self._pool = self._pool[want:], self._pool[:want]
            body.remove_children(surplus)


POOL_STEP: Final = 8
"""Rows the pool grows by past the pane's height at least (blank until used)."""


def pool_size(lines: int, height: int, have: int = 0) -> int:
    """Rows to keep mounted for ``lines`` lines in a pane ``height`` rows high, with
    ``have`` mounted now.

    Growing, the pool takes half again what it has (at least :data:`POOL_STEP` rows):
    each growth is a mount, so a layout pass of the whole screen, and under overload
    the timeline fills up to its limit (300 lines) with the engine's alerts and feed
    notes — by steps of 8 that was 37 layout passes on a busy loop (the most of any
    source, traced at 2x load), by half again about 8. The price is blank rows past
    the last line, a third of the pool at most (the hidden-rows note counts lines)."""
    if lines <= height:
        return height
    need = -(-lines // POOL_STEP) * POOL_STEP
    if need <= have:
        # Kept while the spare rows are what growing left (a third at most, and the
        # caller's two steps of slack); far fewer lines (alerts resolved): shrink.
        return have if have - need < have // 3 + 2 * POOL_STEP else need
    return max(need, have + have // 2)
