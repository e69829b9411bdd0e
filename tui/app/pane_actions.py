"""What the focused pane hides: its rows in full (enter) and paging (page keys)."""

from __future__ import annotations

from tui.app.console_base import ConsoleBase
from tui.app.detail import DetailScreen, open_alert_details
from tui.app.panel import Panel


class PaneActions(ConsoleBase):
    """Details and paging of the focused pane (text cut on screen is never lost)."""

    def action_details(self) -> None:
        pane = self.focused_pane()
        panel = pane.panel if pane is not None else None
        fn = getattr(panel, "details", None)
        if not isinstance(panel, Panel) or fn is None:
            self.tell("this pane has no details view", "warning")
            return
        rows = fn(self.source.model, self.selection)
        title = f"{panel.TITLE} — in full"
        if panel.PANEL_ID == "alerts" and open_alert_details(
            self, title, rows, self.source.model, self.selection
        ):
            return  # with the readings from the capture, fetched from the engine
        self.push_screen(DetailScreen(title, rows))

    def action_page(self, step: int) -> None:
        """Page what the focused pane hides (named in its border) into view."""
        pane = self.focused_pane()
        panel = pane.panel if pane is not None else None
        fn = getattr(panel, "page", None)
        if fn is None:
            self.tell("this pane has nothing to page", "warning")
        elif not fn(step):
            where = "start" if step < 0 else "end"
            self.tell(f"already at the {where}")
