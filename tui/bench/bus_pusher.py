"""``bench --nats``'s collector stand-in: pre-generated frames published flat out.

Run as ``python -m tui.bench.bus_pusher URL COLLECTOR VENUE FRAMES SEED``. It
publishes exactly what ``venuewatch collect`` publishes for one Binance
connection — a health message naming the venue, the ``connect`` line, the REST
snapshots, then every frame as a :class:`~tui.bus.frames.RawFrame` — from a
capture generated in advance, so the figure measures the bus and the engine,
not the simulator. Talks over stdout (``ready``, then ``pushed`` with the
books a correct client holds); publishes when a line arrives on stdin.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time

import msgspec

from adapters.capture import Line
from tui.bench.frames import CASES, Capture
from tui.bus.frames import CollectorHealth, RawFrame, feed_encoder, subject
from tui.bus.jetstream import connect, ensure_streams


def _cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


async def main(url: str, collector: str, venue: str, n: int, seed: int) -> None:
    case = next(c for c in CASES if c.name == "binance-5")
    cap = Capture.for_case(case, seed)
    frames = cap.take(n)
    settings = msgspec.to_builtins(cap.settings)
    settings["adapter"] = "binance"
    nc = await connect(url, f"bench-{collector}")
    await ensure_streams(nc.jetstream())
    run = f"bench-{time.time_ns():x}"
    seq = 0
    raw_subj = subject(collector, venue, "", "raw")
    conn = f"{venue}-1#1"
    ts = time.time_ns()

    async def send(subj: str, msg: object) -> None:
        await nc.publish(subj, feed_encoder.encode(msg))

    def health() -> CollectorHealth:
        nonlocal seq
        seq += 1
        return CollectorHealth(
            collector, run, seq, time.time_ns(), {venue: settings}, True, 0.0, 0, 0, 0, seq
        )

    async def beat() -> None:
        # Like a collector: health every half second, or the engine counts it lost.
        while True:
            await send(subject(collector, "_", "_", "health"), health())
            await asyncio.sleep(0.5)

    beating = asyncio.get_running_loop().create_task(beat())
    seq += 1
    connect_line = Line(ts, venue, conn, event="connect", symbols=cap.symbols, settings=settings)
    await send(raw_subj, RawFrame(collector, run, seq, connect_line))
    for frame in cap.setup:
        seq += 1
        await send(
            raw_subj, RawFrame(collector, run, seq, Line(ts, venue, conn, raw=frame.decode()))
        )
    for sym, body in cap.rest.items():
        seq += 1
        line = Line(ts, venue, conn, event="snapshot", symbol=sym, raw=body.decode())
        await send(subject(collector, venue, sym, "raw"), RawFrame(collector, run, seq, line))
    await nc.flush()
    print(json.dumps({"event": "ready", "frames": len(frames)}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    cpu0, t0 = _cpu_s(), time.monotonic()
    for i, frame in enumerate(frames):
        seq += 1
        line = Line(time.time_ns(), venue, conn, raw=frame.decode())
        await nc.publish(raw_subj, feed_encoder.encode(RawFrame(collector, run, seq, line)))
        if i % 2000 == 0:
            await nc.flush()
    await nc.flush()
    seconds, cpu = time.monotonic() - t0, _cpu_s() - cpu0
    expected = {s: (list(b.items()), list(a.items())) for s, (b, a) in cap.expected().items()}
    out = {"event": "pushed", "seconds": seconds, "cpu_s": cpu, "expected": expected}
    print(json.dumps({**out, "seqs": cap.expected_seqs()}), flush=True)
    beating.cancel()
    await nc.close()


if __name__ == "__main__":
    url, collector, venue, n, seed = sys.argv[1:6]
    asyncio.run(main(url, collector, venue, int(n), int(seed)))
