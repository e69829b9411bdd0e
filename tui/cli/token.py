"""``venuewatch token add NAME / list / revoke NAME``: per-person console tokens."""

from __future__ import annotations

import argparse
import sys

from tui.cli.common import fail


def configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="token_cmd", metavar="add|list|revoke", required=True)
    add = sub.add_parser("add", help="make a token for a person (stored in the keyring)")
    add.add_argument("name", help="who: the name the journal records (e.g. alice)")
    sub.add_parser("list", help="names that have a token")
    rev = sub.add_parser("revoke", help="remove a person's token (effective at once)")
    rev.add_argument("name")


def run(args: argparse.Namespace) -> int:
    from tui.console import people

    try:
        if args.token_cmd == "add":
            token = people.add(args.name)
            print(
                f"token for {args.name} stored in the keyring as "
                f"'{people.secret_name(args.name)}'; `attach`/`ctl` on this machine use it "
                f"with --token-name {people.secret_name(args.name)}. For another machine, "
                "give this token privately (shown once):",
                file=sys.stderr,
            )
            print(token)
            return 0
        if args.token_cmd == "list":
            for name in sorted(people.load()):
                print(name)
            return 0
        if people.revoke(args.name):
            print(f"revoked {args.name}: that token no longer attaches", file=sys.stderr)
            return 0
        return fail(f"no token for {args.name!r} (see `venuewatch token list`)")
    except OSError as exc:  # PeopleError and SecretError are UserErrors: main prints them
        return fail(str(exc))
