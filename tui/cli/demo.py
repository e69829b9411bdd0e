"""``venuewatch demo``: simulator + engine + console, with one command.

The engine runs in its own process (``venuewatch serve --simulate --script incident``);
:mod:`tui.app.engine_launch` starts it and attaches the console.
"""

from __future__ import annotations

import argparse

from tui.cli.attach import add_console_args
from tui.cli.common import launch_engine_and_console


def configure(p: argparse.ArgumentParser) -> None:
    add_console_args(p)
    p.add_argument("--seed", type=int, default=7, help="simulator seed (default 7)")


def run(args: argparse.Namespace) -> int:
    source = ["--simulate", "--sim-kill-switches", "--script", "incident", "--seed", str(args.seed)]
    return launch_engine_and_console(args, source, "demo", "simulated venues, scripted incident")
