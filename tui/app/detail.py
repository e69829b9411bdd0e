"""The details view: a pane's rows in full, wrapped, one key (``enter``) away.

Panes cut what does not fit (in the middle, marked ``…``) and name the rows
out of view; this view is where the whole text is: every alert's summary,
every timeline entry, each breaker's trip reason, why an instrument has no
reference. It scrolls; escape or enter closes it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class DetailScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter,q", "close", "close", show=False)]

    DEFAULT_CSS = """
    DetailScreen { align: center middle; background: $background 60%; }
    DetailScreen > #detail-box {
        width: 90%;
        height: 85%;
        padding: 0 1;
        border: round $primary;
        background: $surface;
    }
    DetailScreen #detail-title { text-style: bold; color: $text-primary; }
    DetailScreen #detail-body { height: 1fr; }
    DetailScreen .detail-row { text-wrap: wrap; margin: 0 0 0 0; }
    DetailScreen #detail-hint { color: $foreground 60%; }
    """

    def __init__(self, title: str, rows: list[Content]) -> None:
        super().__init__()
        self.title_text = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box"):
            yield Label(self.title_text, id="detail-title", markup=False)
            with VerticalScroll(id="detail-body"):
                for row in self.rows or [Content.styled("nothing to show", "dim")]:
                    yield Static(row, classes="detail-row", markup=False)
            yield Static("↑↓ scroll · escape or enter closes", id="detail-hint", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
