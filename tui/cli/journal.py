"""``venuewatch journal verify FILE``: check the hash chain of an audit journal."""

from __future__ import annotations

import argparse


def configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="journal_command", metavar="ACTION", required=True)
    v = sub.add_parser("verify", help="verify the hash chain; name the first broken line")
    v.add_argument("file")


def run(args: argparse.Namespace) -> int:
    from tui.control.journal import verify_main
    from tui.report.inputs import not_a_journal

    try:
        # A capture or a config is not a torn journal: say what it is instead.
        why = not_a_journal(args.file)
    except OSError:
        why = None  # verify_main names the read error
    if why:
        print(f"{why}; nothing to verify")
        return 2
    code, message = verify_main(args.file)
    print(message)
    return code
