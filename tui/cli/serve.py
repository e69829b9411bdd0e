"""``venuewatch serve``: the engine, headless, serving consoles."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from tui.cli.common import (
    add_source_args,
    console_token,
    fail,
    install_stop,
    load_config,
    port_number,
    start_simulator,
    with_venues,
)
from tui.config import Config, ConfigError


def configure(p: argparse.ArgumentParser) -> None:
    add_source_args(p)
    p.add_argument("--host", help="console host (default from config: 127.0.0.1)")
    p.add_argument("--port", type=port_number, help="console port (0 picks a free one)")
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="serve consoles beyond loopback (needs console.tls_cert and tls_key: wss://)",
    )
    p.add_argument("--journal", metavar="PATH", help="audit journal file")
    p.add_argument(
        "--metrics-port",
        type=int,
        metavar="PORT",
        help="serve Prometheus metrics on 127.0.0.1:PORT/metrics (0 picks a free one)",
    )
    p.add_argument(
        "--api-port",
        type=int,
        metavar="PORT",
        help="serve the OMS read API on 127.0.0.1:PORT/v1 (0 picks a free one)",
    )
    p.add_argument("--record", metavar="CAPTURE", help="also record raw frames to this capture")
    p.add_argument(
        "--sim-kill-switches",
        action="store_true",
        help="with --simulate: also simulate the venues' private side and halt there",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="venue kill switches journal the signed calls a halt would make, and send none",
    )
    p.add_argument(
        "--replay",
        metavar="CAPTURE",
        help="feed the engine from a capture instead of venues (post-mortems, drills)",
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="start from a clean control state (no isolation, halt, trip) instead of the "
        "one rebuilt from the journal; journalled",
    )
    p.add_argument(
        "--accept-broken-journal",
        action="store_true",
        help="start even though the journal fails verification: it is kept aside as "
        "evidence and the state is rebuilt from the entries before the break",
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
    # A command's journal entry is written on the journal's thread, which needs the
    # GIL several times per entry (submit, after the write, after the fsync, the
    # result); from a loop busy with frames each handoff waited CPython's 5 ms
    # switch interval (traced at 2x load: ~8 ms from dispatch to the write's start).
    sys.setswitchinterval(0.0005)
    return asyncio.run(_serve(args))


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
    if getattr(args, "dry_run", False):
        dry = {k: msgspec.structs.replace(c, dry_run=True) for k, c in cfg.controls.items()}
        cfg = msgspec.structs.replace(cfg, controls=dry)
    cfg = _with_ports(cfg, args)
    if not cfg.enabled_venues():
        return fail("no venues enabled in the configuration")
    psim, creds = None, None
    if args.simulate and getattr(args, "sim_kill_switches", False):
        from tui.cli.sim_controls import start_private

        psim, cfg, creds = await start_private(cfg, set(cfg.enabled_venues()))
    service = Service(
        cfg,
        console_token(cfg),
        journal_path=args.journal,
        port=args.port,
        fresh=args.fresh,
        accept_broken_journal=args.accept_broken_journal,
        allow_remote=args.allow_remote,
    )
    service.control_credentials = creds or {}
    try:
        await service.start()
    except (JournalError, OSError, ValueError) as exc:
        if sim is not None:
            await sim.stop()
        if psim is not None:
            await psim.stop()
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
                **_fingerprint(cfg),
                **service.integrations.urls(),
            }
        ),
        flush=True,
    )
    await stop.wait()
    await service.stop("signal")
    if sim is not None:
        await sim.stop()
    if psim is not None:
        await psim.stop()
    print(json.dumps({"event": "stopped"}), file=sys.stderr, flush=True)
    return 0


def _fingerprint(cfg: Config) -> dict[str, str]:
    """What a console pins with ``attach --pin`` when the engine serves wss://."""
    if not cfg.console.tls_cert:
        return {}
    from tui.console.tls import cert_fingerprint

    return {"tls_sha256": cert_fingerprint(cfg.console.tls_cert)}


async def _serve_replay(args: argparse.Namespace) -> int:
    import time

    from adapters.capture import read
    from tui.capture_config import replay_config
    from tui.paths import state_dir
    from tui.replay_service import ReplayService

    # The same configuration a headless replay of this capture uses; a capture
    # whose start cannot be read would serve an empty engine, silently.
    next(iter(read(args.replay)), None)  # CaptureError: main prints it
    cfg, _ = replay_config(args.replay, args.config)
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
    done = asyncio.ensure_future(service.done.wait())
    await asyncio.wait([done, asyncio.ensure_future(stop.wait())], return_when="FIRST_COMPLETED")
    if service.error:  # what was read is still served: a post-mortem wants it
        err = service.error
        where = "" if err.startswith(args.replay) else f"{args.replay}: "
        print(f"venuewatch: replay stopped: {where}{err}", file=sys.stderr, flush=True)
    await stop.wait()
    done.cancel()
    await service.stop("signal")
    return 2 if service.error else 0


def _with_ports(cfg: Any, args: argparse.Namespace) -> Any:
    """``--metrics-port`` / ``--api-port`` over the config's ``[metrics]`` / ``[api]``."""
    import msgspec

    for flag, section in (("metrics_port", "metrics"), ("api_port", "api")):
        port = getattr(args, flag, None)
        if port is None:
            continue
        if not 0 <= port <= 65535:
            raise ConfigError(f"--{flag.replace('_', '-')}: expected a port 0..65535, got {port}")
        current = getattr(cfg, section)
        cfg = msgspec.structs.replace(cfg, **{section: msgspec.structs.replace(current, port=port)})
    return cfg
