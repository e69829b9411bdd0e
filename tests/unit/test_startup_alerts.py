"""An engine that has just started does not call its books unsynced for the machine's uptime.

Found in the demo: at every engine start, before the venues' connections had begun,
each instrument's unsynced time was counted from the monotonic clock's zero, and a
critical ``unsynced`` alert fired for every instrument, resolving two seconds later.
"""

from __future__ import annotations

from adapters.feed import Feed
from adapters.venue import VenueSettings
from adapters.venues.binance import BinanceSpot
from tui.engine.engine import Engine
from tui.engine.settings import EngineSettings

NS = 1_000_000_000
UPTIME = 47_850 * NS  # the machine had been up for hours


def _engine(now: list[int]) -> Engine:
    feed = Feed(BinanceSpot(VenueSettings(symbols=["BTCUSDT", "ETHUSDT"])))
    return Engine(EngineSettings(), {"binance": feed}, clock=lambda: now[0])


def _unsynced(engine: Engine) -> list[str]:
    return [a.instrument for a in engine.alerts.firing() if a.rule == "unsynced"]


def test_books_not_yet_connected_count_from_the_engine_start() -> None:
    now = [UPTIME]
    engine = _engine(now)
    now[0] += NS // 4
    engine.tick()
    assert _unsynced(engine) == []
    health = engine.instruments[("binance", "BTCUSDT")]
    assert health.unsynced_s == 0.25


def test_books_that_never_connect_are_still_reported() -> None:
    now = [UPTIME]
    engine = _engine(now)
    threshold = EngineSettings().detectors.unsynced_s
    for _ in range(int(threshold * 2) + 2):
        now[0] += NS // 2
        engine.tick()
    assert sorted(_unsynced(engine)) == ["BTC-USD", "ETH-USD"]  # canonical names
