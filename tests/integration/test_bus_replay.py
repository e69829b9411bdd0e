"""Replay from JetStream: a time range exported to the capture format and replayed."""

from __future__ import annotations

import time
from pathlib import Path

import msgspec
import pytest

from adapters import capture
from adapters.simulator import Simulator
from adapters.simulator.catalogue import DEFAULT_VENUES
from tui.bus.collector import Collector
from tui.bus.export import export, parse_range
from tui.bus.natsd import NatsServer
from tui.cli.replay import headless
from tui.config import from_dict

from support.bus import Changes

pytestmark = pytest.mark.slow
VENUES = ["kraken", "bybit"]


async def test_a_range_exported_from_jetstream_replays_to_the_venues_books(
    natsd: NatsServer, tmp_path: Path
) -> None:
    sim = Simulator({v: DEFAULT_VENUES[v][:2] for v in VENUES}, seed=4)
    await sim.start()
    cfg = from_dict({"venues": {v: msgspec.to_builtins(sim.settings(v)) for v in VENUES}}, "t")
    collector = Collector(cfg, natsd.url, "tokyo")
    start = time.time_ns()
    await collector.start()
    try:
        sim.start_running(30)
        feeds = collector.feeds
        changes = Changes().feeds(feeds)
        await changes.until(
            lambda: all(
                st.synced and st.updates > 20
                for f in feeds.values()
                for st in f.instruments.values()
            ),
            15,
            "collector books synced and moving",
        )
        await sim.stop_running()
        await changes.until(lambda: not collector.queue, 5, "publish queue drained")
        await collector._nc.flush()
        end = time.time_ns()
    finally:
        await collector.stop()
    out = tmp_path / "range.ndjson.gz"
    url = f"{natsd.url}?start={start / 1e9:.6f}&end={end / 1e9:.6f}"
    stats = await export(parse_range(url), out)
    assert stats.lines > 0 and stats.gaps == 0 and stats.collectors == {"tokyo"}
    kinds = [line.event for _, line in capture.read(out)]
    assert kinds.count("connect") == len(VENUES)

    code, report = headless(str(out), None)
    assert code == 0 and report["complete"]
    for venue in VENUES:
        for sym, inst in report["venues"][venue]["instruments"].items():
            book = sim.book(venue, sym).as_floats()
            assert inst["gaps"] == 0
            # Stopped collectors disconnect, so the report gives the last top of book.
            assert inst["best_bid"] == max(book[0]) and inst["best_ask"] == min(book[1])
    await sim.stop()
