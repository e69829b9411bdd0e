"""``venuewatch record``: raw frames from venues to a capture file."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from adapters.tasks import spawn
from tui.cli.common import add_source_args, fail, install_stop, load_config, start_simulator


def configure(p: argparse.ArgumentParser) -> None:
    add_source_args(p)
    p.add_argument("--out", required=True, metavar="CAPTURE", help="capture file (.ndjson.gz)")
    p.add_argument(
        "--seconds",
        type=float,
        default=0.0,
        help="stop after this many seconds (default: until Ctrl-C)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_record(args))
    except OSError as exc:
        return fail(f"cannot write {args.out}: {exc.strerror or exc}")


async def _record(args: argparse.Namespace) -> int:
    from adapters import registry
    from adapters.capture import Writer
    from adapters.feed import Feed
    from adapters.supervisor import Supervisor
    from tui import record_progress as progress
    from tui.capture_config import capture_settings
    from tui.cli.common import with_venues
    from tui.record_progress import Progress, file_size

    cfg = load_config(args)
    sim = None
    if args.simulate:
        sim, venues = await start_simulator(args)
        cfg = with_venues(cfg, venues)
    writer = Writer(args.out)
    writer.config(time.time_ns(), capture_settings(cfg))
    flusher = spawn(writer.flush_every(), "capture flush")
    sups = []
    for vs in cfg.enabled_venues().values():
        feed = Feed(registry.load(vs.adapter)(vs))
        sup = Supervisor(feed, writer)
        sup.start()
        sups.append(sup)
    stop = asyncio.Event()
    install_stop(stop)
    started = time.monotonic()

    def sample() -> Progress:
        return Progress(
            frames=sum(s.feed.frames for s in sups),
            bytes=file_size(args.out),
            connected=sum(1 for s in sups if s.connected),
            venues=len(sups),
            elapsed_s=time.monotonic() - started,
        )

    shown = asyncio.create_task(progress.report(sample, stop))
    try:
        if args.seconds > 0:
            try:
                await asyncio.wait_for(stop.wait(), args.seconds)
            except TimeoutError:
                pass
        else:
            await stop.wait()
    finally:
        stop.set()
        await shown
        for s in sups:
            await s.stop()
        flusher.cancel()
        writer.close()
        if sim is not None:
            await sim.stop()
    summary = {s.feed.name: s.feed.frames for s in sups}
    print(
        json.dumps(
            {
                "capture": args.out,
                "lines": writer.lines,
                "seconds": round(time.monotonic() - started, 1),
                "frames": summary,
            }
        ),
        file=sys.stderr,
    )
    return 0
