"""The contract between the app and its panels.

A panel is a widget that renders part of the console model. The app owns the
model, the selection and the clock: at its fixed refresh rate it calls
``update_from(model, selection)`` on every *visible* panel whose ``AREAS``
intersect what changed since the last frame (``ConsoleModel.take_dirty()``),
and on selection changes. Panels never talk to the engine and never act on
what they display: actions go through the app, which sends commands that the
engine checks against its own model.

Live tables are one ``Static`` per row, rewriting only rows whose text
changed (a ``DataTable`` repaints every cell on any change: ~33 ms a frame at
20×10 on the reference machine). Charts rebuild at most twice a second, off
the UI thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from textual.widget import Widget

from tui.console.model import ConsoleModel


@dataclass
class Selection:
    """What the responder has selected; keys act on these (checked by the engine)."""

    venue: str | None = None
    instrument: str | None = None
    """A canonical instrument name (``BTC-USD``)."""
    route: str | None = None
    venues: list[str] = field(default_factory=list)
    """Venues in display order (what arrows and digits move through)."""
    instruments: list[str] = field(default_factory=list)
    digits: list[str] = field(default_factory=list)
    """Venues in the fixed order digits 1–9 select (never re-sorted by health)."""

    def digit(self, venue: str) -> str:
        """The digit that selects ``venue`` ("" beyond 9)."""
        try:
            n = self.digits.index(venue) + 1
        except ValueError:
            return ""
        return str(n) if n <= 9 else ""


class Panel(Widget):
    """Base class of panels. Subclasses set ``PANEL_ID``, ``TITLE`` and ``AREAS``."""

    PANEL_ID: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    AREAS: ClassVar[frozenset[str]] = frozenset()
    """Model areas this panel renders: venues, instruments, consensus, routes,
    breakers, alerts, journal, history."""

    SELECTS: ClassVar[Literal["", "venues", "instruments"]] = ""
    """The selection list whose order this panel defines: the arrows move the selected
    venue (or instrument) through :meth:`display_order` with the default parameters."""

    FOCUS_MARK: ClassVar[str] = "» "
    """Before the focused pane's title: focus is a glyph as well as a colour."""

    def __init__(self, params: dict[str, object] | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.params = dict(params or {})
        """Per-layout parameters (e.g. ``venues`` to show, a fixed ``instrument``)."""
        self._title = self.TITLE
        self._focus_marked = False
        self._squeezed = False
        self._notes: dict[str, str] = {}
        self.border_title = self.TITLE

    def set_title(self, title: str) -> None:
        """The pane's title (the focus mark is added in front when focused)."""
        if title != self._title:
            self._title = title
            self._show_title()

    def mark_focus(self, focused: bool) -> None:
        if focused != self._focus_marked:
            self._focus_marked = focused
            self.set_class(focused, "-focused-pane")
            self._show_title()

    def _show_title(self) -> None:
        title = (self.FOCUS_MARK if self._focus_marked else "") + self._title
        if self._squeezed:
            # Nothing but the top border fits: say so where it can be read.
            title += " — NO ROOM: all hidden (+ grows the pane, l switches layout)"
        self.border_title = title

    def mark_squeezed(self) -> None:
        """Called by the app each frame: a pane with no row of room says so."""
        squeezed = False
        if self.is_mounted:
            # What the screen shows of it: each container clips it (a pane pushed off
            # the bottom of the body shows only its top border, or nothing).
            region = self.region
            for node in self.ancestors:
                if isinstance(node, Widget):
                    region = region.intersection(node.region)
            squeezed = region.height <= 2 and self.region.height > 0
        if squeezed != self._squeezed:
            self._squeezed = squeezed
            self._show_title()

    def set_note(self, kind: str, text: str) -> None:
        """A note in the bottom border: ``hidden`` (what does not fit) or ``stale``."""
        if self._notes.get(kind, "") == text:
            return
        self._notes[kind] = text
        self.border_subtitle = " · ".join(t for t in self._notes.values() if t)

    @classmethod
    def display_order(cls, model: ConsoleModel, params: Mapping[str, object]) -> list[str]:
        """The names in the order this panel shows them with ``params`` (panels that
        set ``SELECTS`` say which)."""
        return []

    def hold(self, until: float) -> None:
        """Put off work that is not drawing (a chart built in a thread) until the
        ``time.monotonic()`` given: a key was just pressed, and its answer should
        not share the interpreter with it. Panels with no such work ignore it."""

    def update_from(self, model: ConsoleModel, selection: Selection) -> None:
        """Render from the model. Must be cheap when little changed."""
        raise NotImplementedError
