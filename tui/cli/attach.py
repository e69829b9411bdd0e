"""``venuewatch attach URL``: a console attached to a running ``venuewatch serve``.

Several responders can attach to one engine; the engine is the one place that
decides, and every key press becomes a journalled command there. The token
comes from ``--token-file``, ``$VENUEWATCH_TOKEN`` or the keyring entry
``console-token`` (what ``venuewatch serve`` creates), in that order.
"""

from __future__ import annotations

import argparse
import getpass
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cli.common import fail

if TYPE_CHECKING:  # Textual is imported only after TEXTUAL_FPS is set (see _set_fps)
    from textual.notifications import SeverityLevel

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
        help="the engine's console URL, e.g. ws://127.0.0.1:8765 (printed by `venuewatch serve`)",
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
    try:
        token = resolve_token(args.token_file, _token_name(args.token_name))
    except ValueError as exc:
        return fail(str(exc))
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
    )


def resolve_token(token_file: str | None, name: str = "console-token") -> str:
    """The console token; ValueError says where it looked and how to provide one."""
    if token_file:
        path = Path(token_file)
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ValueError(f"--token-file {path}: cannot read: {exc.strerror or exc}") from None
        if not text:
            raise ValueError(f"--token-file {path}: the file is empty")
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            print(
                f"venuewatch: warning: {path} is readable by others; chmod 600 it", file=sys.stderr
            )
        return text.splitlines()[0].strip()
    env = os.environ.get("VENUEWATCH_TOKEN", "").strip()
    if env:
        return env
    from tui.secrets import SecretError, get_secret

    try:
        token = get_secret(name)
    except SecretError as exc:
        raise ValueError(str(exc)) from None
    if not token:
        raise ValueError(
            "no console token: give --token-file FILE, set VENUEWATCH_TOKEN, or run "
            f"`venuewatch serve` once on this machine (it stores '{name}' in the keyring), "
            "or `venuewatch token add NAME`"
        )
    return token


def _set_fps(fps: float) -> None:
    # Textual reads TEXTUAL_FPS when it is first imported: set it before that, so the
    # screen's own refresh cap matches the console's render rate over slow links.
    os.environ["TEXTUAL_FPS"] = str(max(1, round(fps)))


def run_console(
    url: str,
    token: str,
    *,
    user: str,
    layout: str | None,
    theme: str | None,
    fps: float | None,
    title: str = "",
    quit_note: str = "",
    engine_poll: Callable[[], int | None] | None = None,
    tls: ClientTLS | None = None,
) -> int:
    """Run a console attached to the engine at ``url`` until the responder quits.

    ``engine_poll`` (the demo passes ``Popen.poll``) lets the console notice that a
    local engine process died; ``quit_note`` makes quitting confirm with that text."""
    from tui.app import settings as settings_mod

    notes: list[tuple[str, SeverityLevel]] = []
    try:
        settings = settings_mod.load()
    except settings_mod.SettingsError as exc:
        # A typo in console.toml must not keep a responder out mid-incident: say it
        # on stderr and in the console, and run with the defaults.
        print(f"venuewatch: {exc} (using default settings)", file=sys.stderr)
        notes.append((f"{exc}\nUsing default settings.", "error"))
        settings = settings_mod.Settings()
    fps = fps or settings.fps
    _set_fps(fps)

    from tui.app.app import ConsoleApp
    from tui.app.source import LiveSource

    who = user or settings.user or _login()
    from functools import partial

    from tui.console.client import ConsoleClient

    app = ConsoleApp(
        LiveSource(url, token, who, client_factory=partial(ConsoleClient, tls=tls)),
        settings=settings,
        layout=layout,
        theme=theme,
        fps=fps,
        title=title,
        quit_note=quit_note,
        notes=notes,
        engine_poll=engine_poll,
    )
    result = app.run()
    if app.return_code is not None:
        return app.return_code
    return result if isinstance(result, int) else 0


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "console"
