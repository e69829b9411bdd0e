"""``venuewatch attach URL``: a console attached to a running ``venuewatch serve``.

Several responders can attach to one engine; the engine is the one place that
decides, and every key press becomes a journalled command there. The token
comes from ``--token-file``, ``$VENUEWATCH_TOKEN`` or the keyring entry
``console-token`` (what ``venuewatch serve`` creates), in that order.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

# Launch code lives with the layers that own it; re-exported for existing callers.
from tui.app.launch import run_console as run_console
from tui.cli.common import fail
from tui.console.credentials import resolve_token as resolve_token

if TYPE_CHECKING:
    from tui.console.tls import ClientTLS


def add_console_args(p: argparse.ArgumentParser) -> None:
    """Options every console command shares (attach, demo, replay into a console)."""
    p.add_argument(
        "--layout",
        metavar="NAME|FILE",
        help="layout name (default, compact, incident, spreads, or one you saved) "
        "or a .toml file; default: 'default', or 'compact' on narrow terminals",
    )
    p.add_argument(
        "--theme",
        metavar="NAME",
        help="venuewatch-dark (default), venuewatch-light, venuewatch-colorblind "
        "(aliases: dark, light, colorblind) or any Textual theme",
    )
    p.add_argument(
        "--fps",
        type=float,
        metavar="N",
        help="screen refreshes per second (default 10); e.g. 2 over a slow SSH link",
    )
    p.add_argument(
        "--user",
        metavar="NAME",
        help="who you are in the journal (default: console.toml, else your login)",
    )


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "url",
        help="the engine's console URL, e.g. ws://127.0.0.1:8765 (printed by `venuewatch serve`), "
        "or nats://HOST:PORT to attach to whichever engine holds the HA lease",
    )
    p.add_argument(
        "--token-file",
        metavar="FILE",
        help="read the console token from FILE (else $VENUEWATCH_TOKEN, else the "
        "keyring entry 'console-token')",
    )
    p.add_argument(
        "--token-name",
        metavar="NAME",
        help="keyring entry holding the token (default: console.token_name from the "
        "config, 'console-token'; a person's own: person-token.NAME)",
    )
    add_tls_args(p)
    add_console_args(p)


def _token_name(explicit: str | None) -> str:
    if explicit:
        return explicit
    from tui.config import ConfigError, config_dir, load

    path = config_dir() / "config.toml"
    if path.exists():
        try:
            return load(path).console.token_name
        except ConfigError:
            pass  # a broken config must not keep a responder out: the default name
    return "console-token"


def add_tls_args(p: argparse.ArgumentParser) -> None:
    """How a console checks a wss:// engine (attach, ctl)."""
    p.add_argument(
        "--cafile",
        metavar="PEM",
        help="wss://: trust this CA (or the engine's own self-signed certificate)",
    )
    p.add_argument(
        "--pin",
        metavar="SHA256",
        help="wss://: accept only the certificate with this SHA-256 fingerprint "
        "(printed as tls_sha256 by `venuewatch serve`)",
    )


def client_tls(args: argparse.Namespace) -> ClientTLS:
    from tui.console.tls import ClientTLS

    return ClientTLS(cafile=getattr(args, "cafile", None), pin=getattr(args, "pin", None))


def run(args: argparse.Namespace) -> int:
    token = resolve_token(args.token_file, _token_name(args.token_name))
    resolve = None
    if args.url.startswith(("nats://", "tls://")):
        # Engine HA: the lease names the active engine's console; asked again before
        # every re-attach, so the console follows a takeover.
        import asyncio
        from functools import partial

        from tui.bus.ha import active_console

        asyncio.run(active_console(args.url))  # no engine holds the lease: BusError, one line
        resolve = partial(active_console, args.url, timeout=1.0)
    if args.fps is not None and not 0 < args.fps <= 60:
        return fail(f"--fps: expected a number above 0 and at most 60, got {args.fps:g}")
    return run_console(
        args.url,
        token,
        user=args.user or "",
        layout=args.layout,
        theme=args.theme,
        fps=args.fps,
        tls=client_tls(args),
        resolve=resolve,
    )
