"""Credentials: the console token, webhook HMAC secrets, venue API keys.

They live in the OS keyring (service ``venuewatch``, one entry per name). A
headless desk box or a container often has no usable keyring, and a console
that cannot start there is no use in an incident, so where the keyring is
missing (``keyring.backends.fail.Keyring``), fails, or silently drops what it
is given, a secret goes to a file instead: ``$XDG_STATE_HOME/venuewatch/
secrets/<name>`` (``~/.local/state`` without XDG), file 0600, directory 0700.
That is said once per process in the ``venuewatch.secrets`` log, with the path.

A value must never reach a log, an exception or a repr: values travel inside
:class:`Secret`, whose repr and str are redacted; nothing here formats a value
into a message, and errors are raised outside ``except`` blocks that saw one,
so no exception chain drags it along either. A fallback file readable by
anyone but its owner is refused (it may already have leaked: fix and rotate).
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import re
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from secrets import token_hex, token_urlsafe
from typing import Final, NoReturn

import keyring
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
from keyring.backend import KeyringBackend

from tui.errors import UserError
from tui.paths import secrets_dir
from tui.paths import state_home as state_home

if sys.platform != "win32":
    import fcntl

SERVICE: Final = "venuewatch"
KEYRING: Final = "keyring"
log = logging.getLogger("venuewatch.secrets")

# Names become file names: no separators, no leading dot (temp and lock files use one).
_NAME_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")
_O_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC: Final = getattr(os, "O_CLOEXEC", 0)


class Secret:
    """A credential value that does not print itself. ``reveal()`` gets the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("a Secret wraps a str")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret(<redacted>)"

    def __str__(self) -> str:
        return "<redacted>"

    def __format__(self, spec: str) -> str:
        return "<redacted>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __reduce__(self) -> NoReturn:
        # Pickles end up in caches, queues and crash dumps.
        raise TypeError("a Secret cannot be pickled")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: object) -> Secret:
        return self


class SecretError(UserError):
    """A credential cannot be used; the message names the file and the fix, never the value."""


class InsecureSecretFile(SecretError):
    """A fallback file others can read (or that is not ours): refused until fixed."""


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(
            f"invalid secret name {name!r}: use letters, digits, '.', '_', '-' "
            "(not starting with '.' or '-'), at most 128 characters"
        )


def _check_value(value: str) -> None:
    if not value or any(c in value for c in "\0\r\n"):
        raise ValueError("a secret value must be a non-empty single line without NUL bytes")


def _describe(exc: BaseException, value: str | None = None) -> str:
    """An exception as a log-safe reason: type and message, the value cut out if present."""
    text = f"{type(exc).__name__}: {exc}"
    return text.replace(value, "<redacted>") if value else text


def _fsync_dir(path: Path) -> None:
    if sys.platform == "win32":
        return
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SecretStore:
    """Keyring first, file fallback. ``directory=None`` follows the environment per call."""

    def __init__(self, service: str = SERVICE, directory: Path | None = None) -> None:
        self.service = service
        self._directory = directory
        self._warned = False

    @property
    def directory(self) -> Path:
        return self._directory or secrets_dir()

    # --- public operations ------------------------------------------------------------

    def get(self, name: str) -> Secret | None:
        """The secret, from the fallback file or else the keyring; None if neither has it."""
        _check_name(name)
        path = self.directory / name
        # The file wins: set() removes it whenever the keyring takes a value, so a file
        # that exists holds the newest value (written while the keyring was failing).
        found = self._read_file(path)
        kr, reason = self._keyring()
        if found is None and kr is not None:
            try:
                value = kr.get_password(self.service, name)
            except Exception as exc:
                reason = _describe(exc)
            else:
                return None if value is None else Secret(value)
        if reason is not None:
            self._note_fallback(path, reason)
        return found

    def set(self, name: str, value: str | Secret) -> str:
        """Store it; returns where it went: "keyring" or the fallback file's path."""
        _check_name(name)
        plain = value.reveal() if isinstance(value, Secret) else value
        _check_value(plain)
        kr, reason = self._keyring()
        if kr is not None:
            try:
                kr.set_password(self.service, name, plain)
                kept = kr.get_password(self.service, name) == plain
            except Exception as exc:
                reason = _describe(exc, plain)
            else:
                if kept:
                    # A copy written during an outage must not linger on disk.
                    (self.directory / name).unlink(missing_ok=True)
                    return KEYRING
                reason = f"{type(kr).__name__} did not keep the value"
        path = self._write_file(name, plain)
        self._note_fallback(path, reason or "keyring unavailable")
        return str(path)

    def delete(self, name: str) -> bool:
        """Remove it from the keyring and the fallback file; True if either had it."""
        _check_name(name)
        found = False
        kr, _ = self._keyring()
        if kr is not None:
            try:
                if kr.get_password(self.service, name) is not None:
                    kr.delete_password(self.service, name)
                    found = True
            except Exception as exc:
                log.warning("could not delete %r from the keyring (%s)", name, _describe(exc))
        path = self.directory / name
        if path.exists():
            path.unlink()
            found = True
        return found

    def ensure_token(self, name: str = "console-token") -> str:
        """The named token, created (``token_urlsafe(32)``) if missing.

        Serialised across processes with a lock file, because ``demo`` starts the
        engine and the TUI together and both must end up with the same token.
        """
        _check_name(name)
        with self._locked():
            existing = self.get(name)
            if existing is not None:
                return existing.reveal()
            token = token_urlsafe(32)
            self.set(name, token)
            return token

    # --- keyring --------------------------------------------------------------------

    def _keyring(self) -> tuple[KeyringBackend | None, str | None]:
        """The backend if it may work, else None and why not."""
        try:
            kr = keyring.get_keyring()
        except Exception as exc:
            return None, _describe(exc)
        if isinstance(kr, keyring.backends.fail.Keyring | keyring.backends.null.Keyring):
            return None, f"backend is {type(kr).__module__}.{type(kr).__name__}"
        return kr, None

    def _note_fallback(self, path: Path, reason: str) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "OS keyring not usable (%s); credentials are kept in files with mode 0600 "
                "under %s (this one: %s)",
                reason,
                path.parent,
                path,
            )

    # --- files ----------------------------------------------------------------------

    def _ensure_dir(self) -> Path:
        d = self.directory
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
        if sys.platform != "win32":
            st = os.stat(d)
            if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) != 0o700:
                os.chmod(d, 0o700)  # our directory: tighten it (mkdir honours the umask)
        return d

    def _read_file(self, path: Path) -> Secret | None:
        try:
            fd, problem = os.open(path, os.O_RDONLY | _O_NOFOLLOW | _O_CLOEXEC), None
        except FileNotFoundError:
            return None
        except OSError as exc:
            fd, problem = -1, exc.strerror or type(exc).__name__
        if problem is not None:
            _raise(SecretError(f"cannot read secret file {path}: {problem} (a symlink?)"))
        with os.fdopen(fd, "rb") as f:
            _check_file(path, os.fstat(f.fileno()))
            data = f.read()
        if data.endswith(b"\n"):  # an editor may have added one
            data = data[:-1]
        try:
            value: str | None = data.decode("utf-8")
        except UnicodeDecodeError:  # its message quotes a byte of the secret
            value = None
        if not value:
            _raise(SecretError(f"secret file {path} is empty or not UTF-8: delete it or set it"))
        return Secret(value)

    def _write_file(self, name: str, value: str) -> Path:
        """Atomic: a reader sees the old file or the new one, never half of either."""
        d = self._ensure_dir()
        path = d / name
        tmp = d / f".{name}.{os.getpid()}.{token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC, 0o600)
        try:
            if sys.platform != "win32":
                os.fchmod(fd, 0o600)
            view = memoryview(value.encode("utf-8"))
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        os.close(fd)
        os.replace(tmp, path)
        _fsync_dir(d)
        return path

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        if sys.platform == "win32":
            yield
            return
        fd = os.open(self._ensure_dir() / ".lock", os.O_RDWR | os.O_CREAT | _O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock


def _check_file(path: Path, st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        _raise(SecretError(f"secret file {path} is not a regular file"))
    if sys.platform == "win32":
        return
    if st.st_uid != os.getuid():
        _raise(
            InsecureSecretFile(
                f"secret file {path} belongs to uid {st.st_uid}, not to you (uid {os.getuid()}); "
                "refusing to use it: delete it and set the secret again"
            )
        )
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o177:
        _raise(
            InsecureSecretFile(
                f"secret file {path} has mode {mode:04o}, wider than 0600, so others may have "
                f"read it; refusing to use it. Fix: chmod 600 '{path}' and rotate the secret"
            )
        )


def _raise(exc: SecretError) -> NoReturn:
    """Raise with no chained context: a context could carry the value or its bytes."""
    exc.__suppress_context__ = True
    raise exc


# --- the process-wide store -----------------------------------------------------------

_store = SecretStore()


def load_secret(name: str) -> Secret | None:
    """Like get_secret, but the value stays wrapped: prefer it where the value travels."""
    return _store.get(name)


def get_secret(name: str) -> str | None:
    secret = _store.get(name)
    return None if secret is None else secret.reveal()


def set_secret(name: str, value: str | Secret) -> str:
    """Returns "keyring" or the path of the fallback file."""
    return _store.set(name, value)


def delete_secret(name: str) -> bool:
    return _store.delete(name)


def ensure_token(name: str = "console-token") -> str:
    return _store.ensure_token(name)
