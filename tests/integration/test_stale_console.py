"""A console whose engine dies or stops publishing never shows a venue as LIVE.

A real engine service on loopback, a real console (Textual Pilot) attached to
it; then the engine is taken away (its console server stops: the link drops)
or its publisher stalls (the socket stays open, no frame comes). Within the
staleness threshold every venue row reads ``? STALE``, ages count up, and an
action says why it was not sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tui.app.app import ConsoleApp
from tui.app.panels.venues import VenuesPanel
from tui.app.source import LiveSource
from tui.console.model import STALE_AFTER_S

from support.engine_rig import TOKEN
from support.fixtures import StartEngine

VENUES = ["binance", "coinbase", "kraken"]
CALM: dict[str, Any] = {"detectors": {"latency_p99_ms": {"warn": 1e9}}}
"""A loaded test box must not make the venues DEGRADED before the engine is taken away."""
SLACK_S = 1.5
"""A render tick and a status change on a loaded two-core machine."""


async def until(app: ConsoleApp, cond: Callable[[], Any], what: str, timeout: float) -> float:
    start = time.monotonic()
    while not cond():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await app.frame()
    return time.monotonic() - start


def venue_rows(app: ConsoleApp) -> list[str]:
    panel = app.query_one(VenuesPanel)
    return [panel.rows[k].shown.plain for k in panel.order_shown]


def live_rows(app: ConsoleApp) -> int:
    return sum("? STALE" not in r and "LIVE" in r for r in venue_rows(app))


def no_live(app: ConsoleApp) -> bool:
    rows = venue_rows(app)
    return len(rows) == len(VENUES) and all("LIVE" not in r and "? STALE" in r for r in rows)


async def test_killed_engine_no_row_shows_live_within_the_threshold(engine: StartEngine) -> None:
    rig = await engine(VENUES, engine=CALM)
    await rig.healthy()
    source = LiveSource(rig.service.server.url, TOKEN, "alice", backoff_first_s=5.0)
    app = ConsoleApp(source, layout="default")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(app, lambda: live_rows(app) == 3, "three live rows", 30)
        await rig.service.server.stop()  # the engine is gone: its sockets close
        for c in list(rig.service.server.clients):
            await c.ws.close(1001, "engine killed")
        took = await until(app, lambda: no_live(app), "no LIVE row", STALE_AFTER_S + SLACK_S)
        assert took <= STALE_AFTER_S + SLACK_S
        assert "-stale" in app.query_one(VenuesPanel).classes
        first = venue_rows(app)
        # Ages count up while the data is stale.
        await until(app, lambda: venue_rows(app) != first, "the ages to move", 3.0)
        await pilot.press("i")
        await until(app, lambda: app.outcomes, "the outcome of i", 5.0)
        sev, msg = app.outcomes[-1]
        assert sev == "error" and "NOT SENT" in msg and "old" in msg


async def test_stalled_publisher_turns_every_row_stale(engine: StartEngine) -> None:
    rig = await engine(VENUES, engine=CALM)
    await rig.healthy()
    source = LiveSource(rig.service.server.url, TOKEN, "alice")
    app = ConsoleApp(source, layout="default")
    async with app.run_test(size=(120, 40)):
        await until(app, lambda: live_rows(app) == 3, "three live rows", 30)
        rig.service.scheduler.pause()  # the socket stays open; no frame comes
        try:
            await until(app, lambda: no_live(app), "no LIVE row", STALE_AFTER_S + SLACK_S)
            conn = app.status_bar.segment("conn")
            assert conn.startswith("STALE: no frame from the engine")
            assert source.state == "attached"
        finally:
            rig.service.scheduler.resume()
        await until(app, lambda: not no_live(app), "live again", 10)
