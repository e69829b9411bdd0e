"""Drawing the panels: a fixed-rate tick draws what changed since the last one.

Rendering is pull, not push: frames from the engine only mark areas of the
model dirty; a timer at ``fps`` (10 Hz by default) takes the dirty set and
updates the visible panels whose ``AREAS`` intersect it — plus every visible
panel when the selection moves. A burst of a hundred frames costs one repaint.
A tick draws panels only within a time budget; the rest take their turn next
tick, so a key is never queued behind a whole screen's redraw.
A panel that was hidden when its area changed is remembered as stale and
updated the moment it is visible again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection, Sequence
from typing import Final, TypeVar

from textual.screen import ModalScreen

from tui.app.console_base import ConsoleBase
from tui.app.panel import Panel
from tui.app.panels import marks
from tui.console.model import ConsoleModel

STATE_AREAS: Final = frozenset({"venues", "instruments", "consensus", "routes", "breakers"})
"""Model areas an engine state update changes (what a command's effect shows in)."""


P = TypeVar("P")

UNDER_DIALOG_S: Final = 1.0
"""While a dialog is open, the panels below are redrawn this often."""

SLOW_S: Final = 0.5
"""A panel whose new data is not the engine's state (journal lines, alerts, chart
points: areas outside :data:`STATE_AREAS`) is redrawn for it at most this often.

Under overload the engine journals book-lagging alerts and feed notes many times a
second; each new timeline line shifts every visible row, and Textual repaints each
of them. Drawn at the fixed rate, those repaints were most of the console's loop
time while a key waited its turn (py-spy, 2x load). Batched, a burst of lines is one
repaint; the engine's state (where a command's effect shows) keeps the fixed rate,
and a selection move still redraws every panel at once."""


def draw_order(
    panels: Sequence[P], due: Collection[P], turn: int, first: Callable[[P], bool]
) -> list[P]:
    """The panels in ``due``, in the order a tick draws them: those ``first`` picks,
    then the rest, each group in turn from ``panels[turn]`` on (wrapping), so a panel
    passed over this tick is ahead of the ones drawn."""
    n = len(panels)
    start = turn % n if n else 0
    order = sorted((p for p in due), key=lambda p: (panels.index(p) - start) % n)
    order.sort(key=lambda p: not first(p))  # stable: the turns are kept in each group
    return order


class Rendering(ConsoleBase):
    """The render tick, stale-data marking, and the waits tests and snapshots use."""

    RENDER_BUDGET_S: float = 0.012
    """Panel drawing one tick may do before the rest wait for the next (at least one
    panel a tick). On a quiet machine every changed panel fits; under load a redraw
    is spread over a few ticks, so a key never waits behind all of it."""

    def _tick(self) -> None:
        """One frame: dirty areas → visible panels; selection change → all visible panels."""
        if not self.screen_stack:  # the app is closing: a timer tick outlived the last screen
            return
        if isinstance(self.screen, ModalScreen) and time.monotonic() < self._under_dialog_next:
            # A dialog is open: the panels below are redrawn once a second, not at the
            # fixed rate. Each redraw under a dialog repaints the whole terminal, and the
            # key that answers the dialog waits behind those repaints. The status bar
            # (the link's state) stays live; what changed is drawn when the time comes.
            self._show_status()
            self._frame.set()
            return
        self._under_dialog_next = time.monotonic() + UNDER_DIALOG_S
        model = self.source.model
        dirty = model.take_dirty()
        if self._sync_selection(model):
            self._stale.update(self._panels)
        self._mark_staleness(model)
        # Under a dialog the focus is the dialog's: the pane mark stays where it was
        # (moving it there and back would restyle two panes, rows and all).
        under_dialog = isinstance(self.screen, ModalScreen)
        focused = None if under_dialog else self.focused_pane()
        for panel in self._panels:
            if not under_dialog:
                panel.mark_focus(focused is not None and panel.parent is focused)
            panel.mark_squeezed()
        self._batch(dirty)
        self._draw_some(model)
        self._show_status()
        self._follow_terminal()
        self.ticks += 1
        self._frame.set()

    def _batch(self, dirty: set[str]) -> None:
        """Panels whose areas changed become due: at once for the engine's state, else
        held until :data:`SLOW_S` after they last drew (what changed is kept meanwhile:
        a panel draws from the whole model, so one draw takes in every line held)."""
        now = time.monotonic()
        for panel in self._panels:
            hit = panel.AREAS & dirty
            if not hit:
                continue
            if hit & STATE_AREAS or now >= self._slow_next.get(panel, 0.0):
                self._stale.add(panel)
            else:
                self._held.add(panel)
        ready = {p for p in self._held if now >= self._slow_next.get(p, 0.0)}
        self._held -= ready
        self._stale |= ready

    def _draw_some(self, model: ConsoleModel) -> None:
        """Draw the panels waiting for it, within :data:`RENDER_BUDGET_S`, and leave the
        rest for the next tick.

        A key waits for whatever the loop is doing when it lands: a tick that redraws
        every panel, and the repaint of all they changed, is one long stretch. Cut
        into slices, a key is handled between two of them. At least one panel is drawn
        a tick; they take turns (the one after the last drawn goes first), so none
        waits more than a few ticks. For a moment after a key, panels showing the
        engine's state go first: the command's effect shows there."""
        visible = {p for p in self._panels if p in self._stale and p.display and p.is_on_screen}
        urgent = time.monotonic() < self._urgent_until
        order = draw_order(
            self._panels, visible, self._turn, lambda p: urgent and bool(p.AREAS & STATE_AREAS)
        )
        began = time.perf_counter()
        for i, panel in enumerate(order):
            if i and time.perf_counter() - began >= self.RENDER_BUDGET_S:
                break  # the rest stay in _stale: next tick
            self._stale.discard(panel)
            self._held.discard(panel)  # drawn from the latest model: nothing left held
            self._slow_next[panel] = time.monotonic() + SLOW_S
            self._update(panel, model)
            self._turn = self._panels.index(panel) + 1

    def _mark_staleness(self, model: ConsoleModel) -> None:
        """Stale data is redrawn as stale once a second (ages count up), and every
        pane says how old its figures are, even when no frame marks it dirty."""
        st = model.staleness()
        # Keyed by the panel list too: a new layout's panels need the note as well.
        seen = (id(self._panels), st.reason, int(st.age_s)) if st else (id(self._panels), "", 0)
        if seen == self._stale_seen:
            return
        self._stale_seen = seen
        note = f"? STALE · data {marks.duration(st.age_s)} old" if st else ""
        for panel in self._panels:
            panel.set_note("stale", note)
            panel.set_class(st is not None, "-stale")
        self._stale.update(self._panels)

    def _update(self, panel: Panel, model: ConsoleModel) -> None:
        try:
            panel.update_from(model, self.selection)
        except Exception as exc:  # one broken panel must not take the console down
            msg = f"panel {panel.PANEL_ID or type(panel).__name__}: {type(exc).__name__}: {exc}"
            if msg not in self.panel_errors:
                self.panel_errors.append(msg)
                self.log.error(msg)
                self.notify(msg, severity="error", title="Panel error", timeout=15)

    async def frame(self, timeout: float = 10.0) -> None:
        """Wait for the next render tick (tests re-check their conditions on each)."""
        self._frame.clear()
        await asyncio.wait_for(self._frame.wait(), timeout)

    async def rendered(self, timeout: float = 10.0) -> None:
        """Wait until every panel has drawn the current model (tests, snapshots)."""
        deadline = time.monotonic() + timeout
        while self.ticks == 0 or self._stale or self._held:
            left = deadline - time.monotonic()
            if left <= 0:
                waiting = self._stale | self._held
                raise TimeoutError(f"panels still stale: {[type(p).__name__ for p in waiting]}")
            self._frame.clear()
            try:
                await asyncio.wait_for(self._frame.wait(), left)
            except TimeoutError:
                pass

    def _on_source_change(self) -> None:
        self._show_status()
        self.refresh_bindings()  # replay keys appear once the engine says it is one

    def _on_frame(self) -> None:
        # Set by a key press (see Commanding.send): for a moment, a frame that changes
        # the engine's state is drawn as it lands, so a command's effect shows without
        # waiting for the next tick. Only state: journal lines, feed notes and alert
        # changes wait for the tick — under load they come many a second, and drawing
        # each would keep the loop busy exactly while the next key waits its turn.
        if time.monotonic() < self._urgent_until and self.source.model.dirty & STATE_AREAS:
            self._tick()
