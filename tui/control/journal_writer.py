"""The journal's single writer: append, fsync, recover a torn tail, heal after a failed
write, anchor. The file format and the failure model are described in
:mod:`tui.control.journal`."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn

import msgspec

from tui.control.journal_anchor import (
    Anchor,
    _sync,
    _sync_dir,
    _write_all,
    read_anchor,
    truncation,
    write_anchor,
)
from tui.control.journal_chain import (
    _RESERVED,
    _TS_FORMAT,
    Entry,
    TornTail,
    VerifyResult,
    _canonical,
    _check,
    _line,
    _scan,
)

if sys.platform != "win32":
    import fcntl
from tui.control.journal_errors import (
    Health,
    JournalBroken,
    JournalError,
    JournalLocked,
    JournalTruncated,
    JournalUnwritable,
)

log = logging.getLogger("venuewatch.journal")


# --- the writer -------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _open_locked(path: Path) -> int:
    flags = os.O_RDWR | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o600)
        if sys.platform != "win32":
            os.fchmod(fd, 0o600)  # exactly 0600, whatever the umask
        _sync_dir(path.parent)
    except FileExistsError:
        fd = os.open(path, flags)
    if sys.platform != "win32":
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise JournalLocked(f"{path}: another process is writing it") from None
    return fd


def _one_line(exc: OSError) -> str:
    name = errno.errorcode.get(exc.errno or 0, type(exc).__name__)
    return f"{exc.strerror or exc} ({name})"


class Journal:
    """The single writer of one journal file. Thread-safe; appends are durable on return."""

    def __init__(
        self,
        path: Path,
        fd: int,
        scan: VerifyResult,
        clock: Callable[[], datetime],
        anchor_every_s: float = 1.0,
    ) -> None:
        self.path = path
        self._fd = fd
        self._clock = clock
        self._lock = threading.Lock()
        self._seq = scan.entries
        self._last = scan.last_hash
        self._size = scan.torn.offset if scan.torn else os.fstat(fd).st_size
        self._failed: str | None = None
        self._failed_since = ""
        self._failed_writes = 0
        self._anchor_every_ns = int(anchor_every_s * 1e9)
        self._anchored_seq = 0
        self._anchored_mono = 0
        self.anchor_error: str | None = None  # why the last anchor write failed, if it did
        self.recovered: TornTail | None = None  # set when open() repaired a torn tail

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] = _now,
        anchor_every_s: float = 1.0,
    ) -> Journal:
        """Open for appending, creating it (0600) if missing and repairing a torn tail.

        Raises JournalBroken if the chain is broken anywhere but a torn last line,
        JournalTruncated if it ends before its anchor, JournalLocked if another
        process has it open for writing.
        """
        path = Path(path)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            anchor = read_anchor(path)
        except ValueError as exc:
            raise JournalBroken(path, 0, str(exc)) from None
        fd = _open_locked(path)
        try:
            # Scan through our own descriptor: the file we lock is the file we check.
            with os.fdopen(os.dup(fd), "rb") as f:
                r, _, torn_bytes = _scan(path, f, collect=False, at_seq=anchor.seq if anchor else 0)
            if r.status == "broken":
                assert r.broken_line is not None and r.reason is not None
                raise JournalBroken(path, r.broken_line, r.reason)
            if problem := truncation(path, r, anchor):
                raise JournalTruncated(
                    f"{path}: TRUNCATED: {problem}; refusing to reuse sequence numbers. "
                    "Keep it and its anchor as evidence and start a new journal."
                )
            journal = cls(path, fd, r, clock, anchor_every_s)
            journal._anchored_seq = anchor.seq if anchor else 0
            if r.torn is not None:
                journal._recover(r.torn, torn_bytes)
            return journal
        except BaseException:
            os.close(fd)
            raise

    def _recover(self, torn: TornTail, data: bytes) -> None:
        # Evidence first: the sidecar is durable before the journal loses the bytes.
        stamp = self._clock().astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        sidecar = self.path.with_name(f"{self.path.name}.torn-{stamp}")
        sfd = os.open(sidecar, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            _write_all(sfd, data)
            _sync(sfd)
        finally:
            os.close(sfd)
        os.ftruncate(self._fd, torn.offset)
        _sync(self._fd)
        _sync_dir(self.path.parent)
        self.recovered = dataclasses.replace(torn, sidecar=sidecar)
        self.append(
            "system",
            event="torn-tail-recovered",
            line=torn.line,
            bytes=torn.size,
            cause=torn.cause,
            sidecar=sidecar.name,
            sha256=hashlib.sha256(data).hexdigest(),
        )

    @property
    def seq(self) -> int:
        """The last seq written (0 for an empty journal)."""
        return self._seq

    @property
    def last_hash(self) -> str:
        return self._last

    @property
    def closed(self) -> bool:
        return self._fd < 0

    @property
    def health(self) -> Health:
        if self._failed is None:
            return Health(True)
        return Health(False, self._failed, self._failed_since, self._failed_writes)

    def append(self, kind: str, /, **fields: object) -> Entry:
        """Write one entry, flush and fsync it, and return it. Durable when this returns.

        Raises ValueError for a payload that is not JSON with string keys (it
        would not verify), JournalError if the journal is closed, and
        JournalUnwritable if the bytes could not be made durable (then nothing
        of this entry stays in the file, and the next append retries).
        """
        if not isinstance(kind, str) or not kind:
            raise ValueError("kind must be a non-empty string")
        if clash := sorted(_RESERVED & fields.keys()):
            raise ValueError(f"payload fields {clash} are reserved by the journal")
        with self._lock:
            if self._fd < 0:
                raise JournalError(f"{self.path}: journal is closed")
            if self._failed is not None:
                self._heal()
            entry = self._append(kind, dict(fields))
            self._maybe_anchor()
            return entry

    def probe(self) -> Health:
        """Retry a failed journal now (a timer calls this so an outage ends without a command)."""
        with self._lock:
            if self._fd >= 0 and self._failed is not None:
                refused = self._failed_writes  # a probe is not a refused write
                try:
                    self._heal()
                except JournalUnwritable:
                    self._failed_writes = refused
            return self.health

    def _append(self, kind: str, fields: dict[str, Any]) -> Entry:
        seq, ts = self._seq + 1, self._clock().astimezone(UTC).strftime(_TS_FORMAT)
        try:
            canonical = _canonical(seq, ts, kind, self._last, fields)
        except (TypeError, msgspec.EncodeError) as exc:
            raise ValueError(f"payload is not JSON-encodable: {exc}") from None
        digest = hashlib.sha256(canonical).hexdigest()
        line = _line(canonical, digest)
        # Verify what we are about to write with the reader's own code, so every
        # line this writer produces is one the verifier accepts.
        checked = _check(msgspec.json.decode(line), line, self._seq, self._last, seq)
        if isinstance(checked, str):
            raise ValueError(f"payload would not verify ({checked})")
        try:
            _write_all(self._fd, line + b"\n")
            _sync(self._fd)
        except OSError as exc:
            self._fail(exc, ts)
        self._seq, self._last = seq, digest
        self._size += len(line) + 1
        return checked

    def _fail(self, exc: OSError, ts: str) -> NoReturn:
        # Cut off whatever part of the entry reached the file: an entry that was
        # not acknowledged must not appear later as if it had been.
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, self._size)
        reason = _one_line(exc)
        if self._failed is None:
            self._failed_since = ts
            log.critical("journal %s unwritable: %s", self.path, reason)
        self._failed = reason
        self._failed_writes += 1
        raise JournalUnwritable(self.path, f"{self.path.name}: {reason}") from None

    def _heal(self) -> None:
        """Reopen after a failure and journal the gap; JournalUnwritable if still failing."""
        ts = self._clock().astimezone(UTC).strftime(_TS_FORMAT)
        try:
            # A fresh descriptor, cut back to the last acknowledged byte: after a
            # failed fsync the old descriptor's pages cannot be trusted.
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            self._fail(exc, ts)
        old, self._fd = self._fd, fd
        os.close(old)  # releases our flock; taken again at once on the new descriptor
        try:
            if sys.platform != "win32":
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.ftruncate(fd, self._size)
            _sync(fd)
        except OSError as exc:
            self._fail(exc, ts)
        failed, since, count = self._failed, self._failed_since, self._failed_writes
        self._append(
            "system",
            {
                "event": "journal-gap",
                "reason": failed,
                "since": since,
                "failed_writes": count,
            },
        )
        self._failed, self._failed_since, self._failed_writes = None, "", 0
        log.warning("journal %s writable again after %d failed writes", self.path, count)

    def _maybe_anchor(self, force: bool = False) -> None:
        if self._seq == self._anchored_seq:
            return
        now = time.monotonic_ns()
        if not force and now - self._anchored_mono < self._anchor_every_ns:
            return
        ts = self._clock().astimezone(UTC).strftime(_TS_FORMAT)
        try:
            write_anchor(self.path, Anchor(self._seq, self._last, ts))
        except OSError as exc:
            # The anchor lags; the journal itself is intact, so this is not a refusal.
            self.anchor_error = _one_line(exc)
            return
        self.anchor_error = None
        self._anchored_seq, self._anchored_mono = self._seq, now

    def checkpoint_anchor(self) -> Anchor:
        """Write the anchor now; return the head it records."""
        with self._lock:
            self._maybe_anchor(force=True)
            return Anchor(self._anchored_seq, self._last, "")

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                if self._failed is None:
                    self._maybe_anchor(force=True)
                os.close(self._fd)  # releases the flock
                self._fd = -1

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
