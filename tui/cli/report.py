"""``venuewatch report JOURNAL``: what an incident review asks, in Markdown, JSON or HTML."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("journal", help="audit journal file")
    p.add_argument("--format", choices=["md", "json", "html"], default="md")
    p.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    p.add_argument(
        "--since", metavar="TIME", help="ISO 8601, any precision (e.g. 2026-11-28T07:00Z)"
    )
    p.add_argument("--until", metavar="TIME", help="ISO 8601; covers the whole unit it names")
    p.add_argument("--checkpoints", action="store_true", help="include periodic checkpoints")
    p.add_argument(
        "--capture",
        action="append",
        default=[],
        metavar="FILE",
        help="a capture the review relies on: listed with its SHA-256 (repeatable); the "
        "first is replayed for each alert's readings ('why did this fire?')",
    )
    p.add_argument("--no-why", action="store_true", help="do not replay the capture for readings")
    p.add_argument(
        "--config", metavar="FILE", help="settings for that replay (default: the capture's own)"
    )


def run(args: argparse.Namespace) -> int:
    from tui import report
    from tui.report import html, md

    if not Path(args.journal).is_file():
        print(f"venuewatch: {args.journal}: no such file", file=sys.stderr)
        return 2
    try:
        why = None if args.no_why else next((c for c in args.capture if Path(c).is_file()), None)
        rep = report.build(
            args.journal,
            args.since,
            args.until,
            args.checkpoints,
            args.capture,
            why_from=why,
            config=args.config,
        )
    except OSError as exc:
        print(f"venuewatch: {args.journal}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if args.format == "md":
        text = md.render(rep)
    elif args.format == "html":
        text = html.render(rep)
    else:
        text = json.dumps(rep, indent=2, ensure_ascii=False)
    try:
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8")
        else:
            print(text)
    except OSError as exc:
        print(f"venuewatch: --out {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if not rep["verified"]:
        print(f"venuewatch: warning: {rep['verification']}", file=sys.stderr)
        return 1
    return 0
