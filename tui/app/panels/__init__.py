"""The console's panels, by ``PANEL_ID``: what layouts name and the app places.

Each panel renders only the :class:`~tui.console.model.ConsoleModel` and the
:class:`~tui.app.panel.Selection` it is given (see :mod:`tui.app.panel`).
"""

from __future__ import annotations

from tui.app.panel import Panel
from tui.app.panels.alerts import AlertsPanel
from tui.app.panels.ladder import LadderPanel
from tui.app.panels.matrix import MatrixPanel
from tui.app.panels.routes import RoutesPanel
from tui.app.panels.spreads import SpreadsPanel
from tui.app.panels.timeline import TimelinePanel
from tui.app.panels.venues import VenuesPanel

PANELS: dict[str, type[Panel]] = {
    cls.PANEL_ID: cls
    for cls in (
        VenuesPanel,
        MatrixPanel,
        SpreadsPanel,
        LadderPanel,
        AlertsPanel,
        TimelinePanel,
        RoutesPanel,
    )
}

__all__ = [
    "PANELS",
    "AlertsPanel",
    "LadderPanel",
    "MatrixPanel",
    "RoutesPanel",
    "SpreadsPanel",
    "TimelinePanel",
    "VenuesPanel",
]
