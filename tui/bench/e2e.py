"""Part 2 — end to end over loopback websockets: sustained frames/s and engine CPU.

The venue is a separate process (:mod:`tui.bench.pusher`) that pre-generates
its frames and writes them as fast as the socket drains; this process runs the
real data path — :class:`~adapters.supervisor.Supervisor` (websockets client,
REST snapshot), :class:`~adapters.feed.Feed` and the :class:`Engine` ticking at
4 Hz — exactly as ``venuewatch serve`` wires them. The rate is taken over the
window in which the frames arrived (first delta to last), the CPU from
``getrusage`` over the same window, and the books are compared with what the
pusher says a correct client holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import resource
import subprocess
import sys
import time
from typing import Any, Final

from adapters.feed import Feed
from adapters.supervisor import Supervisor
from adapters.venue import VenueSettings
from tui.bench import SIZES, Mode
from tui.bench.frames import CASES, adapter_for
from tui.engine.engine import Engine
from tui.engine.settings import EngineSettings

TARGET: Final = 80_000
POLL_S: Final = 0.01
"""How often the window is sampled (cheap: two integer reads)."""


def _cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


async def read_json(proc: asyncio.subprocess.Process, timeout: float) -> dict[str, Any]:
    """The venue process's next report line (``ready``, then one ``pushed`` per connection)."""
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), timeout)
    if not line:
        raise RuntimeError("the venue process exited early")
    out: dict[str, Any] = json.loads(line)
    return out


async def start_pusher(case_name: str, n_frames: int, seed: int) -> asyncio.subprocess.Process:
    """The venue in its own process (:mod:`tui.bench.pusher`), flat out."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui.bench.pusher",
        case_name,
        str(n_frames),
        str(seed),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )


async def stop_pusher(proc: asyncio.subprocess.Process) -> None:
    """Close its stdin (its cue to exit), give it 5 s, then kill it."""
    if proc.stdin is not None:
        proc.stdin.close()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(proc.wait(), 5.0)
    if proc.returncode is None:
        proc.kill()
        await proc.wait()


async def _run_case(case_name: str, n_frames: int, seed: int, timeout: float) -> dict[str, Any]:
    proc = await start_pusher(case_name, n_frames, seed)
    sup: Supervisor | None = None
    ticker: asyncio.Task[None] | None = None
    try:
        ready = await read_json(proc, 120.0)
        import msgspec

        settings = msgspec.convert(ready["settings"], VenueSettings)
        venue = adapter_for(settings, ready["venue"])
        feed = Feed(venue)
        engine = Engine(EngineSettings(), {venue.name: feed})
        # The ceiling is measured flat out: a reader that sheds would count dropped frames.
        sup = Supervisor(feed, rng=random.Random(seed), lag_settings={"shed_after_s": math.inf})
        ticker = asyncio.create_task(_tick(engine))
        pushed: asyncio.Task[dict[str, Any]] = asyncio.create_task(read_json(proc, timeout))
        sup.start()
        # The window opens at the first frame past the setup ones and closes at the last.
        total = ready["frames"]
        start = 0
        synced_at = -1
        setup: int | None = None
        t0 = t1 = cpu0 = cpu1 = 0.0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            await asyncio.sleep(POLL_S)
            if setup is None and pushed.done():
                setup = pushed.result()["setup_frames"]
            n = feed.frames
            if synced_at < 0:
                if all(st.synced for st in feed.instruments.values()):
                    synced_at = n
            elif not t0 and n > synced_at:
                # The stream is flowing: everything before this instant (setup,
                # snapshots, the pause before the push) is outside the window.
                start, t0, cpu0 = n, time.monotonic(), _cpu_s()
            if t0 and setup is not None and n >= setup + total:
                t1, cpu1 = time.monotonic(), _cpu_s()
                break
        report = await asyncio.wait_for(pushed, 5.0)
        if not t1:
            raise RuntimeError(f"only {feed.frames} of {total} frames arrived in {timeout}s")
        measured = feed.frames - start
        wall = t1 - t0
        problems = _mismatches(feed, report)
        rate = measured / wall if wall > 0 else 0.0
        return {
            "case": case_name,
            "frames": total,
            "frames_measured": measured,
            "seconds": round(wall, 3),
            "frames_per_s": round(rate),
            "engine_cpu_s_per_s": round((cpu1 - cpu0) / wall, 3) if wall > 0 else None,
            "pusher_cpu_s": round(report["cpu_s"], 3),
            "pusher_seconds": round(report["seconds"], 3),
            "engine_ticks": engine.ticks,
            "transport": sup.transport,
            "exact": not problems,
            "problems": problems,
            "target": TARGET,
            "met": bool(rate >= TARGET and not problems),
        }
    finally:
        if ticker is not None:
            ticker.cancel()
        if sup is not None:
            await sup.stop()
        await stop_pusher(proc)


async def _tick(engine: Engine) -> None:
    period = 1.0 / engine.settings.evaluate_hz
    while True:
        await asyncio.sleep(period)
        engine.tick()


def _mismatches(feed: Feed, report: dict[str, Any]) -> list[str]:
    out = []
    for sym, (bids, asks) in report["expected"].items():
        st = feed.instruments[sym]
        want = ({p: q for p, q in bids}, {p: q for p, q in asks})
        seq = report["seqs"].get(sym)
        if not st.synced:
            out.append(f"{sym}: not synced ({st.resync_reason})")
        elif st.book.levels() != want:
            out.append(f"{sym}: book differs")
        elif seq is not None and st.last_seq != seq:
            out.append(f"{sym}: seq {st.last_seq} != {seq}")
        if st.gaps or st.checksum_failures or st.resyncs or st.crossed:
            out.append(f"{sym}: gaps={st.gaps} resyncs={st.resyncs}")
    return out


def run(mode: Mode, cases: list[str] | None = None, seed: int = 7) -> dict[str, Any]:
    n_frames = SIZES[mode].e2e_frames
    names = cases or ["binance-5"]
    known = {c.name for c in CASES}
    results = []
    for name in names:
        if name not in known:
            raise ValueError(f"unknown case {name!r}")
        results.append(asyncio.run(_run_case(name, n_frames, seed, timeout=120.0)))
    return {
        "method": (
            "venue in a separate process (python -m tui.bench.pusher) pre-generates the frames "
            "and writes them to loopback as fast as the socket drains; this process runs "
            "Supervisor (its default transport: picows where installed, else websockets) + "
            "Feed + Engine ticking at 4 Hz; rate and CPU "
            "(getrusage, this process) over the window from sync to the last frame"
        ),
        "cases": results,
    }
