"""``venuewatch venues``: the venue adapters installed (without importing them)."""

from __future__ import annotations

import argparse


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--check", action="store_true", help="import each adapter and report errors")


def run(args: argparse.Namespace) -> int:
    from adapters import registry

    code = 0
    for name in registry.available():
        if not args.check:
            print(name)
            continue
        try:
            cls = registry.load(name)
            print(f"{name:16} ok   {cls.default_url}")
        except registry.AdapterError as exc:
            print(f"{name:16} FAIL {exc}")
            code = 1
    if args.check:
        from adapters import book

        # Which order book the adapters run on (native C or the pure-Python reference).
        print(f"{'order book':16} {book.describe()}")
    return code
