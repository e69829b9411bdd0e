"""Credentials: keyring first, a 0600 file where there is none, and no value ever printed.

conftest.py points HOME / XDG_STATE_HOME at a per-test directory and selects
keyring.backends.fail.Keyring, so the fallback is the default here; the keyring
path uses small in-memory backends set with keyring.set_keyring.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest

import tui.secrets as sm
from tui.secrets import (
    SecretStore,
    ensure_token,
)


@pytest.fixture(autouse=True)
def _fresh_store_and_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test gets a new process-wide store (warn-once state) and its keyring restored."""
    monkeypatch.setattr(sm, "_store", SecretStore())
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


def secrets_dir() -> Path:
    return Path(os.environ["XDG_STATE_HOME"]) / "venuewatch" / "secrets"


def test_ensure_token_creates_once_and_another_process_reads_it() -> None:
    token = ensure_token()
    assert len(token) == 43 and set(token) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )
    assert ensure_token() == token
    assert (secrets_dir() / "console-token").read_text() == token
    out = subprocess.run(
        [sys.executable, "-c", "from tui.secrets import ensure_token; print(ensure_token())"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert out.stdout.strip() == token
    assert ensure_token("other-token") != token
