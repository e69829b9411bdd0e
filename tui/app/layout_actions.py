"""The app's layout behaviour: pick, mount, switch, resize, swap and write layouts.

The widgets it builds are in :mod:`tui.app.layout_view`; the files it reads and
writes in :mod:`tui.app.layout_file`.
"""

from __future__ import annotations

from tui.app import layout_file
from tui.app.console_base import ConsoleBase
from tui.app.layout_file import Layout, LayoutError
from tui.app.layout_view import Pane, apply_size, build
from tui.app.panel import Panel
from tui.app.screens import TextScreen


class LayoutActions(ConsoleBase):
    """Which layout is on screen, and the keys that change or save it."""

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
        self._held = set()

    async def switch_layout(self, name: str) -> None:
        try:
            spec = layout_file.load(name)
        except LayoutError as exc:
            self.notify(str(exc), severity="error", title="Layout not usable", timeout=20)
            return
        self._auto_layout = False
        await self._mount_layout(spec)
        self.tell(f"layout: {spec.name}")

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
            self.tell("this pane fills the screen: nothing to resize")
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
                self.tell(f"layout not saved: {exc}", "error")
                return
            spec.name, spec.path = name, path
            self.layout_modified = False
            self._show_status()
            self.tell(f"layout saved: {path}")

        self.push_screen(
            TextScreen(
                "Write the layout as (a name; shadows a shipped one)",
                value=spec.name,
                max_length=64,
            ),
            done,
        )

    async def action_switch_layout(self, name: str) -> None:
        await self.switch_layout(name)

    async def action_show_panel(self, panel_id: str) -> None:
        await self.show_panel(panel_id)
