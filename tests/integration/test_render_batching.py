"""New journal lines, alerts and chart points are drawn in batches; the engine's state
at the fixed rate.

Under overload the engine journals alerts and feed notes many times a second, and each
new timeline line repaints every visible row. These count panel draws tick by tick
(the render timer paused, the batch window set by hand): never a duration.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from tui.app.app import ConsoleApp
from tui.app.panels.alerts import AlertsPanel
from tui.app.panels.timeline import TimelinePanel
from tui.app.panels.venues import VenuesPanel
from tui.app.source import StaticSource

from support import console_model


async def test_journal_lines_are_batched_and_the_engines_state_is_not() -> None:
    app = ConsoleApp(StaticSource(console_model.build()), layout="default")
    async with app.run_test(size=(140, 45)) as pilot:
        await app.rendered()
        assert app.render_timer is not None
        app.render_timer.pause()  # tick by tick, from here
        app.RENDER_BUDGET_S = math.inf  # every due panel within one tick
        drawn: Counter[str] = Counter()
        real_update = app._update

        def update(panel: Any, model: Any) -> None:
            drawn[type(panel).__name__] += 1
            real_update(panel, model)

        app._update = update  # type: ignore[method-assign]
        timeline, alerts = app.query_one(TimelinePanel), app.query_one(AlertsPanel)
        venues = app.query_one(VenuesPanel)
        model = app.source.model
        for panel in (timeline, alerts):
            app._slow_next[panel] = math.inf  # as if just drawn: inside the batch window
        for _ in range(5):  # a burst: journal lines, alert changes and state, each tick
            model.dirty = {"journal", "alerts", "venues"}
            app._tick()
        assert drawn["VenuesPanel"] == 5  # the engine's state: every tick
        assert drawn["TimelinePanel"] == drawn["AlertsPanel"] == 0
        assert {timeline, alerts} <= app._held  # kept for their turn, not lost
        for panel in (timeline, alerts):
            app._slow_next[panel] = 0.0  # the window is over
        app._tick()  # nothing new this tick: what was held is drawn, once
        assert drawn["TimelinePanel"] == drawn["AlertsPanel"] == 1
        assert not app._held and venues not in app._stale
        # A selection move redraws every panel at once, batch window or not.
        app._slow_next[timeline] = math.inf
        await pilot.press("down")
        app._tick()
        assert drawn["TimelinePanel"] == 2
