"""``bench --nats``: frames/s from N collectors through NATS JetStream into one engine.

A local ``nats-server -js`` (temporary store) sits between N pusher processes
(:mod:`tui.bench.bus_pusher`, each one Binance connection of ~5-level diffs,
what ``venuewatch collect`` publishes) and this process, which runs the
engine's NATS source exactly as ``serve --source`` does: a durable pull
consumer, the Mirror (sequence checks, clock mapping) and the feeds, with the
Engine ticking at 4 Hz. Rate and engine CPU are taken over the window from the
first to the last frame; books are compared with what each pusher says a
correct client holds. The in-process figure (the same frames straight into a
Feed) is measured beside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any

from tui.bench.frames import CASES, Capture


def _cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def in_process(n: int, seed: int) -> float:
    from adapters.feed import Feed
    from tui.bench.frames import adapter_for

    cap = Capture.for_case(next(c for c in CASES if c.name == "binance-5"), seed)
    frames = cap.take(n)
    venue = adapter_for(cap.settings, cap.name)
    feed = Feed(venue)
    session = venue.new_session("c")
    feed.start_connection("c", cap.symbols, 0, 0)
    for f in cap.setup:
        feed.on_frame(session, f, 1, 1)
    for sym, body in cap.rest.items():
        feed.on_snapshot(venue.parse_snapshot(sym, body, 1, 1))
    t0 = time.perf_counter()
    for i, f in enumerate(frames):
        feed.on_frame(session, f, i, i)
    return len(frames) / (time.perf_counter() - t0)


async def _round(url: str, collectors: int, n: int, seed: int) -> dict[str, Any]:
    from tui.bus.source import NatsSource
    from tui.engine.engine import Engine
    from tui.engine.settings import EngineSettings

    procs = []
    for i in range(collectors):
        procs.append(
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tui.bench.bus_pusher",
                url,
                f"c{i}",
                f"binance-{i}",
                str(n),
                str(seed + i),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        )
    source = NatsSource(url, durable=f"bench-{collectors}-{time.time_ns():x}")
    ticker = None
    try:
        for p in procs:
            assert p.stdout is not None
            json.loads(await asyncio.wait_for(p.stdout.readline(), 120))
        await source.connect()
        engine = Engine(EngineSettings(), source.feeds)
        source.bind(engine.on_event)
        source.start()

        async def tick() -> None:
            while True:
                await asyncio.sleep(0.25)
                engine.tick()

        ticker = asyncio.create_task(tick())
        feeds = source.feeds
        await _until(
            lambda: (
                len(feeds) == collectors
                and all(st.synced for f in feeds.values() for st in f.instruments.values())
            ),
            60,
        )
        base = sum(f.frames for f in feeds.values())
        t0, cpu0 = time.monotonic(), _cpu_s()
        for p in procs:
            assert p.stdin is not None
            p.stdin.write(b"go\n")
            await p.stdin.drain()
        total = base + collectors * n
        await _until(lambda: sum(f.frames for f in feeds.values()) >= total, 300)
        wall, cpu = time.monotonic() - t0, _cpu_s() - cpu0
        reports = []
        for p in procs:
            assert p.stdout is not None
            reports.append(json.loads(await asyncio.wait_for(p.stdout.readline(), 30)))
        problems = []
        for i, rep in enumerate(reports):
            feed = feeds[f"binance-{i}"]
            for sym, (bids, asks) in rep["expected"].items():
                st = feed.instruments[sym]
                if not st.synced or st.book.levels() != (dict(bids), dict(asks)) or st.gaps:
                    problems.append(f"binance-{i} {sym}: book differs or gap")
        frames = collectors * n
        return {
            "collectors": collectors,
            "frames": frames,
            "seconds": round(wall, 3),
            "frames_per_s": round(frames / wall),
            "engine_cpu_us_per_frame": round(cpu / frames * 1e6, 2),
            "engine_cpu_s_per_s": round(cpu / wall, 3),
            "pusher_seconds": [round(r["seconds"], 3) for r in reports],
            "pusher_cpu_s": [round(r["cpu_s"], 3) for r in reports],
            "exact": not problems,
            "problems": problems,
        }
    finally:
        if ticker is not None:
            ticker.cancel()
        await source.stop()
        for p in procs:
            if p.stdin is not None:
                p.stdin.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(p.wait(), 10)
            if p.returncode is None:
                p.kill()
                await p.wait()


async def _until(cond: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout}s")
        await asyncio.sleep(0.01)  # a benchmark sampling its window, not a test


def run(quick: bool, seed: int = 7) -> dict[str, Any]:
    from tui.bus.natsd import NatsServer

    n = 10_000 if quick else 100_000
    rounds = (1, 2, 4)
    cases = []
    for k in rounds:
        # A fresh server per round: one round's stream must not feed the next.
        with tempfile.TemporaryDirectory(prefix="vw-bench-nats-") as tmp:
            server = NatsServer(tmp).start()
            try:
                cases.append(asyncio.run(_round(server.url, k, n, seed)))
            finally:
                server.stop()
    return {
        "method": (
            "N pusher processes publish pre-generated Binance ~5-level diffs as RawFrames "
            "(what `venuewatch collect` publishes) to a local nats-server -js; this process "
            "consumes through the engine's NATS source (durable pull consumer, Mirror, Feeds, "
            "Engine at 4 Hz); rate and CPU over the window from go to the last frame"
        ),
        "in_process_frames_per_s": round(in_process(n, seed)),
        "cases": cases,
        "exact": all(c["exact"] for c in cases),
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }


def table(section: dict[str, Any]) -> str:
    if "error" in section:
        return f"NATS: could not run: {section['error']}"
    lines = [
        "NATS JetStream: N collector processes → nats-server -js → one engine",
        f"   {'collectors':<12}{'frames/s':>11}{'engine µs/frame':>17}"
        f"{'engine CPU s/s':>16}  exact",
    ]
    for c in section.get("cases", []):
        lines.append(
            f"   {c['collectors']:<12}{c['frames_per_s']:>11,}{c['engine_cpu_us_per_frame']:>17}"
            f"{c['engine_cpu_s_per_s']:>16}  {'yes' if c['exact'] else 'NO'}"
        )
    lines.append(
        f"   in-process (same frames straight into a Feed): "
        f"{section.get('in_process_frames_per_s', 0):,} frames/s"
    )
    return "\n".join(lines)
