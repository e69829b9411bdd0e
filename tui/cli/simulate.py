"""``venuewatch simulate``: the loopback venue simulator on its own."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--rate", type=float, default=10.0, help="updates per second per instrument (default 10)"
    )
    p.add_argument("--script", default="calm", choices=["calm", "incident"])
    p.add_argument(
        "--config-out", metavar="FILE", help="write a config whose [venues] point at this simulator"
    )


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_simulate(args))


def venues_toml(venues: dict[str, dict[str, object]]) -> str:
    lines = ["# Venues served by `venuewatch simulate` on loopback.", ""]
    for name, v in venues.items():
        lines.append(f'[venues."{name}"]')
        for key in ("adapter", "url", "rest_url"):
            if v.get(key):
                lines.append(f'{key} = "{v[key]}"')
        symbols = ", ".join(f'"{s}"' for s in v["symbols"])  # type: ignore[attr-defined]
        lines.append(f"symbols = [{symbols}]")
        opts = v.get("options") or {}
        if opts:
            inner = ", ".join(f'{k} = "{val}"' for k, val in opts.items())  # type: ignore[attr-defined]
            lines.append(f"options = {{ {inner} }}")
        lines.append("")
    return "\n".join(lines)


async def _simulate(args: argparse.Namespace) -> int:
    from tui.cli.common import install_stop, start_simulator

    sim, venues = await start_simulator(args)
    text = venues_toml(venues)
    if args.config_out:
        await asyncio.to_thread(Path(args.config_out).write_text, text, encoding="utf-8")
        print(f"wrote {args.config_out}", file=sys.stderr)
    else:
        print(text, flush=True)
    stop = asyncio.Event()
    install_stop(stop)
    await stop.wait()
    await sim.stop()
    return 0
