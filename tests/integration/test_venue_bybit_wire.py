"""Bybit v5 ``orderbook``: documented frames, the ``u`` rule, categories, and the wire."""

from __future__ import annotations

import pytest

from adapters.instruments import InstrumentMap
from adapters.model import (
    ParseError,
)
from adapters.simulator.venues.bybit import BybitSim
from adapters.venues.bybit import Bybit

from support.fixtures import StartSim


async def test_linear_instance_is_named_for_its_section_and_keeps_fifty_levels(
    sim: StartSim,
) -> None:
    rig = await sim(["bybit-linear"])
    await rig.wait_for(rig.synced, what="initial sync")
    await rig.sim.step(400)
    await rig.settle()
    feed = rig.feeds["bybit-linear"]
    venue = feed.venue
    assert isinstance(venue, Bybit) and venue.category == "linear"
    assert venue.name == "bybit-linear" and venue.url.endswith("/v5/public/linear")
    named = {getattr(e, "venue", None) for e in rig.events}
    assert named == {"bybit-linear"}
    sim_book = rig.sim.book("bybit-linear", "BTCUSDT")
    assert len(sim_book.bids) > 50 and len(sim_book.asks) > 50
    for state in feed.instruments.values():
        assert len(state.book.bids) == 50 and len(state.book.asks) == 50
        assert state.updates >= 300 and state.gaps == 0 and state.resyncs == 0
    assert InstrumentMap().resolve("bybit-linear", "BTCUSDT", venue.canonical("BTCUSDT")) == (
        "BTC-USD-PERP",
        "perp",
    )


async def test_a_service_restart_resets_without_a_resync(sim: StartSim) -> None:
    rig = await sim(["bybit"])
    await rig.settle()
    st_ = rig.st("bybit", "BTCUSDT")
    assert st_.last_seq > 1_000_000
    bybit = rig.sim.venues["bybit"]
    assert isinstance(bybit, BybitSim)
    bybit.restart("BTCUSDT")
    await rig.wait_for(lambda: bool(rig.statuses("bybit", "reset")), what="reset notice")
    await rig.sim.step(40)
    await rig.settle()
    assert 1 < st_.last_seq <= 41 and st_.snapshots == 2
    assert st_.gaps == st_.resyncs == 0
    (ev,) = rig.statuses("bybit", "reset")
    assert ev.symbol == "BTCUSDT"


async def test_pings_are_answered_on_spot_and_linear(
    monkeypatch: pytest.MonkeyPatch, sim: StartSim
) -> None:
    monkeypatch.setattr(Bybit, "keepalive_interval_s", 0.05)
    rig = await sim(["bybit", "bybit-linear"])
    await rig.wait_for(rig.synced, what="initial sync")
    await rig.wait_for(lambda: all(f.heartbeats >= 3 for f in rig.feeds.values()), what="pongs")
    for name, feed in rig.feeds.items():
        assert feed.parse_errors == 0
        assert rig.statuses(name, "subscribed")


async def test_a_refused_subscription_is_reported_for_its_symbol(sim: StartSim) -> None:
    rig = await sim(["bybit"], symbols=["NOPEUSDT"])
    feed = rig.feeds["bybit"]
    await rig.wait_for(lambda: feed.parse_errors >= 1, what="refusal")
    (err,) = [e for e in rig.events if isinstance(e, ParseError)]
    assert err.symbol == "NOPEUSDT" and "Invalid symbol" in err.reason
    assert feed.instruments["NOPEUSDT"].parse_errors == 1
    assert not feed.instruments["NOPEUSDT"].synced
