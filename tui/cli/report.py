"""``venuewatch report JOURNAL``: an incident timeline in Markdown or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("journal", help="audit journal file")
    p.add_argument("--format", choices=["md", "json"], default="md")
    p.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    p.add_argument("--since", metavar="UTC", help="e.g. 2026-11-24T13:00:00.000000Z")
    p.add_argument("--until", metavar="UTC")
    p.add_argument("--checkpoints", action="store_true", help="include periodic checkpoints")


def run(args: argparse.Namespace) -> int:
    from tui import report
    from tui.control.journal import JournalError

    if not Path(args.journal).exists():
        print(f"venuewatch: {args.journal}: no such file", file=sys.stderr)
        return 2
    try:
        rep = report.build(args.journal, args.since, args.until, args.checkpoints)
    except (JournalError, OSError, ValueError) as exc:
        print(f"venuewatch: {args.journal}: {exc}", file=sys.stderr)
        return 2
    text = report.markdown(rep) if args.format == "md" else json.dumps(rep, indent=2)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        print(text)
    if not rep["verified"]:
        print(f"venuewatch: warning: {rep['verification']}", file=sys.stderr)
        return 1
    return 0
