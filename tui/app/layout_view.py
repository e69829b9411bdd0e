"""The widget tree a layout becomes: panes, splits, and the panels they hold.

The app's layout keys (switch, resize, swap, write) are in
:mod:`tui.app.layout_actions`; the status bar that frames the panes is in
:mod:`tui.app.status_bar`.

Each layout leaf becomes a focusable :class:`Pane` holding one panel (the pane
is what ``+``/``-`` resize and ``s`` swaps); each split becomes a container laid
out horizontally or vertically with its children's sizes as CSS widths or
heights. A panel id the panels package does not provide, or whose module fails
to import, shows a placeholder saying so (with the import error) in its own
pane instead of failing the whole console.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Container
from textual.widget import Widget
from textual.widgets import Static

from tui.app.layout_tree import Layout, Leaf, Node, Size, Split
from tui.app.panel import Panel


class Panels:
    """The panel classes a layout can place, and why any that cannot be failed to load."""

    def __init__(
        self, classes: dict[str, type[Panel]], errors: dict[str, str] | None = None
    ) -> None:
        self.classes = classes
        self.errors = dict(errors or {})

    def get(self, panel_id: str) -> type[Panel] | None:
        return self.classes.get(panel_id)

    def values(self) -> list[type[Panel]]:
        return list(self.classes.values())


def registry() -> Panels:
    """The panels package's classes; a panel whose module fails to import is listed
    with its error, and only its own pane says so."""
    from tui.app.panels import load

    return Panels(*load())


class MissingPanel(Static):
    """Stands in for a panel this build does not have, or one that failed to load."""

    def __init__(self, panel_id: str, error: str = "") -> None:
        text = (
            f"panel {panel_id!r} failed to load: {error}"
            if error
            else f"panel {panel_id!r} is not available in this build"
        )
        super().__init__(text, classes="missing-panel", markup=False)
        self.border_title = panel_id


class Pane(Container, can_focus=True):
    """One leaf of the layout: a focusable frame around one panel."""

    def __init__(self, leaf: Leaf, panels: Panels) -> None:
        super().__init__(id=f"pane-{leaf.name}", classes="pane")
        self.leaf = leaf
        self._panels = panels

    def compose(self) -> ComposeResult:
        yield make_panel(self.leaf.panel, self.leaf.params, self._panels)

    @property
    def panel(self) -> Widget | None:
        return self.children[0] if self.children else None

    async def replace(self, panel_id: str, params: dict[str, Any]) -> Widget:
        """Show another panel in this pane (the layout leaf is updated by the caller)."""
        await self.remove_children()
        widget = make_panel(panel_id, params, self._panels)
        await self.mount(widget)
        return widget


def make_panel(panel_id: str, params: dict[str, Any], panels: Panels) -> Widget:
    cls = panels.get(panel_id)
    if cls is None:
        return MissingPanel(panel_id, panels.errors.get(panel_id, ""))
    return cls(params=dict(params))


class SplitView(Container):
    """A split: children side by side or stacked."""

    def __init__(self, split: Split, children: list[Widget]) -> None:
        super().__init__(*children, id=f"split-{split.name}", classes=f"split -{split.direction}")
        self.split = split
        self.styles.layout = "horizontal" if split.direction == "horizontal" else "vertical"


def build(layout: Layout, panels: Panels) -> Widget:
    """The widget tree for ``layout`` (not yet mounted)."""
    root = _node(layout.root, panels)
    root.styles.width = "1fr"
    root.styles.height = "1fr"
    root.add_class("layout-root")
    return root


def _node(node: Node, panels: Panels) -> Widget:
    if isinstance(node, Leaf):
        return Pane(node, panels)
    kids = []
    for child in node.children:
        w = _node(child, panels)
        apply_size(w, child.size, node.direction)
        kids.append(w)
    return SplitView(node, kids)


def apply_size(widget: Widget, size: Size, direction: str) -> None:
    """Give a split's child its size along the split's axis; it fills the other axis."""
    if direction == "horizontal":
        widget.styles.width = size.css()
        widget.styles.height = "1fr"
    else:
        widget.styles.height = size.css()
        widget.styles.width = "1fr"
