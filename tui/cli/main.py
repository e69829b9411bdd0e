"""``venuewatch``: the command line.

Each subcommand lives in :mod:`tui.cli` and is imported only when used,
so ``venuewatch journal verify`` never pays for Textual and a broken optional
piece cannot stop the others from working.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

COMMANDS = {
    "demo": "Simulator + engine + console in one command (the main job).",
    "serve": "Run the engine headless and serve consoles.",
    "attach": "Attach a console to a running engine.",
    "simulate": "Run the loopback venue simulator on its own.",
    "record": "Record raw frames from venues to a capture file.",
    "replay": "Replay a capture through the same adapters and engine.",
    "import": "Convert cryptofeed or tardis.dev raw files into a capture.",
    "journal": "Audit journal tools (verify).",
    "report": "Incident report (Markdown, JSON or HTML) from a journal.",
    "bench": "Measure throughput, responsiveness and memory.",
    "venues": "List the venue adapters installed.",
    "token": "Per-person console tokens (add, list, revoke).",
    "ctl": "One-shot control commands and status through the console protocol.",
    "keys": "Venue API credentials in the keyring (set, list, test).",
    "collect": "Run venue adapters only and publish to NATS JetStream (scale-out).",
    "capture": "Capture tools (export a time range from NATS JetStream).",
}


MODULES = {"import": "import_"}
"""Subcommands whose module name differs (``import`` is a Python keyword)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="venuewatch",
        description="Cross-venue market-data health, alerts and one-key controls.",
    )
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log verbosity (logs go to stderr)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        module = importlib.import_module(f"tui.cli.{MODULES.get(name, name)}")
        p = sub.add_parser(name, help=help_text, description=help_text)
        module.configure(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    from tui.text import SafeFormatter

    handler = logging.StreamHandler(sys.stderr)  # escapes control characters in every line
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=getattr(logging, args.log_level), handlers=[handler])
    module = importlib.import_module(f"tui.cli.{MODULES.get(args.command, args.command)}")
    from adapters.capture import CaptureError
    from adapters.importers.common import ImportFailed
    from adapters.registry import AdapterError
    from tui.errors import UserError
    from tui.text import clean

    try:
        code: int = module.run(args)
    except KeyboardInterrupt:
        return 130
    except UserError as exc:
        # A user's mistake (file, flag, permission) is one line naming it, never a traceback.
        print(f"venuewatch: {clean(exc)}", file=sys.stderr)
        return exc.exit_code
    except (CaptureError, AdapterError, ImportFailed) as exc:  # adapters cannot import tui.errors
        print(f"venuewatch: {clean(exc)}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
