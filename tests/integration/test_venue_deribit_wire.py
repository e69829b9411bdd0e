"""Deribit: the documented JSON-RPC messages, the change_id rule, heartbeats, instruments."""

from __future__ import annotations

import asyncio

import msgspec
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from adapters.model import (
    ParseError,
)
from adapters.simulator import Simulator
from adapters.simulator.catalogue import DEFAULT_VENUES
from adapters.simulator.venues.deribit import DeribitSim

from support.fixtures import StartSim

TEST_REQUEST = '{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}'
PERP = "BTC-PERPETUAL"


async def test_simulator_speaks_the_documented_wire_format() -> None:
    spec = {"deribit": DEFAULT_VENUES["deribit"]}
    async with Simulator(spec, seed=5) as sim:
        url = sim.ws_url("deribit") + "/ws/api/v2"
        option = next(s for s in sim.venues["deribit"].books if s.endswith("-C"))
        async with connect(url) as ws:
            channels = [f"book.{PERP}.100ms", f"book.{option}.100ms", "book.NOPE.100ms"]
            sub = {
                "jsonrpc": "2.0",
                "id": 42,
                "method": "public/subscribe",
                "params": {"channels": channels},
            }
            await ws.send(msgspec.json.encode(sub))
            ack = msgspec.json.decode(await ws.recv())
            # The unknown instrument is left out of the result, as Deribit does.
            assert ack["id"] == 42 and ack["result"] == channels[:2] and ack["testnet"] is False
            snaps = [msgspec.json.decode(await ws.recv()) for _ in range(2)]
            assert {s["params"]["data"]["type"] for s in snaps} == {"snapshot"}
            assert all("prev_change_id" not in s["params"]["data"] for s in snaps)
            last = {
                s["params"]["data"]["instrument_name"]: s["params"]["data"]["change_id"]
                for s in snaps
            }
            await sim.step(40)
            steps: list[int] = []
            actions: set[str] = set()
            for _ in range(80):
                m = msgspec.json.decode(await ws.recv())
                d = m["params"]["data"]
                assert m["method"] == "subscription" and d["type"] == "change"
                assert m["params"]["channel"] == f"book.{d['instrument_name']}.100ms"
                assert d["prev_change_id"] == last[d["instrument_name"]]
                steps.append(d["change_id"] - d["prev_change_id"])
                last[d["instrument_name"]] = d["change_id"]
                for action, price, amount in d["bids"] + d["asks"]:
                    actions.add(action)
                    assert isinstance(price, float) and isinstance(amount, float)
                    if action == "delete":
                        assert amount == 0.0
                    elif d["instrument_name"] == PERP:
                        assert amount % 10 == 0 and price % 0.5 == 0  # 10-USD contracts, 0.5 tick
            assert actions == {"new", "change", "delete"}
            assert min(steps) >= 1 and len(set(steps)) > 1  # uneven, increasing
            # Raw books need an authenticated connection.
            raw = {
                "jsonrpc": "2.0",
                "id": 7,
                "method": "public/subscribe",
                "params": {"channels": [f"book.{PERP}.raw"]},
            }
            await ws.send(msgspec.json.encode(raw))
            while True:
                m = msgspec.json.decode(await ws.recv())
                if m.get("id") == 7:
                    break
            assert m["error"] == {
                "message": "raw_subscriptions_not_available_for_unauthorized",
                "code": 13778,
            }


async def test_unanswered_test_request_closes_the_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(DeribitSim, "min_heartbeat_s", 1)
    async with Simulator({"deribit": DEFAULT_VENUES["deribit"]}) as sim:
        async with connect(sim.ws_url("deribit") + "/ws/api/v2") as ws:
            hb = {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "public/set_heartbeat",
                "params": {"interval": 1},
            }
            await ws.send(msgspec.json.encode(hb))
            assert msgspec.json.decode(await ws.recv())["result"] == "ok"
            async with asyncio.timeout(10):
                assert msgspec.json.decode(await ws.recv()) == msgspec.json.decode(TEST_REQUEST)
                with pytest.raises(ConnectionClosed) as closed:
                    await ws.recv()  # never answered: the venue hangs up
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.reason == "heartbeat test_request not answered"
        assert sim.venues["deribit"].closed_for_heartbeat == 1  # type: ignore[attr-defined]


async def test_adapter_answers_test_requests_and_stays_connected(
    monkeypatch: pytest.MonkeyPatch,
    sim: StartSim,
) -> None:
    monkeypatch.setattr(DeribitSim, "min_heartbeat_s", 1)
    rig = await sim(["deribit"], options={"heartbeat_interval": "1"})
    sim_venue = rig.sim.venues["deribit"]
    assert isinstance(sim_venue, DeribitSim)
    await rig.wait_for(rig.synced, what="initial sync")
    await rig.wait_for(lambda: sim_venue.tests_answered >= 3, what="three public/test answers")
    feed = rig.feeds["deribit"]
    assert sim_venue.closed_for_heartbeat == 0
    assert feed.connects == 1 and feed.disconnects == 0 and feed.parse_errors == 0
    await rig.sim.step(100)
    await rig.settle()


async def test_refused_heartbeat_interval_and_unknown_instrument_are_reported(
    sim: StartSim,
) -> None:
    # Deribit refuses intervals below 10 s; the simulator holds to that by default.
    symbols = [PERP, "ETH-PERPETUAL"]
    rig = await sim(["deribit"], symbols=symbols, options={"heartbeat_interval": "5"})

    def errors() -> list[ParseError]:
        return [e for e in rig.events if isinstance(e, ParseError)]

    await rig.wait_for(lambda: len(errors()) >= 2, what="two refusals")
    hb, refused = sorted(errors(), key=lambda e: e.symbol)
    assert "-32602" in hb.reason and "public/set_heartbeat" in hb.reason
    assert refused.symbol == "ETH-PERPETUAL" and "subscription refused" in refused.reason
    await rig.wait_for(lambda: rig.st("deribit", PERP).synced, what="BTC-PERPETUAL synced")
    assert [e.symbol for e in rig.statuses("deribit", "subscribed")] == [PERP]
