"""The tamper-evident audit journal: what a post-mortem and a regulator read.

Every control action is appended here and fsynced *before* it takes effect, so
an acknowledged entry survives a crash or a power cut. The file is JSON lines
(UTF-8, one object a line, ``\\n``-terminated)::

    {"seq":1,"ts":"2026-11-24T13:12:13.123456Z","kind":"command","prev":"000…0",
     "action":"isolate","venue":"kraken","hash":"9f2c…"}

Canonical form (what is hashed, and what is written):

* the *canonical bytes* of an entry are a JSON object without whitespace: first
  ``seq``, ``ts``, ``kind``, ``prev`` in that order, then the caller's fields
  sorted by key (code point order), nested objects sorted by key too; strings
  as msgspec writes them (non-ASCII as raw UTF-8), floats in shortest
  round-trip form;
* ``hash`` = SHA-256 hex of the canonical bytes; ``prev`` = the previous
  entry's ``hash`` (64 zeros for the first). Each hash therefore commits to the
  whole history before it;
* the line is the canonical bytes with ``,"hash":"…"`` spliced in before the
  closing brace. A verifier re-derives the canonical bytes from a parsed line
  and compares byte for byte, so an edited value is named on its own line
  ("hash does not match its content"), an edit whose hash was recomputed
  breaks the next line's ``prev``, and a merely reformatted line is caught too.

``ts`` is wall-clock UTC and may step backwards with the clock; ``seq`` is the
order. A crash mid-write leaves at most one torn last line: readers report it
distinctly from tampering, and :meth:`Journal.open` moves it to a sidecar file
and journals the recovery. One writer per file, enforced with ``flock``.

Failure and truncation (the worst minute):

* a write that fails (disk full, I/O error) raises :class:`JournalUnwritable`
  with a one-line reason; the partial bytes are cut back off, so nothing that
  was not acknowledged stays in the file. The journal never wedges: the next
  append (or :meth:`Journal.probe`) reopens the file and, once a write
  succeeds again, journals a ``journal-gap`` entry saying since when and how
  many writes failed before the entry that was asked for;
* an *external anchor* (``<journal>.anchor``, JSON, fsynced, replaced
  atomically) holds the head ``seq`` and ``hash`` at most ``anchor_every_s``
  behind the journal and at close. ``verify`` prints it and names a journal
  that ends before its anchor as TRUNCATED; :meth:`Journal.open` refuses such
  a journal, so a sequence number is never issued twice.
"""

from __future__ import annotations

import asyncio
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
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
    anchor_path,
    read_anchor,
    truncation,
    write_anchor,
)
from tui.control.journal_chain import (
    _RESERVED,
    _TS_FORMAT,
    ZERO_HASH,
    Entry,
    ReadResult,
    TornTail,
    VerifyResult,
    _canonical,
    _check,
    _line,
    _scan,
    read,
    verify,
)
from tui.errors import UserError

if sys.platform != "win32":
    import fcntl

__all__ = [
    "ZERO_HASH",
    "Anchor",
    "AsyncJournal",
    "Entry",
    "Health",
    "Journal",
    "JournalBroken",
    "JournalError",
    "JournalLocked",
    "JournalTruncated",
    "JournalUnwritable",
    "ReadResult",
    "TornTail",
    "VerifyResult",
    "anchor_path",
    "read",
    "read_anchor",
    "verify",
    "verify_main",
]

log = logging.getLogger("venuewatch.journal")


class JournalError(UserError):
    """The journal cannot be written; the message says why and what to do."""


class JournalBroken(JournalError):
    """The chain is broken before the last line: never append to a tampered journal."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(
            f"{path}: chain broken at {reason}; refusing to append to it. "
            "Keep it as evidence and start a new journal."
        )
        self.path, self.line, self.reason = path, line, reason


class JournalLocked(JournalError):
    """Another writer holds the journal; two writers would fork the chain."""


class JournalTruncated(JournalError):
    """The journal ends before its anchor: entries were removed. Never reuse their seqs."""


class JournalUnwritable(JournalError, OSError):
    """An append could not be made durable (disk full, I/O error); nothing was recorded.

    The hook for the controller: catch it around an append and refuse the
    command (no effect) with ``reason`` (one line, meant for a console). It is an
    OSError too, so code that treats storage failures alike keeps working. The
    journal is not wedged: a later append retries, and journals the gap.
    """

    def __init__(self, path: Path, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"journal unwritable: {reason}")

    def __str__(self) -> str:
        return f"journal unwritable: {self.reason}"


@dataclass(frozen=True, slots=True)
class Health:
    """Whether the journal can record right now (part of the engine's health)."""

    ok: bool
    reason: str = ""  # one line: why the last write failed
    since: str = ""  # UTC ts of the first failure of this outage
    failed_writes: int = 0  # appends refused in this outage


def verify_main(path: str | os.PathLike[str]) -> tuple[int, str]:
    """Exit code and one-line message for ``venuewatch journal verify FILE``."""
    try:
        anchor = read_anchor(path)
        with open(path, "rb") as f:
            r = _scan(Path(path), f, collect=False, at_seq=anchor.seq if anchor else 0)[0]
    except OSError as exc:
        return 2, f"{path}: UNREADABLE: {exc.strerror or exc}"
    except ValueError as exc:
        return 2, f"{exc}"
    if r.status == "ok" and (problem := truncation(Path(path), r, anchor)):
        return 1, f"{path}: TRUNCATED: {problem}"
    if r.status == "ok":
        where = f"anchor seq {anchor.seq} ({anchor.ts}) matches" if anchor else "no anchor"
        return 0, (
            f"{path}: OK: {r.entries} entries, chain intact, last hash {r.last_hash}; {where}"
        )
    if r.status == "torn":
        return 1, (
            f"{path}: TORN: {r.reason}; the {r.entries} entries before it verify "
            "(a crash mid-write, not tampering)"
        )
    return 1, f"{path}: BROKEN: {r.reason} ({r.entries} entries verify before it)"


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


class AsyncJournal:
    """A Journal for the event loop: appends run on ONE writer thread, in call order.

    ``append`` submits at call time (not when first awaited), so the seq order
    is the order of the calls; the returned future completes after the fsync.
    Cancelling the awaiting task does not withdraw a submitted entry: once asked
    for, an audit entry is written.
    """

    def __init__(self, journal: Journal, executor: ThreadPoolExecutor) -> None:
        self.journal = journal
        self._executor = executor
        self._closed = False

    @classmethod
    async def open(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] = _now,
        anchor_every_s: float = 1.0,
    ) -> AsyncJournal:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal-writer")
        try:
            journal = await asyncio.wrap_future(
                executor.submit(Journal.open, path, clock=clock, anchor_every_s=anchor_every_s)
            )
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(journal, executor)

    def append(self, kind: str, /, **fields: object) -> asyncio.Future[Entry]:
        if self._closed:
            raise JournalError(f"{self.journal.path}: journal is closed")
        done = self._executor.submit(self.journal.append, kind, **fields)
        return asyncio.shield(asyncio.wrap_future(done))

    @property
    def health(self) -> Health:
        return self.journal.health

    async def probe(self) -> Health:
        """Retry a failed journal on the writer thread (in order with appends)."""
        if self._closed:
            return self.journal.health
        return await asyncio.wrap_future(self._executor.submit(self.journal.probe))

    async def checkpoint_anchor(self) -> Anchor:
        return await asyncio.wrap_future(self._executor.submit(self.journal.checkpoint_anchor))

    async def aclose(self) -> None:
        """Close after every entry already submitted has been written."""
        if self._closed:
            return
        self._closed = True
        await asyncio.wrap_future(self._executor.submit(self.journal.close))
        self._executor.shutdown(wait=False)  # idle now: close() was the last job

    async def __aenter__(self) -> AsyncJournal:
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
