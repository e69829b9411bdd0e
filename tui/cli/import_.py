"""``venuewatch import FILES… --out CAPTURE``: other recorders' files as a capture.

Reads cryptofeed's raw data recorder files (``EXCHANGE.ws.K.N`` and
``EXCHANGE.http.K.N``) and tardis.dev raw data-feed files, and writes one
capture that ``venuewatch replay`` reads: frames and REST snapshots in
receive-time order, with the ``connect`` lines a replay needs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.importers.common import Record


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", help="recorder files (gzip or plain)")
    p.add_argument("--out", required=True, metavar="CAPTURE", help="capture file to write")
    p.add_argument(
        "--from",
        dest="source",
        choices=["auto", "cryptofeed", "tardis"],
        default="auto",
        help="the recorder that wrote FILES (default: recognised by name and content)",
    )
    p.add_argument(
        "--exchange",
        metavar="NAME",
        help="tardis.dev exchange id (okex, binance, …) when the file name does not start with it",
    )


def run(args: argparse.Namespace) -> int:
    from adapters.importers import common, cryptofeed, tardis
    from tui.cli.common import fail

    paths = [Path(f) for f in args.files]
    for p in paths:
        if not p.is_file():
            return fail(f"{p}: no such file")
    out = Path(args.out)
    if out.exists():
        return fail(f"--out {out}: already exists; importing never overwrites a capture")
    source = args.source
    if source == "auto":
        if all(cryptofeed.matches(p) for p in paths):
            source = "cryptofeed"
        elif all(tardis.matches(p) for p in paths):
            source = "tardis"
        else:
            return fail(
                f"{paths[0]}: not recognised as cryptofeed raw files (EXCHANGE.ws.K.N) or "
                "tardis.dev raw data (TIMESTAMP MESSAGE lines); name the recorder with --from"
            )
    records: Callable[[], Iterator[Record]]
    if source == "cryptofeed":
        records = partial(cryptofeed.records, paths)
    else:
        if len(paths) != 1:
            return fail("tardis.dev: import one file at a time (one exchange's feed)")
        exchange = args.exchange or tardis.exchange_of(paths[0])
        if exchange is None:
            return fail(f"{paths[0]}: which exchange is this? give --exchange (okex, binance, …)")
        records = partial(tardis.records, paths[0], exchange)
    try:
        summary = common.convert(records, out)
    except OSError as exc:
        out.unlink(missing_ok=True)
        return fail(f"{exc.filename or out}: {exc.strerror or exc}")
    except common.ImportFailed:
        out.unlink(missing_ok=True)  # no half-written capture; main prints the error
        raise
    if not summary.frames:
        out.unlink(missing_ok=True)
        return fail(f"{', '.join(map(str, paths))}: no websocket frames found; nothing written")
    print(json.dumps(summary.__dict__, indent=2), file=sys.stderr)
    for venue, n in summary.unparsed.items():
        print(
            f"venuewatch: warning: {n} {venue} frames are not in the protocol the {venue} "
            "adapter speaks; the replay will count them as parse errors",
            file=sys.stderr,
        )
    return 0
