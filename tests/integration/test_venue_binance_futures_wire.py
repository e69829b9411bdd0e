"""Binance USDⓈ-M futures: the documented messages, the ``pu`` chain, and the simulator."""

from __future__ import annotations

import msgspec
from websockets.asyncio.client import connect

from adapters.model import (
    BookDelta,
)
from adapters.simulator.catalogue import DEFAULT_VENUES
from adapters.simulator.server import Simulator
from adapters.venue import APPLY, GAP, VenueSettings
from adapters.venues.binance import BinanceSpot

from support.fixtures import StartSim

VENUE = "binance-futures"


async def _subscriptions(base: str, path: str) -> list[str]:
    async with connect(base + path) as ws:
        await ws.send('{"method":"LIST_SUBSCRIPTIONS","id":3}')
        reply = msgspec.json.decode(await ws.recv())
    assert reply["id"] == 3
    result: list[str] = reply["result"]
    return result


async def test_depth_rides_on_public_and_never_on_market() -> None:
    async with Simulator({VENUE: DEFAULT_VENUES[VENUE]}) as sim:
        base = sim.ws_url(VENUE)
        both = ["btcusdt@depth@100ms", "ethusdt@depth@100ms"]
        query = "/stream?streams=btcusdt@depth@100ms/ethusdt@depth@100ms"
        assert await _subscriptions(base, "/public" + query) == both
        assert await _subscriptions(base, "/public/ws/btcusdt@depth") == both[:1]
        # Binance: an un-routed connection still gets /public streams.
        assert await _subscriptions(base, query) == both
        # /market accepts the connection and the subscription, and stays silent.
        assert await _subscriptions(base, "/market" + query) == []
        async with connect(base + "/market/ws") as ws:
            await ws.send('{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms"],"id":1}')
            assert msgspec.json.decode(await ws.recv()) == {"result": None, "id": 1}
            await ws.send('{"method":"LIST_SUBSCRIPTIONS","id":2}')
            assert msgspec.json.decode(await ws.recv()) == {"result": [], "id": 2}


async def test_live_stream_has_id_gaps_that_only_the_pu_rule_bridges(sim: StartSim) -> None:
    rig = await sim([VENUE])
    feed = rig.feeds[VENUE]
    seen: list[tuple[int, bool, BookDelta, int]] = []
    rule = feed.sequence

    def recording(last_seq: int, fresh: bool, delta: BookDelta) -> int:
        verdict = rule(last_seq, fresh, delta)
        seen.append((last_seq, fresh, delta, verdict))
        return verdict

    feed.sequence = recording
    await rig.wait_for(rig.synced, what="initial sync")
    await rig.sim.step(300)
    await rig.settle()
    spot = BinanceSpot(VenueSettings(symbols=["BTCUSDT"]))
    chained = [(last, d) for last, fresh, d, v in seen if v == APPLY and not fresh]
    assert len(chained) >= 400
    assert all(d.prev_seq == last for last, d in chained)
    # On this wire, U is rarely the previous u + 1: the spot rule would
    # declare gaps where there are none.
    jumps = [d for last, d in chained if d.first_seq != last + 1]
    assert len(jumps) >= len(chained) // 2
    assert all(spot.sequence(d.prev_seq, False, d) == GAP for d in jumps)
    for st_ in feed.instruments.values():
        assert st_.gaps == st_.resyncs == 0 and st_.updates >= 250
