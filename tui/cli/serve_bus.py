"""``venuewatch serve --source nats://…``: the engine fed by collectors over NATS."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from typing import Any

from tui.cli.common import console_token, demo_config, fail, install_stop

DURABLE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


async def serve_bus(args: argparse.Namespace) -> int:
    import msgspec

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
    if args.ha:
        return await _serve_ha(args, cfg)
    source = NatsSource(args.source, durable=args.durable)
    await source.connect()  # BusError: main prints it
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


async def _serve_ha(args: argparse.Namespace, cfg: Any) -> int:
    """Standby until this engine holds the lease, then the engine as above."""
    import socket
    from pathlib import Path

    from tui.bus.ha import run_ha
    from tui.bus.source import NatsSource
    from tui.paths import state_dir
    from tui.service import Service

    engine_id = args.engine_id or re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname())[:64]
    if not DURABLE.match(engine_id):
        return fail(f"--engine-id {engine_id!r}: use 1-64 letters, digits, '-' or '_'")
    journal = Path(args.journal) if args.journal else state_dir() / "journal.jsonl"

    async def start_service() -> Service:
        source = NatsSource(args.source, durable=args.durable)
        await source.connect()
        service = Service(
            cfg, console_token(cfg), journal_path=journal, port=args.port, source=source
        )
        await service.start()
        service.server.engine_name = engine_id  # consoles name the engine after a takeover
        return service

    def announce(role: dict[str, Any]) -> None:
        print(json.dumps(role), flush=True)

    stop = asyncio.Event()
    install_stop(stop)
    code = await run_ha(args.source, engine_id, journal, start_service, announce, stop)
    print(json.dumps({"event": "stopped", "code": code}), file=sys.stderr, flush=True)
    return code
