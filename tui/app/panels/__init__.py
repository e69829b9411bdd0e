"""The console's panels, by ``PANEL_ID``: what layouts name and the app places.

Each panel renders only the :class:`~tui.console.model.ConsoleModel` and the
:class:`~tui.app.panel.Selection` it is given (see :mod:`tui.app.panel`).

Each panel module is imported on its own (:func:`load`): one that fails to
import costs only its own pane, which shows the error in its place, instead of
taking every panel with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Final

from tui.app.panel import Panel

if TYPE_CHECKING:
    from tui.app.panels.alerts import AlertsPanel
    from tui.app.panels.ladder import LadderPanel
    from tui.app.panels.matrix import MatrixPanel
    from tui.app.panels.routes import RoutesPanel
    from tui.app.panels.spreads import SpreadsPanel
    from tui.app.panels.timeline import TimelinePanel
    from tui.app.panels.venues import VenuesPanel

SOURCES: Final[dict[str, tuple[str, str]]] = {
    "venues": ("tui.app.panels.venues", "VenuesPanel"),
    "matrix": ("tui.app.panels.matrix", "MatrixPanel"),
    "spreads": ("tui.app.panels.spreads", "SpreadsPanel"),
    "ladder": ("tui.app.panels.ladder", "LadderPanel"),
    "alerts": ("tui.app.panels.alerts", "AlertsPanel"),
    "timeline": ("tui.app.panels.timeline", "TimelinePanel"),
    "routes": ("tui.app.panels.routes", "RoutesPanel"),
}
"""Panel id -> (module, class name)."""


def load() -> tuple[dict[str, type[Panel]], dict[str, str]]:
    """(panel classes by id, one-line import error by id) for every panel in SOURCES."""
    panels: dict[str, type[Panel]] = {}
    errors: dict[str, str] = {}
    for pid, (module, name) in SOURCES.items():
        try:
            cls = getattr(importlib.import_module(module), name)
        except Exception as exc:  # any import failure: shown in the panel's own pane
            first = (str(exc).strip().splitlines() or [""])[0]
            errors[pid] = f"{type(exc).__name__}: {first}".rstrip(": ")
            continue
        if not (isinstance(cls, type) and issubclass(cls, Panel)):
            errors[pid] = f"{module}.{name} is not a Panel"
            continue
        panels[pid] = cls
    return panels, errors


def __getattr__(name: str) -> object:
    # PANELS and the classes by name, for code that wants them all (tests, docs):
    # loaded on first use, so importing the package never fails for one panel.
    if name == "PANELS":
        return load()[0]
    for module, cls in SOURCES.values():
        if cls == name:
            return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


PANELS: dict[str, type[Panel]]

__all__ = [
    "PANELS",
    "SOURCES",
    "AlertsPanel",
    "LadderPanel",
    "MatrixPanel",
    "RoutesPanel",
    "SpreadsPanel",
    "TimelinePanel",
    "VenuesPanel",
    "load",
]
