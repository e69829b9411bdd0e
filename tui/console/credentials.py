"""Who a console is and what it authenticates with: the token and the login name.

The token comes from ``--token-file``, ``$VENUEWATCH_TOKEN`` or the keyring entry
(``console-token`` unless configured), in that order. Shared by every console
launcher (attach, demo, replay into a console) and by ``venuewatch ctl``.
"""

from __future__ import annotations

import getpass
import os
import stat
import sys
from pathlib import Path

from tui.errors import UserError


class TokenError(UserError, ValueError):
    """No usable console token; the message says where it looked and how to provide one."""


def resolve_token(token_file: str | None, name: str = "console-token") -> str:
    """The console token; TokenError says where it looked and how to provide one."""
    if token_file:
        path = Path(token_file)
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise TokenError(f"--token-file {path}: cannot read: {exc.strerror or exc}") from None
        if not text:
            raise TokenError(f"--token-file {path}: the file is empty")
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
        raise TokenError(str(exc)) from None
    if not token:
        raise TokenError(
            "no console token: give --token-file FILE, set VENUEWATCH_TOKEN, or run "
            f"`venuewatch serve` once on this machine (it stores '{name}' in the keyring), "
            "or `venuewatch token add NAME`"
        )
    return token


def login_name() -> str:
    """The OS login name (the journal's default ``console:<user>``)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "console"
