"""``venuewatch serve``: the engine, headless, serving consoles."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from tui.cli.common import (
    add_source_args,
    console_token,
    fail,
    install_stop,
    load_config,
    start_simulator,
    with_venues,
)
from tui.config import ConfigError


def configure(p: argparse.ArgumentParser) -> None:
    add_source_args(p)
    p.add_argument("--host", help="console host (default from config: 127.0.0.1)")
    p.add_argument("--port", type=int, help="console port (0 picks a free one)")
    p.add_argument("--journal", metavar="PATH", help="audit journal file")
    p.add_argument("--record", metavar="CAPTURE", help="also record raw frames to this capture")
    p.add_argument(
        "--replay",
        metavar="CAPTURE",
        help="feed the engine from a capture instead of venues (post-mortems, drills)",
    )
    p.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="replay pace: 1 = as recorded, 10 = ten times faster",
    )
    p.add_argument(
        "--source",
        metavar="NATS_URL",
        help="consume collectors over NATS JetStream (nats://HOST:PORT) instead of venues",
    )
    p.add_argument(
        "--durable",
        default="venuewatch-engine",
        help="with --source: the durable consumer name (engines of one HA pair share it)",
    )
    p.add_argument(
        "--ha",
        action="store_true",
        help="with --source: active/standby through a lease in JetStream KV (engine HA)",
    )
    p.add_argument("--engine-id", help="with --ha: this engine's id (default: the host name)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    if args.replay and not Path(args.replay).is_file():
        return fail(f"{args.replay}: no such capture file")
    try:
        return asyncio.run(_serve(args))
    except ConfigError as exc:
        return fail(str(exc))


async def _serve(args: argparse.Namespace) -> int:
    import msgspec

    from tui.control.journal import JournalError
    from tui.service import Service

    if args.replay:
        return await _serve_replay(args)
    if args.source:
        from tui.cli.serve_bus import serve_bus

        return await serve_bus(args)
    cfg = load_config(args)
    sim = None
    if args.simulate:
        sim, venues = await start_simulator(args)
        cfg = with_venues(cfg, venues)
    if args.host:
        cfg = msgspec.structs.replace(
            cfg, console=msgspec.structs.replace(cfg.console, host=args.host)
        )
    if args.record:
        cfg = msgspec.structs.replace(cfg, record=args.record)
    if not cfg.enabled_venues():
        return fail("no venues enabled in the configuration")
    service = Service(cfg, console_token(cfg), journal_path=args.journal, port=args.port)
    try:
        await service.start()
    except (JournalError, OSError, ValueError) as exc:
        if sim is not None:
            await sim.stop()
        return fail(f"cannot start the engine: {exc}")
    stop = asyncio.Event()
    install_stop(stop)
    # One machine-readable line, so scripts and the demo know where to attach.
    print(
        json.dumps(
            {
                "event": "ready",
                "console": service.server.url,
                "journal": str(service.journal_path),
                "venues": sorted(service.feeds),
            }
        ),
        flush=True,
    )
    await stop.wait()
    await service.stop("signal")
    if sim is not None:
        await sim.stop()
    print(json.dumps({"event": "stopped"}), file=sys.stderr, flush=True)
    return 0


async def _serve_replay(args: argparse.Namespace) -> int:
    import time

    from tui.cli.common import demo_config
    from tui.config import load, state_dir
    from tui.replay_service import ReplayService

    cfg = load(args.config) if args.config else demo_config()
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    journal = args.journal or state_dir() / "replays" / f"journal-{stamp}.jsonl"
    service = ReplayService(
        cfg, console_token(cfg), args.replay, args.speed, journal_path=journal, port=args.port
    )
    await service.start()
    stop = asyncio.Event()
    install_stop(stop)
    print(
        json.dumps(
            {
                "event": "ready",
                "console": service.server.url,
                "journal": str(service.journal_path),
                "replay": args.replay,
            }
        ),
        flush=True,
    )
    await stop.wait()
    await service.stop("signal")
    return 0
