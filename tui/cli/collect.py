"""``venuewatch collect``: venue adapters only, publishing to NATS JetStream."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import socket
import sys

from tui.cli.common import add_source_args, fail, install_stop, load_config, start_simulator

NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def configure(p: argparse.ArgumentParser) -> None:
    add_source_args(p)
    p.add_argument("--nats", required=True, metavar="URL", help="NATS server, nats://HOST:PORT")
    p.add_argument(
        "--name",
        help="this collector's id in subjects (letters, digits, - and _; default: the host name)",
    )
    p.add_argument(
        "--venues", metavar="A,B", help="only these venues of the configuration (comma-separated)"
    )


def run(args: argparse.Namespace) -> int:
    name = args.name or re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname())[:64]
    if not NAME.match(name):
        return fail(f"--name {name!r}: use 1-64 letters, digits, '-' or '_'")
    args.name = name
    return asyncio.run(_collect(args))


async def _collect(args: argparse.Namespace) -> int:
    import msgspec

    from tui.bus.collector import Collector
    from tui.bus.jetstream import BusError
    from tui.cli.common import with_venues

    cfg = load_config(args)
    sim = None
    if args.simulate:
        sim, venues = await start_simulator(args)
        cfg = with_venues(cfg, venues)
    if args.venues:
        wanted = [v.strip() for v in args.venues.split(",") if v.strip()]
        unknown = sorted(set(wanted) - set(cfg.venues))
        if unknown:
            return fail(f"--venues: not in the configuration: {', '.join(unknown)}")
        cfg = with_venues(
            cfg, {k: msgspec.to_builtins(v) for k, v in cfg.venues.items() if k in wanted}
        )
    if not cfg.enabled_venues():
        return fail("no venues enabled in the configuration")
    collector = Collector(cfg, args.nats, args.name)
    try:
        await collector.start()
    except BusError:
        if sim is not None:
            await sim.stop()
        raise
    stop = asyncio.Event()
    install_stop(stop)
    print(
        json.dumps(
            {
                "event": "ready",
                "collector": collector.name,
                "run": collector.run,
                "venues": sorted(collector.feeds),
            }
        ),
        flush=True,
    )
    await stop.wait()
    await collector.stop()
    if sim is not None:
        await sim.stop()
    print(json.dumps({"event": "stopped"}), file=sys.stderr, flush=True)
    return 0
