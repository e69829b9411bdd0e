"""Coinbase Advanced Trade: documented messages, sides, and per-connection numbering."""

from __future__ import annotations

import msgspec
from websockets.asyncio.client import connect

from adapters.simulator.server import Simulator
from adapters.simulator.venues.coinbase import VENUES

from support.fixtures import StartSim


async def test_simulator_numbers_every_message_of_a_connection() -> None:
    sim = Simulator({"coinbase": VENUES["coinbase"]}, seed=5)
    async with sim, connect(sim.ws_url("coinbase")) as ws:
        await ws.send('{"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"level2"}')
        await ws.send('{"type":"subscribe","channel":"heartbeats"}')
        first = [msgspec.json.decode(await ws.recv()) for _ in range(4)]
        assert [(m["channel"], m["sequence_num"]) for m in first] == [
            ("l2_data", 0),
            ("l2_data", 1),
            ("subscriptions", 2),
            ("subscriptions", 3),
        ]
        snap = first[0]["events"][0]
        assert snap["type"] == "snapshot" and snap["product_id"] == "BTC-USD"
        assert {u["side"] for u in snap["updates"]} == {"bid", "offer"}
        assert first[3]["events"] == [
            {"subscriptions": {"level2": ["BTC-USD", "ETH-USD"], "heartbeats": ["heartbeats"]}}
        ]
        assert len(first[0]["timestamp"]) == len("2023-02-09T20:32:50.714964855Z")
        await sim.step(20)
        seen = 4
        heartbeat_seen = False
        while not heartbeat_seen:
            m = msgspec.json.decode(await ws.recv())
            assert m["sequence_num"] == seen
            seen += 1
            if m["channel"] == "heartbeats":
                heartbeat_seen = True
                (ev,) = m["events"]
                assert ev["heartbeat_counter"] == "1" and " +0000 UTC m=+" in ev["current_time"]
                continue
            for u in m["events"][0]["updates"]:
                assert u["side"] in ("bid", "offer")
                assert not u["price_level"].endswith("0") or "." not in u["price_level"]
                assert isinstance(u["new_quantity"], str)
        assert seen >= 4 + 40  # two products, an update each per step, then the heartbeat


async def test_simulator_gap_fault_skips_a_number_without_sending() -> None:
    sim = Simulator({"coinbase": VENUES["coinbase"]}, seed=5)
    async with sim, connect(sim.ws_url("coinbase")) as ws:
        await ws.send('{"type":"subscribe","product_ids":["SOL-USD"],"channel":"level2"}')
        assert msgspec.json.decode(await ws.recv())["sequence_num"] == 0  # snapshot
        assert msgspec.json.decode(await ws.recv())["sequence_num"] == 1  # ack
        sim.inject("coinbase", "gap", symbol="SOL-USD")
        await sim.step(2)
        after = msgspec.json.decode(await ws.recv())
        assert after["channel"] == "l2_data" and after["sequence_num"] == 3


async def test_end_to_end_gap_resyncs_all_books_and_heartbeats_flow(sim: StartSim) -> None:
    rig = await sim(["coinbase"])
    await rig.settle()
    feed = rig.feeds["coinbase"]
    await rig.wait_for(lambda: feed.heartbeats >= 1, what="a heartbeat")
    assert rig.statuses("coinbase", "subscribed")
    rig.sim.inject("coinbase", "gap", symbol="ETH-USD")
    await rig.sim.step(5)
    await rig.wait_for(
        lambda: all(s.resyncs >= 1 for s in feed.instruments.values()), what="all resynced"
    )
    await rig.sim.step(50)
    await rig.settle()
    conn_gaps = [e for e in rig.statuses("coinbase", "gap") if not e.symbol]
    assert len(conn_gaps) == 1
    assert "message(s) lost" in conn_gaps[0].reason
    assert all(s.gaps == 1 for s in feed.instruments.values())
