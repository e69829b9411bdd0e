"""``venuewatch bench``: measure throughput, responsiveness and memory; print and save.

A benchmark, not a test: it prints figures next to the goals of issue 6 and
writes the same as JSON (``--out``); it never fails because a figure is slow.
It exits non-zero only if a part could not run at all or a book came out
wrong, because then the figures mean nothing.

Parts (``--only`` picks some): ``ingest`` (frames/s per venue format on one
core), ``e2e`` (loopback websockets, venue in another process), ``responsiveness``
(key → journal and key → screen with the console in a pty, engine loaded),
``memory`` (RSS over a simulated hour, 6 venues × 20 instruments).

``--peer`` runs ``peer`` alone (or with the ``--only`` parts): ours against
cryptofeed's own handlers on identical frames, interleaved round by round,
with the typed-decode floor and the bare-client ceilings in the same run. It
needs the ``peer`` extra; without it the command says so in one line.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from typing import Any

PARTS = ("ingest", "e2e", "responsiveness", "memory")


def configure(p: argparse.ArgumentParser) -> None:
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="a short run (about a minute)")
    size.add_argument(
        "--smoke",
        action="store_true",
        help="a tiny run of every part (seconds): checks the plumbing, not the figures",
    )
    p.add_argument(
        "--out",
        default="bench-results/bench.json",
        metavar="FILE",
        help="where to write the JSON (default bench-results/bench.json)",
    )
    p.add_argument(
        "--only",
        metavar="PART",
        action="append",
        choices=PARTS,
        help=f"run only this part (repeatable): {', '.join(PARTS)}",
    )
    p.add_argument(
        "--case",
        metavar="NAME",
        action="append",
        help="ingest: only this venue case (repeatable), e.g. binance-5, kraken",
    )
    p.add_argument(
        "--e2e-case",
        metavar="NAME",
        action="append",
        help="end to end: the venue cases to push (default binance-5)",
    )
    p.add_argument("--seed", type=int, default=7, help="simulator seed (default 7)")
    p.add_argument(
        "--peer",
        action="store_true",
        help="ours vs cryptofeed on identical frames, with the floor and the ceilings "
        "(needs: pip install -e '.[peer]')",
    )
    p.add_argument(
        "--nats",
        action="store_true",
        help="also: frames/s from 1, 2, 4 collectors through a local nats-server -js",
    )


def run(args: argparse.Namespace) -> int:
    from tui.bench import report

    parts = [p for p in PARTS if p in (args.only or PARTS)]
    if getattr(args, "peer", False):
        from tui.bench.peer_cryptofeed import PeerMissing, version
        from tui.errors import UserError

        try:
            version()
        except PeerMissing as exc:
            raise UserError(str(exc)) from None
        parts = [p for p in parts if args.only] + ["peer"]
    if getattr(args, "nats", False):
        parts = [p for p in parts if args.only] + ["nats"]
    args.mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    results: dict[str, Any] = {
        "version": 1,
        "command": "venuewatch " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        "quick": args.mode != "full",
        "mode": args.mode,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": report.machine(),
    }
    failed = False
    for part in parts:
        started = time.monotonic()
        print(f"venuewatch bench: {part} …", file=sys.stderr, flush=True)
        try:
            section = _PARTS[part](args)
        except Exception as exc:  # one part failing must not lose the others' figures
            section = {"error": f"{type(exc).__name__}: {exc}"}
            failed = True
        section["wall_s"] = round(time.monotonic() - started, 1)
        results[part] = section
        if _wrong(section):
            failed = True
    results["targets"] = report.targets(results)
    path = report.write_json(results, args.out)
    print(report.table(results))
    if "nats" in results:
        from tui.bench.bus import table

        print(table(results["nats"]))
    print(f"\nwritten: {path}")
    return 1 if failed else 0


def _wrong(section: dict[str, Any]) -> bool:
    """A book that came out wrong makes the figures meaningless."""
    cases = section.get("cases", [])
    return any(not c.get("exact", True) for c in cases) or section.get("exact") is False


def _ingest(args: argparse.Namespace) -> dict[str, Any]:
    from tui.bench import ingest

    return ingest.run(args.mode, args.case, args.seed)


def _e2e(args: argparse.Namespace) -> dict[str, Any]:
    from tui.bench import e2e

    return e2e.run(args.mode, args.e2e_case, args.seed)


def _responsiveness(args: argparse.Namespace) -> dict[str, Any]:
    from tui.bench import responsiveness

    return responsiveness.run(args.mode, args.seed)


def _memory(args: argparse.Namespace) -> dict[str, Any]:
    # A fresh process: RSS must not include what the other parts allocated.
    cmd = [sys.executable, "-m", "tui.bench.memory", str(args.seed)]
    if args.mode != "full":
        cmd.append(f"--{args.mode}")
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"memory run failed: {done.stderr.strip()[-500:]}")
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def _peer(args: argparse.Namespace) -> dict[str, Any]:
    from tui.bench import peer

    return peer.run(args.mode, args.seed, args.case)


def _nats(args: argparse.Namespace) -> dict[str, Any]:
    from tui.bench import bus

    return bus.run(args.quick, args.seed)


_PARTS = {
    "peer": _peer,
    "nats": _nats,
    "ingest": _ingest,
    "e2e": _e2e,
    "responsiveness": _responsiveness,
    "memory": _memory,
}
