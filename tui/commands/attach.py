"""``venuewatch attach``: not built yet."""

from __future__ import annotations

import argparse
import sys


def configure(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    print("venuewatch attach: not available yet in this build", file=sys.stderr)
    return 2
