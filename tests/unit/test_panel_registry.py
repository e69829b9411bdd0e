"""Panels: each hosted in a small app, fed the fixture model (and one a real engine's).

Assertions read what the panel put in its rows (the ``Content`` each row
``Static`` shows) and count row writes, so they check behaviour — what a
responder sees and how much repainting a change costs — not pixels.
"""

from __future__ import annotations

from tui.app.panel import Panel
from tui.app.panels import PANELS, chart


def test_registry_holds_every_panel_once_by_its_id() -> None:
    assert set(PANELS) == {"venues", "matrix", "spreads", "ladder", "alerts", "timeline", "routes"}
    areas = {"venues", "instruments", "consensus", "routes", "breakers", "alerts", "journal"}
    areas.add("history")
    ids = [cls.PANEL_ID for cls in PANELS.values()]
    assert len(ids) == len(set(ids))
    for pid, cls in PANELS.items():
        assert issubclass(cls, Panel)
        assert pid == cls.PANEL_ID
        assert cls.TITLE and cls.AREAS and areas >= cls.AREAS, pid


def test_downsample_keeps_spikes() -> None:
    pts = [(float(i), 1.0) for i in range(1000)]
    pts[501] = (501.0, 50.0)
    out = chart.downsample(pts, 100)
    assert len(out) <= 100 and max(y for _, y in out) == 50.0
