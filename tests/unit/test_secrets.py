"""Credentials: keyring first, a 0600 file where there is none, and no value ever printed.

conftest.py points HOME / XDG_STATE_HOME at a per-test directory and selects
keyring.backends.fail.Keyring, so the fallback is the default here; the keyring
path uses small in-memory backends set with keyring.set_keyring.
"""

from __future__ import annotations

import copy
import logging
import os
import pickle
import stat
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError, PasswordSetError

import tui.secrets as sm
from tui.secrets import (
    InsecureSecretFile,
    Secret,
    SecretError,
    SecretStore,
    delete_secret,
    ensure_token,
    get_secret,
    load_secret,
    set_secret,
)

VALUE = "s3cr3t-ZmFrZS1hcGkta2V5LXZhbHVl"


class MemoryKeyring(KeyringBackend):
    """A working keyring. Its priority raises so keyring never picks it on its own."""

    @classmethod
    def priority(cls) -> float:  # type: ignore[override]
        raise RuntimeError("test backend: only via keyring.set_keyring")

    def __init__(self) -> None:  # no super(): it only reads KEYRING_PROPERTY_* variables
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


class HostileKeyring(MemoryKeyring):
    """Fails every call, with the password in its error message, as a careless backend might."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("keyring is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError(f"could not store {password!r} for {username}")


class ForgetfulKeyring(MemoryKeyring):
    """Accepts a value and keeps nothing (what keyring.backends.null does)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        return None


@pytest.fixture(autouse=True)
def _fresh_store_and_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test gets a new process-wide store (warn-once state) and its keyring restored."""
    monkeypatch.setattr(sm, "_store", SecretStore())
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # every logger, every level: nothing may leak anywhere
    return caplog


def secrets_dir() -> Path:
    return Path(os.environ["XDG_STATE_HOME"]) / "venuewatch" / "secrets"


def assert_not_in_logs(value: str, records: list[logging.LogRecord]) -> None:
    for r in records:
        assert value not in r.getMessage()
        assert value not in repr(r.args)
        if r.exc_info:
            assert value not in "".join(traceback.format_exception(*r.exc_info))


def assert_not_in_exception(value: str, exc: BaseException) -> None:
    assert value not in str(exc) and value not in repr(exc)
    assert value not in "".join(traceback.format_exception(exc))
    seen: BaseException | None = exc
    while seen is not None:  # nor anywhere down the chain a debugger or reporter would walk
        assert value not in repr(seen.args)
        seen = seen.__cause__ or seen.__context__


def fallback_warnings(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    return [r for r in records if r.name == "venuewatch.secrets" and r.levelno == logging.WARNING]


# --- Secret ------------------------------------------------------------------------------


def test_secret_never_prints_its_value(logs: pytest.LogCaptureFixture) -> None:
    s = Secret(VALUE)
    assert s.reveal() == VALUE
    shown = [
        repr(s),
        str(s),
        f"{s}",
        f"{s!r}",
        f"{s:>40}",
        "%s %r" % (s, s),  # noqa: UP031 - %-formatting is what logging does
        repr([s]),
        repr({"k": s}),
    ]
    assert all(VALUE not in x for x in shown) and "redacted" in repr(s)
    logging.getLogger("venuewatch.test").info("token is %s (%r)", s, s)
    assert_not_in_logs(VALUE, logs.records)
    assert s == Secret(VALUE) and s != Secret(VALUE + "x") and s != VALUE
    assert copy.copy(s) is s and copy.deepcopy(s) is s
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(s)
    with pytest.raises(TypeError):
        Secret(b"bytes")  # type: ignore[arg-type]


# --- the file fallback -------------------------------------------------------------------


def test_no_keyring_falls_back_to_a_0600_file_and_says_so_once(
    logs: pytest.LogCaptureFixture,
) -> None:
    assert isinstance(keyring.get_keyring(), keyring.backends.fail.Keyring)
    old = os.umask(0)  # the modes must not depend on a lax umask
    try:
        where = set_secret("webhook-hmac", VALUE)
        set_secret("binance-api-key", VALUE + "2")
    finally:
        os.umask(old)
    path = secrets_dir() / "webhook-hmac"
    assert where == str(path)
    assert path.read_text() == VALUE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert get_secret("webhook-hmac") == VALUE
    assert load_secret("binance-api-key") == Secret(VALUE + "2")
    assert get_secret("absent") is None
    assert sorted(p.name for p in secrets_dir().iterdir()) == ["binance-api-key", "webhook-hmac"]

    warned = fallback_warnings(logs.records)
    assert len(warned) == 1
    assert str(path) in warned[0].getMessage() and "fail.Keyring" in warned[0].getMessage()
    assert_not_in_logs(VALUE, logs.records)


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o277])
def test_modes_are_exact_whatever_the_umask_or_an_existing_dir(umask: int) -> None:
    secrets_dir().mkdir(parents=True, mode=0o755)
    secrets_dir().chmod(0o755)  # left wide by someone: ours, so it is tightened
    old = os.umask(umask)
    try:
        path = Path(set_secret("k", VALUE))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert get_secret("k") == VALUE


def test_state_dir_without_xdg_is_home_local_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_STATE_HOME")
    expected = Path.home() / ".local" / "state" / "venuewatch" / "secrets" / "k"
    assert set_secret("k", VALUE) == str(expected)
    monkeypatch.setenv("XDG_STATE_HOME", "relative/dir")  # XDG: a relative path is ignored
    assert get_secret("k") == VALUE


def test_wider_than_0600_is_refused_with_the_fix(logs: pytest.LogCaptureFixture) -> None:
    set_secret("console-token", VALUE)
    path = secrets_dir() / "console-token"
    path.chmod(0o644)
    with pytest.raises(InsecureSecretFile) as info:
        get_secret("console-token")
    msg = str(info.value)
    assert str(path) in msg and "0644" in msg and f"chmod 600 '{path}'" in msg
    assert_not_in_exception(VALUE, info.value)
    # ensure_token must not paper over it with a fresh token either.
    with pytest.raises(InsecureSecretFile):
        ensure_token()
    assert path.read_text() == VALUE
    path.chmod(0o600)
    assert ensure_token() == VALUE
    assert_not_in_logs(VALUE, logs.records)


def test_unreadable_content_error_carries_no_bytes_of_it() -> None:
    secrets_dir().mkdir(parents=True)
    path = secrets_dir() / "venue-key"
    raw = b"\xff\xfe" + VALUE.encode()
    path.write_bytes(raw)
    path.chmod(0o600)
    with pytest.raises(SecretError, match="empty or not UTF-8") as info:
        get_secret("venue-key")
    assert_not_in_exception(VALUE, info.value)
    assert info.value.__context__ is None and "xff" not in str(info.value)


def test_symlinked_secret_file_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text(VALUE)
    target.chmod(0o600)
    secrets_dir().mkdir(parents=True)
    (secrets_dir() / "api").symlink_to(target)
    with pytest.raises(SecretError, match="cannot read secret file") as info:
        get_secret("api")
    assert_not_in_exception(VALUE, info.value)


def test_delete_secret() -> None:
    set_secret("note-key", VALUE)
    assert delete_secret("note-key") is True
    assert not (secrets_dir() / "note-key").exists()
    assert get_secret("note-key") is None
    assert delete_secret("note-key") is False


@pytest.mark.parametrize("name", ["", "../escape", "a/b", ".hidden", "-flag", "x" * 129])
def test_names_cannot_escape_the_directory(name: str) -> None:
    with pytest.raises(ValueError, match="invalid secret name"):
        set_secret(name, VALUE)
    with pytest.raises(ValueError, match="invalid secret name"):
        get_secret(name)


@pytest.mark.parametrize("value", ["", VALUE + "\n", "two\nlines" + VALUE, VALUE + "\0"])
def test_bad_values_are_refused_without_echoing_them(value: str) -> None:
    with pytest.raises(ValueError, match="single line") as info:
        set_secret("k", value)
    if value:
        assert_not_in_exception(value, info.value)
    assert not secrets_dir().exists() or not (secrets_dir() / "k").exists()


# --- ensure_token ------------------------------------------------------------------------


def test_concurrent_ensure_token_agrees_on_one_token(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []

    def counting_token(n: int) -> str:
        made.append(f"token-{len(made)}-{'x' * n}")
        return made[-1]

    monkeypatch.setattr(sm, "token_urlsafe", counting_token)
    start = threading.Barrier(8)
    got: list[str] = []

    def worker() -> None:
        start.wait()
        got.append(SecretStore().ensure_token("shared"))  # separate stores, as separate processes

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 1 and got == made * 8


# --- the keyring path --------------------------------------------------------------------


def test_working_keyring_is_used_and_nothing_touches_disk(
    logs: pytest.LogCaptureFixture,
) -> None:
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    assert set_secret("webhook-hmac", VALUE) == "keyring"
    assert kr.store == {("venuewatch", "webhook-hmac"): VALUE}
    assert get_secret("webhook-hmac") == VALUE
    token = ensure_token()
    assert kr.store[("venuewatch", "console-token")] == token
    leftovers = sorted(p.name for p in secrets_dir().glob("*")) if secrets_dir().exists() else []
    assert leftovers == [".lock"]  # ensure_token's cross-process lock, nothing secret
    assert delete_secret("webhook-hmac") is True and get_secret("webhook-hmac") is None
    assert fallback_warnings(logs.records) == []
    assert_not_in_logs(VALUE, logs.records)


def test_value_written_during_an_outage_moves_to_the_keyring() -> None:
    set_secret("venue-key", "written-while-no-keyring")  # fail.Keyring: goes to the file
    kr = MemoryKeyring()
    kr.set_password("venuewatch", "venue-key", "older-keyring-value")
    keyring.set_keyring(kr)
    assert get_secret("venue-key") == "written-while-no-keyring"  # the newest wins
    assert set_secret("venue-key", VALUE) == "keyring"
    assert not (secrets_dir() / "venue-key").exists()
    assert get_secret("venue-key") == VALUE


def test_failing_keyring_falls_back_and_its_errors_are_redacted(
    logs: pytest.LogCaptureFixture,
) -> None:
    keyring.set_keyring(HostileKeyring())
    where = set_secret("binance-api-key", VALUE)
    assert where == str(secrets_dir() / "binance-api-key")
    assert get_secret("binance-api-key") == VALUE
    warned = fallback_warnings(logs.records)
    assert len(warned) == 1 and "PasswordSetError" in warned[0].getMessage()
    assert "<redacted>" in warned[0].getMessage()
    assert_not_in_logs(VALUE, logs.records)


@pytest.mark.parametrize("backend", [ForgetfulKeyring, keyring.backends.null.Keyring])
def test_keyring_that_keeps_nothing_is_not_trusted(
    backend: type[KeyringBackend], logs: pytest.LogCaptureFixture
) -> None:
    keyring.set_keyring(backend())
    assert set_secret("k", VALUE) == str(secrets_dir() / "k")
    assert get_secret("k") == VALUE
    assert len(fallback_warnings(logs.records)) == 1
    assert_not_in_logs(VALUE, logs.records)
