"""Two collectors on the simulator, one engine over a real nats-server -js."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from adapters.model import Event, FeedStatus
from adapters.simulator import Simulator
from adapters.simulator.catalogue import DEFAULT_VENUES
from tui.bus.natsd import NatsServer
from tui.bus.source import NatsSource
from tui.console.client import ConsoleClient

from support.bus import Changes, CollectorProcess, exact, start_engine, write_config

pytestmark = pytest.mark.slow

A = ["binance", "kraken"]
B = ["okx", "coinbase"]


async def test_books_exact_through_nats_and_a_killed_collector_is_a_gap_then_resynced(
    natsd: NatsServer, tmp_path: Path
) -> None:
    sim = Simulator({v: DEFAULT_VENUES[v][:2] for v in A + B}, seed=5)
    await sim.start()
    c1 = CollectorProcess(write_config(sim, A, tmp_path / "a.toml"), natsd.url, "tokyo")
    c2 = CollectorProcess(write_config(sim, B, tmp_path / "b.toml"), natsd.url, "london")
    service = None
    try:
        await c1.start()
        await c2.start()
        service = await start_engine(natsd.url, tmp_path)
        changes = Changes().engine(service)
        feeds = service.feeds
        events: list[Event] = []
        source = service.source
        assert isinstance(source, NatsSource)
        original = source.mirror.emit
        assert original is not None

        def spy(ev: Event) -> None:
            events.append(ev)
            changes.poke()
            original(ev)

        source.bind(spy)
        for f in feeds.values():
            f.emit = spy

        sim.start_running(20)
        # The new engine asked every collector to resync: wait for that rebuild.
        await changes.until(
            lambda: set(A + B) <= set(feeds) and all(feeds[v].connects >= 2 for v in A + B),
            15,
            "all four venues, resynced for this engine",
        )
        await sim.stop_running()
        await changes.until(lambda: exact(sim, feeds, A + B), 15, "exact books through NATS")

        # A console attached over the console protocol sees both collectors'
        # venues and its command acts on the engine, journalled, as on one machine.
        console = ConsoleClient(service.server.url, "test-token", user="ops")
        await console.connect()
        changes.client(console)
        reader = asyncio.get_running_loop().create_task(console.run())
        await changes.until(
            lambda: set(A + B) <= set(console.model.venues), 10, "venues on console"
        )
        outcome = await console.command("isolate", reason="drill", venue="okx")
        assert outcome.ok and outcome.seq > 0
        assert "okx" in service.engine.facts.isolated
        await console.close()
        reader.cancel()

        # A collector dies (kill -9): its books must not stay "synced".
        await c1.kill()
        sim.start_running(20)
        await changes.until(
            lambda: all(not st.synced for v in A for st in feeds[v].instruments.values()),
            10,
            "the killed collector's books discarded",
        )
        gaps = [e for e in events if isinstance(e, FeedStatus) and e.status == "gap"]
        assert {g.venue for g in gaps} == set(A)
        assert all("tokyo" in g.reason for g in gaps)
        # The other collector's books are untouched.
        assert all(st.synced for v in B for st in feeds[v].instruments.values())
        await changes.until(
            lambda: (
                {a.venue for a in service.engine.alerts.firing() if a.rule == "disconnected"}
                >= set(A)
            ),
            10,
            "disconnected alerts for the collector's venues",
        )

        # It comes back: a new run, books rebuilt from fresh snapshots.
        await c1.start()
        await changes.until(
            lambda: all(st.synced for v in A for st in feeds[v].instruments.values()),
            15,
            "books resynced after the collector's restart",
        )
        await sim.stop_running()
        await changes.until(lambda: exact(sim, feeds, A + B), 15, "exact books after the restart")
        mirror = service.source.mirror  # type: ignore[union-attr]
        assert mirror.collectors["tokyo"].gaps >= 1
        assert mirror.collectors["london"].gaps == 0
    finally:
        if service is not None:
            await service.stop()
        await c1.terminate()
        await c2.terminate()
        await sim.stop()


async def test_a_restarted_engine_resumes_its_durable_consumer_and_resyncs_explicitly(
    natsd: NatsServer, tmp_path: Path
) -> None:
    sim = Simulator({v: DEFAULT_VENUES[v][:2] for v in A}, seed=9)
    await sim.start()
    c1 = CollectorProcess(write_config(sim, A, tmp_path / "a.toml"), natsd.url, "tokyo")
    service = None
    try:
        await c1.start()
        service = await start_engine(natsd.url, tmp_path, durable="desk-1")
        changes = Changes().engine(service)
        sim.start_running(20)
        await changes.until(lambda: all_synced(sim, service), 15, "first engine synced")
        await service.stop()
        seen = service.source.mirror.collectors["tokyo"].last_seq  # type: ignore[union-attr]

        # Frames keep arriving while no engine runs; a new engine, same durable.
        service = await start_engine(natsd.url, tmp_path, durable="desk-1")
        changes = Changes().engine(service)
        source = service.source
        assert source is not None
        await asyncio.wait_for(source.caught_up.wait(), 15)  # type: ignore[attr-defined]
        mirror = source.mirror  # type: ignore[attr-defined]
        # It resumed after what it had acknowledged, not from the stream's start,
        # and from there on no message of the collector was missing.
        tokyo = mirror.collectors["tokyo"]
        assert 1 < tokyo.first_seq <= seen + 1  # at most an unacknowledged batch again
        assert tokyo.gaps == 0
        assert source.resync_requests >= 1  # type: ignore[attr-defined]
        await sim.stop_running()
        await changes.until(lambda: exact(sim, service.feeds, A), 15, "books rebuilt after restart")
    finally:
        if service is not None:
            await service.stop()
        await c1.terminate()
        await sim.stop()


def all_synced(sim: Simulator, service: object) -> bool:
    feeds = service.feeds  # type: ignore[attr-defined]
    return all(st.synced for v in A if v in feeds for st in feeds[v].instruments.values()) and set(
        A
    ) <= set(feeds)
