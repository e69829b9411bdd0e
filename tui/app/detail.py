"""The details view: a pane's rows in full, wrapped, one key (``enter``) away.

Panes cut what does not fit (in the middle, marked ``…``) and name the rows
out of view; this view is where the whole text is: every alert's summary,
every timeline entry, each breaker's trip reason, why an instrument has no
reference. It scrolls; escape or enter closes it.

On the alerts pane it answers "why did this fire?": the alert in full at once,
then the engine's readings from the capture around it (the rule's metrics
second by second, the consensus at the firing, the venue's frames before and
after), which the engine replays with the report's own code on request.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, Protocol

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

if TYPE_CHECKING:
    from tui.app.panel import Selection
    from tui.app.source import Source
    from tui.console.model import ConsoleModel


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

    def __init__(
        self,
        title: str,
        rows: list[Content],
        pending: Content | None = None,
        pending_at: int | None = None,
    ) -> None:
        """``pending``: a row standing in (at ``pending_at``) for rows still on their
        way from the engine; :meth:`settle` puts them there."""
        super().__init__()
        self.title_text = title
        self.rows = rows
        self.pending = pending
        self.pending_at = len(rows) if pending_at is None else pending_at

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box"):
            yield Label(self.title_text, id="detail-title", markup=False)
            with VerticalScroll(id="detail-body"):
                rows = self.rows or (
                    [] if self.pending else [Content.styled("nothing to show", "dim")]
                )
                for i, row in enumerate(rows):
                    if i == self.pending_at and self.pending is not None:
                        yield Static(self.pending, id="detail-pending", markup=False)
                    yield Static(row, classes="detail-row", markup=False)
                if self.pending is not None and self.pending_at >= len(rows):
                    yield Static(self.pending, id="detail-pending", markup=False)
            yield Static("↑↓ scroll · escape or enter closes", id="detail-hint", markup=False)

    async def settle(self, rows: list[Content]) -> None:
        """The rows that were pending, in place of the stand-in."""
        stand_in = self.query("#detail-pending")
        if not stand_in:
            return
        widgets = [Static(r, classes="detail-row", markup=False) for r in rows]
        if widgets:
            await self.query_one("#detail-body").mount_all(widgets, before=stand_in.first())
        await stand_in.remove()
        self.rows[self.pending_at : self.pending_at] = rows
        self.pending = None

    def action_close(self) -> None:
        self.dismiss(None)


class Host(Protocol):
    """What the alerts' details need of the app (a protocol: the app imports this module)."""

    source: Source

    def push_screen(self, screen: DetailScreen) -> object: ...

    def run_worker(self, work: Coroutine[Any, Any, None], *, group: str) -> object: ...


def open_alert_details(
    app: Host, title: str, rows: list[Content], model: ConsoleModel, sel: Selection
) -> bool:
    """The alerts pane's details: the alert in full at once, then the readings from the
    capture (series, frames, consensus) once the engine has replayed them. False when
    there is no alert to explain (the caller shows the plain details)."""
    from tui.app.panels import why

    chosen = why.pick(model, sel)
    if chosen is None:
        return False
    pending = Content.styled("Readings from the capture: asking the engine…", "dim")
    screen = DetailScreen(title, rows, pending, pending_at=len(why.why(model, chosen)))
    app.push_screen(screen)
    fired = chosen.fired_ns or chosen.started_ns

    async def fetch() -> None:
        try:
            out = await app.source.command("why", key=chosen.key, fired=why.iso_us(fired))
        except Exception as exc:  # NotSent and friends: say so where the rows would be
            got = [Content.styled(f"Readings from the capture: not available: {exc}", "dim")]
        else:
            if out.ok and out.data:
                got = why.evidence(out.data)
            else:
                got = [Content.styled(f"Readings from the capture: {out.detail}", "dim")]
        await screen.settle(got)

    app.run_worker(fetch(), group="why")
    return True
