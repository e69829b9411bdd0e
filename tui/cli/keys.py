"""``venuewatch keys``: venue API credentials in the keyring (set, list, test).

``set`` prompts without echo (getpass; from a pipe it reads lines, for
scripts and tests), so a value never lands in shell history or ``ps``.
``list`` shows names and the venue/account they serve, never values. ``test``
makes one harmless authenticated read and says what the venue answered.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from tui.cli.common import fail

PROMPTS = {"key": "API key", "secret": "API secret", "passphrase": "API passphrase"}
VENUE_PROMPTS = {
    "coinbase": {"key": "API key name", "secret": "private key (PEM, newlines as \\n)"},
}


def configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    s = sub.add_parser("set", help="store a venue's key, secret (and passphrase); prompts")
    s.add_argument("venue")
    s.add_argument("--account", default="default", help="account name (default: default)")
    sub.add_parser("list", help="stored credentials: venue, account, fields; never values")
    t = sub.add_parser("test", help="one harmless authenticated read at the venue")
    t.add_argument("venue")
    t.add_argument("--account", default="default")
    t.add_argument("--config", metavar="FILE", help="take url/options from [controls.VENUE]")
    t.add_argument("--url", help="REST base URL (e.g. the simulator's)")


def _ask(label: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(f"{label}: ")
    line = sys.stdin.readline()  # a pipe: nothing is echoed anyway
    return line.rstrip("\r\n")


def run(args: argparse.Namespace) -> int:
    from adapters.controls import registry
    from tui.control import venue_keys

    if args.keys_command == "list":
        rows = venue_keys.listing()
        if not rows:
            print("no venue credentials stored (venuewatch keys set VENUE)")
            return 0
        print(f"{'venue':<16} {'account':<12} {'fields':<24} stored in")
        for r in rows:
            print(f"{r['venue']:<16} {r['account']:<12} {r['fields']:<24} {r['stored']}")
        return 0
    known = registry.available()
    if args.venue not in known:
        return fail(f"keys: unknown venue {args.venue!r} (known: {', '.join(known)})")
    if args.keys_command == "set":
        prompts = {**PROMPTS, **VENUE_PROMPTS.get(args.venue, {})}
        values = {f: _ask(f"{prompts[f]} for {args.venue}") for f in venue_keys.fields(args.venue)}
        where = venue_keys.store(args.venue, args.account, values)  # KeysError: one line
        print(f"stored {args.venue} (account {args.account}) in {where}")
        return 0
    return asyncio.run(_test(args))


async def _test(args: argparse.Namespace) -> int:
    from adapters.controls import registry
    from adapters.controls.base import ControlSettings, VenueError
    from tui.config import load
    from tui.control import venue_keys

    settings = ControlSettings(account=args.account)
    if args.config:
        cfg = load(args.config)
        settings = cfg.controls.get(args.venue, settings)
    if args.url:
        import msgspec

        settings = msgspec.structs.replace(settings, url=args.url)
    creds = venue_keys.load(args.venue, args.account)
    ctl = registry.load(args.venue)(settings, creds)
    try:
        step = await ctl.account()
        calls, ok, detail = step.calls, step.ok, step.detail
    except VenueError as exc:
        calls, ok, detail = ctl.take_calls(), False, exc.reason
    finally:
        await ctl.aclose()
    for c in calls:
        status = c.status if c.status is not None else c.error
        print(f"{c.request['method']} {c.request['target'].split('?')[0]} -> {status} ({c.ms} ms)")
    print(f"{args.venue} ({args.account}): {'OK' if ok else 'FAILED'}: {detail}")
    return 0 if ok else 1
