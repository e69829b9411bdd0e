"""``venuewatch capture export``: a time range of the NATS raw stream to a capture file."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path


def configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="capture_command", metavar="ACTION", required=True)
    ex = sub.add_parser("export", help="write a time range of the bus's raw stream to a capture")
    ex.add_argument(
        "url", help="nats://HOST:PORT?start=ISO&end=ISO[&collector=NAME] (end defaults to now)"
    )
    ex.add_argument("--out", required=True, metavar="CAPTURE", help="capture file to write (gzip)")


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists():
        print(f"venuewatch: {out}: already exists; choose a new file", file=sys.stderr)
        return 2
    stats = export_range(args.url, out)
    print(json.dumps({"capture": str(out), **stats}))
    return 0


def export_range(url: str, out: Path) -> dict[str, object]:
    """Export and return the counts (raises BusError with one line)."""
    from tui.bus.export import export, parse_range

    rng = parse_range(url)
    return asyncio.run(export(rng, out)).as_dict()


def capture_for_replay(url: str) -> str:
    """A replay of ``nats://…`` is a replay of the range exported to a file."""
    from tui.paths import state_dir

    folder = state_dir() / "replays"
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"bus-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.ndjson.gz"
    stats = export_range(url, out)
    print(f"venuewatch: exported {stats['lines']} lines to {out}", file=sys.stderr)
    return str(out)
