"""``venuewatch journal verify FILE``: check the hash chain of an audit journal."""

from __future__ import annotations

import argparse


def configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="journal_command", metavar="ACTION", required=True)
    v = sub.add_parser("verify", help="verify the hash chain; name the first broken line")
    v.add_argument("file")


def run(args: argparse.Namespace) -> int:
    from tui.control.journal import verify_main

    code, message = verify_main(args.file)
    print(message)
    return code
