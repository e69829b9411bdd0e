"""Pieces several commands share: config loading, the embedded simulator, tokens."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from importlib import resources
from typing import Any

import msgspec

from adapters.tasks import spawn
from tui.config import Config, ConfigError, load, parse


def add_source_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE", help="configuration file (TOML)")
    p.add_argument(
        "--simulate",
        action="store_true",
        help="watch the embedded loopback simulator instead of real venues",
    )
    p.add_argument("--seed", type=int, default=7, help="simulator seed (default 7)")
    p.add_argument(
        "--rate",
        type=float,
        default=10.0,
        help="simulated updates per second per instrument (default 10)",
    )
    p.add_argument(
        "--script",
        default="calm",
        choices=["calm", "incident"],
        help="scripted faults for the simulator (default calm)",
    )


def demo_config() -> Config:
    text = resources.files("tui").joinpath("data/demo.toml").read_text(encoding="utf-8")
    return parse(text, "demo.toml")


def load_config(args: argparse.Namespace) -> Config:
    """The --config file, or the demo configuration when simulating."""
    if args.config:
        return load(args.config)
    if getattr(args, "simulate", False):
        return demo_config()
    raise ConfigError("nothing to watch: give --config FILE or --simulate")


def with_venues(cfg: Config, venues: dict[str, Any]) -> Config:
    from tui.config import from_dict

    data = msgspec.to_builtins(cfg)
    data["venues"] = venues
    return from_dict(data, "simulated venues")


async def start_simulator(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """Start the embedded simulator; return it and the venue settings pointing at it."""
    from adapters.simulator import Simulator
    from adapters.simulator.script import SCRIPTS, run_script

    sim = Simulator(seed=args.seed)
    await sim.start()
    sim.start_running(args.rate)
    steps, period = SCRIPTS[args.script]
    if steps:
        spawn(run_script(sim, steps, period), f"simulator script {args.script}")
    venues = {name: msgspec.to_builtins(sim.settings(name)) for name in sim.venues}
    return sim, venues


def console_token(cfg: Config) -> str:
    """The console token: $VENUEWATCH_TOKEN, else the keyring (or its 0600 fallback)."""
    env = os.environ.get("VENUEWATCH_TOKEN")
    if env:
        return env
    from tui.secrets import ensure_token

    return ensure_token(cfg.console.token_name)


def install_stop(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


def port_number(text: str) -> int:
    """argparse type for --port: a one-line error, never OverflowError from the socket layer."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected 0-65535, got {value}")
    return value


def fail(message: str, code: int = 2) -> int:
    print(f"venuewatch: {message}", file=sys.stderr)
    return code


def launch_engine_and_console(
    args: argparse.Namespace, source: list[str], title: str, what: str
) -> int:
    """The engine and a console for ``demo`` and ``replay CAPTURE``; errors as one line."""
    from tui.app.engine_launch import engine_and_console

    # EngineStartError (a UserError) is printed by main; it may end with the engine
    # log's last lines.
    return engine_and_console(
        source,
        title=title,
        what=what,
        user=args.user or "",
        layout=args.layout,
        theme=args.theme,
        fps=args.fps,
    )
