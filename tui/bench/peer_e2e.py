"""End to end against the ceiling: ours vs a client that only counts, per websocket library.

One venue process (:mod:`tui.bench.pusher`, Binance ~5 levels) serves the same
pre-generated stream to every connection, flat out. Round after round four
clients connect to it in turn:

* **ceiling (websockets)**: a bare ``websockets`` client that only counts
  messages — what receiving costs with the design card's library, nothing else;
* **ceiling (picows)**: the same with ``picows``, counting in its frame callback;
* **ours (websockets)** and **ours (picows)**: the real data path —
  :class:`~adapters.supervisor.Supervisor` on that transport, REST snapshot,
  :class:`~adapters.feed.Feed` and the :class:`Engine` ticking at 4 Hz —
  with the books compared with what the venue process says a correct client
  holds, after every round.

Rates are taken over the stream's window (first delta to last); ours is
sampled every few milliseconds, the ceilings time their first and last frame.
"""

from __future__ import annotations

import asyncio
import math
import random
import statistics
import time
from typing import Any, Final

import msgspec
import picows
from websockets.asyncio.client import connect as ws_connect

from adapters.feed import Feed
from adapters.supervisor import MAX_FRAME_BYTES, Supervisor, http_get
from adapters.venue import Venue, VenueSettings
from tui.bench.e2e import _mismatches, _tick, read_json, start_pusher, stop_pusher
from tui.bench.frames import adapter_for

CASE: Final = "binance-5"
POLL_S: Final = 0.005
VARIANTS: Final = ("ceiling-websockets", "ceiling-picows", "ours-websockets", "ours-picows")
MIN_APPLIED: Final = 0.99
"""Ours must have applied this share of the stream's frames for a round to count."""
TARGET: Final = 1.2
"""Ours end to end ÷ the bare websockets ceiling that issue 13 asks for."""


class _Pusher:
    """The venue process, its ``ready`` line, and one ``pushed`` line per connection."""

    def __init__(self, proc: asyncio.subprocess.Process, ready: dict[str, Any]) -> None:
        self.proc = proc
        self.ready = ready
        self.settings = msgspec.convert(ready["settings"], VenueSettings)
        self.total: int = ready["frames"]

    async def pushed(self, timeout: float) -> dict[str, Any]:
        return await read_json(self.proc, timeout)


async def _ceiling_websockets(p: _Pusher, timeout: float) -> tuple[int, float]:
    venue = adapter_for(p.settings, p.ready["venue"])
    pushed = asyncio.create_task(p.pushed(timeout))
    async with ws_connect(p.settings.url, max_size=MAX_FRAME_BYTES, max_queue=1024) as ws:
        for frame in venue.subscribe_frames(venue.settings.symbols):
            await ws.send(frame)
        await _fetch_snapshots(venue)
        n, secs = await _count_ws(ws, pushed, p.total, timeout)
    return n, secs


async def _fetch_snapshots(venue: Venue) -> None:
    """The venue streams once this connection's snapshots were served (a ceiling
    discards them: it only counts)."""
    for sym in venue.settings.symbols:
        await asyncio.to_thread(http_get, venue.snapshot_request(sym), 10.0)


async def _count_ws(
    ws: Any, pushed: asyncio.Task[Any], total: int, timeout: float
) -> tuple[int, float]:
    # Binance has no setup frames (the URL subscribes): the first frame is the stream's.
    recv = ws.recv
    await asyncio.wait_for(recv(decode=False), timeout)
    t0 = time.perf_counter()
    for _ in range(total - 1):
        await recv(decode=False)
    secs = time.perf_counter() - t0
    if (await pushed)["setup_frames"]:
        raise RuntimeError("the ceilings expect a venue without setup frames")
    return total - 1, secs


async def _ceiling_picows(p: _Pusher, timeout: float) -> tuple[int, float]:
    venue = adapter_for(p.settings, p.ready["venue"])
    pushed = asyncio.create_task(p.pushed(timeout))
    stamps: list[float] = []
    done = asyncio.get_running_loop().create_future()
    marks = {"first": 1, "last": p.total, "n": 0}

    class Counter(picows.WSListener):
        def on_ws_frame(self, transport: Any, frame: Any) -> None:
            marks["n"] += 1
            n = marks["n"]
            if n == marks["first"]:
                stamps.append(time.perf_counter())
            if n == marks["last"] and not done.done():
                stamps.append(time.perf_counter())
                done.set_result(None)

    transport, _ = await picows.ws_connect(Counter, p.settings.url, max_frame_size=MAX_FRAME_BYTES)
    try:
        await _fetch_snapshots(venue)
        await asyncio.wait_for(done, timeout)
        report = await pushed
        if report["setup_frames"]:
            raise RuntimeError("the ceilings expect a venue without setup frames")
    finally:
        transport.disconnect()
    return p.total - 1, stamps[1] - stamps[0]


async def _ours(p: _Pusher, transport: str, seed: int, timeout: float) -> dict[str, Any]:
    from tui.engine.engine import Engine
    from tui.engine.settings import EngineSettings

    venue = adapter_for(p.settings, p.ready["venue"])
    feed = Feed(venue)
    engine = Engine(EngineSettings(), {venue.name: feed})
    # A flat-out stream is an overload by design: measure throughput, not shedding
    # (as tui.bench.e2e does); the overload case measures shedding.
    sup = Supervisor(
        feed,
        rng=random.Random(seed),
        transport=transport,
        lag_settings={"shed_after_s": math.inf},
    )
    ticker = asyncio.create_task(_tick(engine))
    pushed = asyncio.create_task(p.pushed(timeout))
    started = time.perf_counter()
    sup.start()
    try:
        start = 0
        t0 = t1 = 0.0
        setup: int | None = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            await asyncio.sleep(POLL_S)
            if setup is None and pushed.done():
                setup = pushed.result()["setup_frames"]
            n = feed.frames
            if not t0 and n > 0:
                start, t0 = n, time.perf_counter()
            if t0 and setup is not None and n >= setup + p.total:
                t1 = time.perf_counter()
                break
        if t1 and feed.frames - start < p.total // 10:
            # The stream outran the sampling (a tiny run): time it from the connect.
            start, t0 = 0, started
        if not t1:
            raise RuntimeError(f"ours ({transport}): {feed.frames} of {p.total} frames arrived")
        problems = _mismatches(feed, await pushed)
        applied = sum(st.updates for st in feed.instruments.values())
        if applied < p.total * MIN_APPLIED:
            # Exact books alone do not show the frames were applied: a snapshot at the
            # stream's end is exact too, with every frame skipped as already covered.
            problems.append(
                f"only {applied} of {p.total} frames were applied (the rest skipped as "
                "covered by the snapshot): this round measured skipping, not applying"
            )
        return {
            "frames": feed.frames - start,
            "seconds": t1 - t0,
            "applied": applied,
            "problems": problems,
        }
    finally:
        ticker.cancel()
        await sup.stop()


async def _run(n_frames: int, rounds: int, seed: int, timeout: float) -> dict[str, Any]:
    proc = await start_pusher(CASE, n_frames, seed)
    try:
        p = _Pusher(proc, await read_json(proc, 120.0))
        rates: dict[str, list[float]] = {v: [] for v in VARIANTS}
        problems: list[str] = []
        checked = 0
        for rnd in range(rounds + 1):
            for variant in VARIANTS:
                if variant == "ceiling-websockets":
                    n, secs = await _ceiling_websockets(p, timeout)
                elif variant == "ceiling-picows":
                    n, secs = await _ceiling_picows(p, timeout)
                else:
                    out = await _ours(p, variant.split("-", 1)[1], seed, timeout)
                    n, secs = out["frames"], out["seconds"]
                    checked += 1
                    problems += [f"{variant}: {x}" for x in out["problems"]]
                if rnd:  # round 0 warms up both processes
                    rates[variant].append(n / secs if secs > 0 else 0.0)
            if problems:
                break
        return _summary(rates, p.total, checked, problems)
    finally:
        await stop_pusher(proc)


def _summary(
    rates: dict[str, list[float]], frames: int, checked: int, problems: list[str]
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "case": CASE,
        "frames": frames,
        "rounds": len(rates[VARIANTS[0]]),
        "exact": not problems,
        "exact_runs_checked": checked,
        "problems": problems,
        "target": TARGET,
    }
    if not all(rates.values()):
        return out
    med = {v: statistics.median(r) for v, r in rates.items()}
    for v, r in rates.items():
        out[v] = {
            "min": round(min(r)),
            "median": round(med[v]),
            "max": round(max(r)),
        }
    ceiling = med["ceiling-websockets"]
    out["ratios_to_websockets_ceiling"] = {
        v: round(med[v] / ceiling, 2) for v in VARIANTS if v != "ceiling-websockets"
    }
    best = max(med["ours-websockets"], med["ours-picows"])
    out["met"] = bool(best / ceiling >= TARGET and not problems)
    return out


def run(n_frames: int, rounds: int, seed: int = 7) -> dict[str, Any]:
    return asyncio.run(_run(n_frames, rounds, seed, timeout=120.0))
