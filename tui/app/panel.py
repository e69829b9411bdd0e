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

from dataclasses import dataclass, field
from typing import ClassVar

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


class Panel(Widget):
    """Base class of panels. Subclasses set ``PANEL_ID``, ``TITLE`` and ``AREAS``."""

    PANEL_ID: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    AREAS: ClassVar[frozenset[str]] = frozenset()
    """Model areas this panel renders: venues, instruments, consensus, routes,
    breakers, alerts, journal, history."""

    def __init__(self, params: dict[str, object] | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.params = dict(params or {})
        """Per-layout parameters (e.g. ``venues`` to show, a fixed ``instrument``)."""
        self.border_title = self.TITLE

    def update_from(self, model: ConsoleModel, selection: Selection) -> None:
        """Render from the model. Must be cheap when little changed."""
        raise NotImplementedError
