"""The screen's widgets and the app's layout behaviour.

Panes are built from a layout; the status bar frames them; :class:`LayoutActions`
(mixed into the app) switches, resizes, swaps and writes layouts.

Each layout leaf becomes a focusable :class:`Pane` holding one panel (the pane
is what ``+``/``-`` resize and ``s`` swaps); each split becomes a container laid
out horizontally or vertically with its children's sizes as CSS widths or
heights. A panel id the panels package does not provide, or whose module fails
to import, shows a placeholder saying so (with the import error) in its own
pane instead of failing the whole console.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Container, Horizontal
from textual.widget import Widget
from textual.widgets import Label, Static

from tui.app import layout_file
from tui.app.layout_file import Layout, LayoutError, Leaf, Node, Size, Split
from tui.app.panel import Panel, Selection
from tui.app.screens import TextScreen
from tui.app.settings import Settings
from tui.app.source import LiveSource, Source


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


class StatusBar(Horizontal):
    """Always on screen: connection, clock, breakers, selection, commands in flight.

    Each segment is its own label, rewritten only when its text changes (the clock
    changes once a second, the rest rarely)."""

    SEGMENTS = ("conn", "selection", "flight", "breakers", "layout", "clock")

    def __init__(self) -> None:
        super().__init__(id="status")
        self._last: dict[str, str] = {}
        self._state = ""
        self._labels = {
            seg: Label("", id=f"st-{seg}", classes="st", markup=False) for seg in self.SEGMENTS
        }

    def compose(self) -> ComposeResult:
        yield from self._labels.values()

    def show(self, state: str, segments: dict[str, str], alarms: set[str]) -> None:
        """``state``: attached/connecting/reconnecting/lost/static (a CSS class);
        ``alarms``: segments to highlight (tripped breakers, commands in flight)."""
        if state != self._state:
            if self._state:
                self.remove_class(f"-{self._state}")
            self.add_class(f"-{state}")
            self._state = state
        for seg in self.SEGMENTS:
            text = segments.get(seg, "")
            label = self._labels[seg]
            label.set_class(seg in alarms, "-alarm")
            label.display = bool(text)
            if self._last.get(seg) != text:
                self._last[seg] = text
                label.update(text)


if TYPE_CHECKING:
    from textual.app import App

    _AppBase = App[int]
else:
    _AppBase = object

NARROW = 100
"""Below this many columns the status bar and footer use their short forms."""


def status(
    source: Source, sel: Selection, in_flight: int, layout: str, narrow: bool
) -> tuple[str, dict[str, str], set[str]]:
    """What the status bar says: (connection state, segment texts, segments in alarm)."""
    model = source.model
    segments: dict[str, str] = {"conn": _connection(source, narrow)}
    segments["clock"] = time.strftime("%H:%M:%S UTC", time.gmtime(source.now_ns() / 1e9))
    armed = sum(1 for b in model.breakers.values() if b.armed)
    tripped = [f"{n} ({', '.join(b.tripped)})" for n, b in model.breakers.items() if b.tripped]
    text = f"breakers {armed}/{len(model.breakers)} armed"
    if model.routes and not narrow:
        auto = sum(1 for r in model.routes.values() if r.armed)
        text += f" · auto-failover {auto}/{len(model.routes)}"
    if tripped:  # first: the part that needs a person
        text = f"{len(tripped)} TRIPPED: {'; '.join(tripped)} · {text}"
    segments["breakers"] = text
    parts = [sel.venue or "-", sel.instrument or "-"]
    if not narrow:
        parts.append(f"route {sel.route or '-'}")
    segments["selection"] = "▶ " + " · ".join(parts)
    if in_flight:
        segments["flight"] = f"{in_flight} in flight"
    segments["layout"] = "? help" if narrow else layout
    alarms = {"flight"} | ({"breakers"} if tripped else set())
    stale = model.staleness()
    if stale is not None and source.state == "attached":
        # Attached but nothing moves (publisher stalled, replay ended): as loud as a lost link.
        segments["conn"] = f"STALE: {stale.reason} · data {_age(stale.age_s)} old"
        return "reconnecting", segments, alarms
    return source.state, segments, alarms


def _connection(src: Source, narrow: bool) -> str:
    user = src.user or src.model.user
    if src.state == "attached" and src.engine.startswith("replay"):
        # A replay runs on capture time: the header shows the capture's clock, not ours.
        # The engine's latest name (pace, paused, seeking) comes with its state updates.
        name = src.model.engine if src.model.engine.startswith("replay") else src.engine
        return replay_header(src.model.ts_ns, name.removeprefix("replay").strip())
    if src.state == "attached":
        return "ATTACHED" if narrow else f"ATTACHED {src.engine or 'engine'} as {user}"
    if src.state == "static":
        return "SNAPSHOT" if narrow else f"SNAPSHOT {src.engine}"
    if src.state == "connecting":
        return "CONNECTING…"
    stale = ""
    if src.stale_since is not None:
        stale = f" · data {_age(time.time() - src.stale_since)} old"
    if src.state == "reconnecting" and isinstance(src, LiveSource):
        wait = ""
        if src.next_retry is not None:
            wait = f" in {max(0.0, src.next_retry - time.monotonic()):.0f}s"
        return f"RECONNECTING{wait} (attempt {src.attempts + 1}){stale}"
    return f"LOST: {src.detail}{stale}"


def replay_header(ts_ns: int, speed: str) -> str:
    """``REPLAY 07:01:48.883 ×10, paused``: capture time (UTC), pace and what it does."""
    if not ts_ns:
        return f"REPLAY --:--:--.--- {speed}".rstrip()
    clock = time.strftime("%H:%M:%S", time.gmtime(ts_ns // 1_000_000_000))
    return f"REPLAY {clock}.{ts_ns // 1_000_000 % 1000:03d} {speed}".rstrip()


def _age(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


class LayoutActions(_AppBase):
    """The app's layout behaviour: pick, mount, switch, resize, swap and write layouts.

    A mixin for :class:`~tui.app.app.ConsoleApp` (kept here, next to the widgets it
    builds); it relies on the attributes declared below."""

    if TYPE_CHECKING:
        settings: Settings
        layout_spec: Layout | None
        layout_modified: bool
        _body: Container
        _panel_classes: Panels
        _panels: list[Panel]
        _stale: set[Panel]
        _layout_arg: str | None
        _auto_layout: bool
        _relayout: bool

        def _show_status(self) -> None: ...

    def _initial_layout(self) -> Layout:
        """The chosen layout; else default (compact on a narrow terminal). A chosen layout
        that cannot be used falls back with one notification instead of refusing to start."""
        fallback = self._auto_layout_name()
        if self._layout_arg:
            try:
                return layout_file.load(self._layout_arg)
            except LayoutError as exc:
                self.notify(
                    f"{exc}\nUsing the {fallback} layout instead.",
                    severity="error",
                    title="Layout not usable",
                    timeout=20,
                )
        return self._load_or_shipped(fallback)

    def _load_or_shipped(self, name: str) -> Layout:
        try:
            return layout_file.load(name)
        except LayoutError as exc:
            # A broken user file shadowing a shipped layout: say so, use the shipped one.
            self.notify(
                f"{exc}\nUsing the shipped {name} layout instead.",
                severity="error",
                title="Layout not usable",
                timeout=20,
            )
            return layout_file.parse(layout_file.shipped_text(name), f"layouts/{name}.toml", name)

    def _auto_layout_name(self) -> str:
        narrow = self.size.width < self.settings.compact_below
        return layout_file.COMPACT if narrow else layout_file.DEFAULT

    async def _mount_layout(self, spec: Layout) -> None:
        body = self._body
        await body.remove_children()
        await body.mount(build(spec, self._panel_classes))
        self.layout_spec = spec
        self.layout_modified = False
        self._collect_panels()
        panes = list(self._body.query(Pane))
        if panes:
            panes[0].focus()
        self._show_status()

    def _collect_panels(self) -> None:
        self._panels = [p.panel for p in self._body.query(Pane) if isinstance(p.panel, Panel)]
        self._stale = set(self._panels)

    async def switch_layout(self, name: str) -> None:
        try:
            spec = layout_file.load(name)
        except LayoutError as exc:
            self.notify(str(exc), severity="error", title="Layout not usable", timeout=20)
            return
        self._auto_layout = False
        await self._mount_layout(spec)
        self.notify(f"layout: {spec.name}", timeout=3)

    async def action_next_layout(self) -> None:
        names = list(layout_file.available())
        cur = self.layout_spec.name if self.layout_spec else ""
        await self.switch_layout(
            names[(names.index(cur) + 1) % len(names)] if cur in names else names[0]
        )

    def _follow_terminal(self) -> None:
        """An automatically picked layout follows the terminal across the compact
        breakpoint; a layout the responder chose stays put. (Checked each frame: App
        resize events stop at the App's own handler.)"""
        if not self._auto_layout or self.layout_spec is None or self._relayout:
            return
        want = self._auto_layout_name()
        if want != self.layout_spec.name:
            self._relayout = True

            async def relayout() -> None:
                try:
                    await self._mount_layout(self._load_or_shipped(want))
                finally:
                    self._relayout = False

            self.run_worker(relayout(), group="layout")

    def focused_pane(self) -> Pane | None:
        node = self.focused
        while node is not None and not isinstance(node, Pane):
            node = node.parent  # type: ignore[assignment]
        if node is None:
            panes = list(self._body.query(Pane))
            return panes[0] if panes else None
        return node

    def action_pane_resize(self, step: int) -> None:
        pane, spec = self.focused_pane(), self.layout_spec
        if pane is None or spec is None:
            return
        parent = spec.parent_of(pane.leaf.name)
        if parent is None:
            self.notify("this pane fills the screen: nothing to resize", timeout=3)
            return
        pane.leaf.size = pane.leaf.size.step(step)
        apply_size(pane, pane.leaf.size, parent.direction)
        self.layout_modified = True
        self._show_status()

    async def action_pane_swap(self) -> None:
        pane = self.focused_pane()
        if pane is None:
            return
        ids = layout_file.PANEL_IDS
        cur = pane.leaf.panel
        await self.show_panel(ids[(ids.index(cur) + 1) % len(ids)] if cur in ids else ids[0])

    async def show_panel(self, panel_id: str) -> None:
        pane = self.focused_pane()
        if pane is None:
            return
        pane.leaf.panel, pane.leaf.params = panel_id, {}
        await pane.replace(panel_id, {})
        self._collect_panels()
        self.layout_modified = True
        pane.focus()
        self._show_status()

    def action_layout_write(self) -> None:
        spec = self.layout_spec
        if spec is None:
            return

        def done(name: str | None) -> None:
            if not name:
                return
            try:
                path = layout_file.save(spec, name)
            except (LayoutError, OSError) as exc:
                self.notify(f"layout not saved: {exc}", severity="error")
                return
            spec.name, spec.path = name, path
            self.layout_modified = False
            self._show_status()
            self.notify(f"layout saved: {path}", timeout=6)

        self.push_screen(
            TextScreen(
                "Write the layout as (a name; shadows a shipped one)",
                value=spec.name,
                max_length=64,
            ),
            done,
        )
