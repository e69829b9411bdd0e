"""Venue API credentials in the keyring: names, storing, loading, listing.

Each value is its own keyring entry, ``venue.<venue>.<account>.<field>``
(field: key, secret, passphrase). Which venue/account pairs exist is kept in a
small index file beside the fallback secrets (names only, never values),
because a keyring cannot be listed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Final

from adapters.controls.base import Credentials
from tui.errors import UserError
from tui.paths import state_home
from tui.secrets import SecretStore

FIELDS: Final = {"okx": ("key", "secret", "passphrase")}
DEFAULT_FIELDS: Final = ("key", "secret")


class KeysError(UserError):
    """Credentials that cannot be used; the message names what is missing, never a value."""


def fields(venue: str) -> tuple[str, ...]:
    return FIELDS.get(venue, DEFAULT_FIELDS)


def secret_name(venue: str, account: str, field: str) -> str:
    return f"venue.{venue}.{account}.{field}"


def index_path() -> Path:
    return state_home() / "venuewatch" / "venue-keys.json"


def _read_index() -> list[dict[str, str]]:
    try:
        data = json.loads(index_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []


def _write_index(rows: list[dict[str, str]]) -> None:
    path = index_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(rows, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def store(
    venue: str, account: str, values: dict[str, str], store: SecretStore | None = None
) -> str:
    """Store every field; returns where they went ("keyring" or the fallback directory)."""
    st = store or SecretStore()
    wanted = fields(venue)
    missing = [f for f in wanted if not values.get(f)]
    if missing:
        raise KeysError(f"{venue}: {', '.join(missing)} must not be empty")
    where = ""
    for f in wanted:
        where = st.set(secret_name(venue, account, f), values[f])
    rows = [r for r in _read_index() if (r.get("venue"), r.get("account")) != (venue, account)]
    stored_in = "keyring" if where == "keyring" else str(Path(where).parent)
    rows.append(
        {"venue": venue, "account": account, "fields": ",".join(wanted), "stored": stored_in}
    )
    _write_index(sorted(rows, key=lambda r: (r["venue"], r["account"])))
    return stored_in


def load(venue: str, account: str = "default", store: SecretStore | None = None) -> Credentials:
    st = store or SecretStore()
    got: dict[str, str] = {}
    for f in fields(venue):
        s = st.get(secret_name(venue, account, f))
        if s is None:
            raise KeysError(
                f"no {f} stored for {venue} (account {account!r}): "
                f"run `venuewatch keys set {venue} --account {account}`"
            )
        got[f] = s.reveal()
    return Credentials(got["key"], got["secret"], got.get("passphrase", ""), account)


def listing() -> list[dict[str, str]]:
    """Venue, account, which fields and where: never a value."""
    return _read_index()
