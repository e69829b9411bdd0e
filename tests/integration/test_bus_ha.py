"""Engine HA over NATS: kill the active engine, the standby takes over with the same state."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import msgspec
import pytest

from adapters.simulator import Simulator
from adapters.simulator.catalogue import DEFAULT_VENUES
from tui.bus.collector import Collector
from tui.bus.ha import active_console
from tui.bus.natsd import NatsServer
from tui.config import from_dict
from tui.console.client import ConsoleClient
from tui.control import journal

from support.bus import Changes, HAEngine

pytestmark = pytest.mark.slow
VENUES = ["kraken", "bybit"]
TOKEN = "ha-test-token"


async def attach(url: str) -> tuple[ConsoleClient, asyncio.Task[None]]:
    client = ConsoleClient(url, TOKEN, user="ops")
    await client.connect()
    return client, asyncio.get_running_loop().create_task(client.run())


async def test_killing_the_active_engine_hands_over_in_5s_with_the_same_control_state(
    natsd: NatsServer, tmp_path: Path
) -> None:
    sim = Simulator({v: DEFAULT_VENUES[v][:1] for v in VENUES}, seed=2)
    await sim.start()
    sim.start_running(10)
    cfg = from_dict({"venues": {v: msgspec.to_builtins(sim.settings(v)) for v in VENUES}}, "t")
    collector = Collector(cfg, natsd.url, "tokyo")
    await collector.start()
    a = HAEngine(natsd.url, "a", tmp_path / "a.jsonl", TOKEN)
    b = HAEngine(natsd.url, "b", tmp_path / "b.jsonl", TOKEN)
    clients: list[tuple[ConsoleClient, asyncio.Task[None]]] = []
    changes = Changes()
    try:
        assert (await a.start())["event"] == "standby"
        ready_a = await a.line(15)
        assert ready_a["role"] == "active" and ready_a["engine"] == "a"
        assert (await b.start())["event"] == "standby"
        assert await active_console(natsd.url) == ready_a["console"]

        ca, ta = await attach(ready_a["console"])
        changes.client(ca)
        clients.append((ca, ta))
        await changes.until(lambda: set(VENUES) <= set(ca.model.venues), 15, "venues on engine a")
        bybit_inst = next(r.instrument for k, r in ca.model.instruments.items() if k[0] == "bybit")
        acked = [
            await ca.command("isolate", reason="drill", venue="kraken"),
            await ca.command("halt", reason="drill", instrument=bybit_inst, venue="bybit"),
            await ca.command("note", text="handing over soon"),
        ]
        assert all(o.ok for o in acked), acked

        # kill -9 the active engine: the standby must hold the lease within 5 s.
        killed = time.monotonic()
        await a.kill()
        ready_b = await b.line(10)
        took = time.monotonic() - killed
        assert ready_b["role"] == "active" and ready_b["engine"] == "b"
        assert took < 5.0, f"takeover took {took:.1f}s"
        assert await active_console(natsd.url) == ready_b["console"]

        cb, tb = await attach(ready_b["console"])
        changes.client(cb)
        clients.append((cb, tb))
        await changes.until(
            lambda: "kraken" in cb.model.venues and cb.model.venues["kraken"].state == "ISOLATED",
            10,
            "the isolation survives the takeover",
        )
        await changes.until(
            lambda: any(r.halted for k, r in cb.model.instruments.items() if k[0] == "bybit"),
            10,
            "the halt survives the takeover",
        )
        # No acknowledged command lost: every acked entry is in b's own file,
        # with the same hash, and b's file verifies as one chain.
        mine = {e.seq: e for e in journal.read(tmp_path / "b.jsonl").entries}
        theirs = {e.seq: e for e in journal.read(tmp_path / "a.jsonl").entries}
        for o in acked:
            assert mine[o.seq].hash == theirs[o.seq].hash
        assert journal.verify(tmp_path / "b.jsonl").status == "ok"
        takeovers = [e for e in mine.values() if e.fields.get("event") == "takeover"]
        assert takeovers and takeovers[-1].fields["previous"] == "a"
        assert any(e.fields.get("event") == "control state recovered" for e in mine.values())
    finally:
        for client, task in clients:
            await client.close()
            task.cancel()
        await a.terminate()
        await b.terminate()
        await collector.stop()
        await sim.stop()
