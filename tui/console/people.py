"""Per-person console tokens: who is at the keys.

``venuewatch token add NAME`` makes a token for one person and stores it in the
keyring (``person-token.NAME``, via :mod:`tui.secrets`). The engine never
needs the tokens themselves: an index file beside the journal holds each name
with the SHA-256 digest of its token, which is all authentication needs, so a
copy of the index gives nobody a way in. The index is re-read at each attach:
a revoked token stops working at once, without a restart.

The single shared console token keeps working (one-person setups); a person's
token makes the journal name that person, whatever the console claims.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path
from typing import Final

import msgspec

from tui.errors import UserError
from tui.paths import state_dir

PREFIX: Final = "person-token."
_NAME_RE: Final = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}\Z")


class PeopleError(UserError):
    """A bad name or an unreadable index; the message says which and why."""


def default_path() -> Path:
    return state_dir() / "people.json"


def secret_name(name: str) -> str:
    return f"{PREFIX}{name}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def load(path: Path | None = None) -> dict[str, str]:
    """Name -> token digest ({} when nobody has a token)."""
    path = path or default_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise PeopleError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return msgspec.json.decode(data, type=dict[str, str])
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise PeopleError(f"{path}: not a token index: {exc}") from None


def _save(people: dict[str, str], path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(msgspec.json.encode(dict(sorted(people.items()))))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def check_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise PeopleError(
            f"{name[:40]!r}: a name is 1-32 lowercase letters, digits, '.', '_' or '-'"
        )
    return name


def add(name: str, path: Path | None = None) -> str:
    """A new token for ``name``, stored in the keyring; returns it (shown once)."""
    from tui.secrets import set_secret

    path = path or default_path()
    people = load(path)
    if check_name(name) in people:
        raise PeopleError(f"{name} already has a token (revoke it first to replace it)")
    token = secrets.token_urlsafe(32)
    set_secret(secret_name(name), token)
    people[name] = _digest(token)
    _save(people, path)
    return token


def revoke(name: str, path: Path | None = None) -> bool:
    from tui.secrets import SecretError, delete_secret

    path = path or default_path()
    people = load(path)
    if people.pop(name, None) is None:
        return False
    _save(people, path)
    with contextlib.suppress(SecretError):
        delete_secret(secret_name(name))
    return True


def authenticate(token: str, path: Path | None = None) -> str | None:
    """The person this token belongs to, or None."""
    try:
        people = load(path)
    except PeopleError:
        return None
    digest = _digest(token)
    found = None
    for name, known in people.items():
        # Every digest is compared, so timing does not say how far the search got.
        if hmac.compare_digest(known, digest):
            found = name
    return found
