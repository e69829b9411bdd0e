"""``venuewatch serve --source nats://…``: the engine fed by collectors over NATS."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys

from tui.cli.common import console_token, demo_config, fail, install_stop

DURABLE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


async def serve_bus(args: argparse.Namespace) -> int:
    import msgspec

    from tui.bus.jetstream import BusError
    from tui.bus.source import NatsSource
    from tui.config import load
    from tui.control.journal import JournalError
    from tui.service import Service

    if not DURABLE.match(args.durable):
        return fail(f"--durable {args.durable!r}: use 1-64 letters, digits, '-' or '_'")
    # Venues come from the collectors; the file (if any) gives engine settings.
    cfg = load(args.config) if args.config else demo_config()
    cfg = msgspec.structs.replace(cfg, venues={})
    if args.host:
        cfg = msgspec.structs.replace(
            cfg, console=msgspec.structs.replace(cfg.console, host=args.host)
        )
    source = NatsSource(args.source, durable=args.durable)
    try:
        await source.connect()
    except BusError as exc:
        return fail(str(exc))
    service = Service(
        cfg, console_token(cfg), journal_path=args.journal, port=args.port, source=source
    )
    try:
        await service.start()
    except (JournalError, OSError, ValueError) as exc:
        await source.stop()
        return fail(f"cannot start the engine: {exc}")
    stop = asyncio.Event()
    install_stop(stop)
    print(
        json.dumps(
            {
                "event": "ready",
                "console": service.server.url,
                "journal": str(service.journal_path),
                "source": args.source,
            }
        ),
        flush=True,
    )
    await stop.wait()
    await service.stop("signal")
    print(json.dumps({"event": "stopped"}), file=sys.stderr, flush=True)
    return 0
