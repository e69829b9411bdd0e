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
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import os
import re
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Final, Literal

import msgspec

if sys.platform != "win32":
    import fcntl

ZERO_HASH: Final = "0" * 64
_HEADER: Final = ("seq", "ts", "kind", "prev", "hash")
_RESERVED: Final = frozenset(_HEADER)
_TS_FORMAT: Final = "%Y-%m-%dT%H:%M:%S.%fZ"
_TS_RE: Final = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\Z")
_HEX_RE: Final = re.compile(r"[0-9a-f]{64}\Z")


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """One journalled entry; ``fields`` is the caller's payload as it reads back."""

    seq: int
    ts: str
    kind: str
    prev: str
    hash: str
    fields: dict[str, Any]

    @property
    def time(self) -> datetime:
        return datetime.strptime(self.ts, _TS_FORMAT).replace(tzinfo=UTC)

    def as_dict(self) -> dict[str, Any]:
        """The entry as one flat object, in the order it is written."""
        head = {"seq": self.seq, "ts": self.ts, "kind": self.kind, "prev": self.prev}
        return {**head, **self.fields, "hash": self.hash}


@dataclass(frozen=True, slots=True)
class TornTail:
    """A last line left incomplete by a crash mid-write: not tampering, but reported."""

    line: int
    offset: int  # byte offset where the torn line starts (= length of the good part)
    size: int  # bytes in the torn line, newline included if it had one
    cause: str  # "no newline" or "not valid JSON"
    sidecar: Path | None = None  # where Journal.open preserved the bytes

    def describe(self) -> str:
        return f"line {self.line}: torn last line ({self.cause}, {self.size} bytes)"


@dataclass(frozen=True, slots=True)
class VerifyResult:
    path: Path
    status: Literal["ok", "torn", "broken"]
    entries: int  # entries that verify (all of them when ok; those before the problem otherwise)
    last_hash: str  # hash of the last entry that verifies (ZERO_HASH if none)
    broken_line: int | None = None
    reason: str | None = None  # e.g. "line 7: hash does not match its content (modified)"
    torn: TornTail | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True, slots=True)
class ReadResult:
    """Entries that verify, in order; a torn tail or a broken chain stops the list."""

    entries: list[Entry]
    verify: VerifyResult

    @property
    def torn(self) -> TornTail | None:
        return self.verify.torn


class JournalError(Exception):
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


# --- canonical form and verification ------------------------------------------------------


def _canonical(seq: int, ts: str, kind: str, prev: str, fields: dict[str, Any]) -> bytes:
    head = msgspec.json.encode({"seq": seq, "ts": ts, "kind": kind, "prev": prev})
    if not fields:
        return head
    return head[:-1] + b"," + msgspec.json.encode(fields, order="sorted")[1:]


def _line(canonical: bytes, digest: str) -> bytes:
    return canonical[:-1] + b',"hash":"' + digest.encode("ascii") + b'"}'


def _check(obj: object, body: bytes, last_seq: int, last_hash: str, lineno: int) -> Entry | str:
    """The entry on this line, or why it does not continue the chain."""
    if not isinstance(obj, dict):
        return "not a JSON object"
    if missing := [n for n in _HEADER if n not in obj]:
        return f"missing field {missing[0]!r}"
    seq, ts, kind, prev, digest = (obj[n] for n in _HEADER)
    shape = {
        "seq": type(seq) is int,
        "ts": isinstance(ts, str) and _TS_RE.match(ts) is not None,
        "kind": isinstance(kind, str) and kind != "",
        "prev": isinstance(prev, str) and _HEX_RE.match(prev) is not None,
        "hash": isinstance(digest, str) and _HEX_RE.match(digest) is not None,
    }
    if wrong := [n for n, good in shape.items() if not good]:
        return f"field {wrong[0]!r} is malformed"
    fields = {k: v for k, v in obj.items() if k not in _RESERVED}
    try:
        canonical = _canonical(seq, ts, kind, prev, fields)
    except (TypeError, msgspec.EncodeError):
        return "fields cannot be encoded canonically"
    if hashlib.sha256(canonical).hexdigest() != digest:
        return "hash does not match its content (modified)"
    if _line(canonical, digest) != body:
        return "not in canonical form (reformatted or re-ordered)"
    if seq != last_seq + 1:
        return f"seq {seq} follows {last_seq}"
    if prev != last_hash:
        if lineno == 1:
            return "prev of the first entry is not 64 zeros"
        return f"prev does not match line {lineno - 1}"
    return Entry(seq=seq, ts=ts, kind=kind, prev=prev, hash=digest, fields=fields)


_Scan = tuple[VerifyResult, list[Entry], bytes]  # result, entries, torn bytes


def _scan(path: Path, f: BinaryIO, collect: bool) -> _Scan:
    """One streaming pass over the file: every check, stopping at the first problem."""
    entries: list[Entry] = []
    count, last_seq, last_hash, offset = 0, 0, ZERO_HASH, 0
    lines = iter(f)
    for lineno, raw in enumerate(lines, 1):
        cause = None if raw.endswith(b"\n") else "no newline"
        if cause is None:
            try:
                obj = msgspec.json.decode(raw[:-1])
                checked = _check(obj, raw[:-1], last_seq, last_hash, lineno)
            except msgspec.MsgspecError:
                checked = "not valid JSON"
                # A crash leaves garbage only at the end; anywhere else it is damage.
                if next(lines, None) is None:
                    cause = checked
        if cause is not None:
            torn = TornTail(lineno, offset, len(raw), cause)
            r = VerifyResult(path, "torn", count, last_hash, lineno, torn.describe(), torn)
            return r, entries, raw
        if isinstance(checked, str):
            reason = f"line {lineno}: {checked}"
            return VerifyResult(path, "broken", count, last_hash, lineno, reason), entries, b""
        count, last_seq, last_hash = count + 1, checked.seq, checked.hash
        offset += len(raw)
        if collect:
            entries.append(checked)
    return VerifyResult(path, "ok", count, last_hash), entries, b""


def verify(path: str | os.PathLike[str]) -> VerifyResult:
    """Check the whole chain. Raises OSError only if the file cannot be read."""
    with open(path, "rb") as f:
        return _scan(Path(path), f, collect=False)[0]


def read(path: str | os.PathLike[str]) -> ReadResult:
    """Every entry that verifies, for timelines and reports; the problem, if any, in .verify."""
    with open(path, "rb") as f:
        result, entries, _ = _scan(Path(path), f, collect=True)
    return ReadResult(entries, result)


def verify_main(path: str | os.PathLike[str]) -> tuple[int, str]:
    """Exit code and one-line message for ``venuewatch journal verify FILE``."""
    try:
        r = verify(path)
    except OSError as exc:
        return 2, f"{path}: UNREADABLE: {exc.strerror or exc}"
    if r.status == "ok":
        return 0, f"{path}: OK: {r.entries} entries, chain intact, last hash {r.last_hash}"
    if r.status == "torn":
        return 1, (
            f"{path}: TORN: {r.reason}; the {r.entries} entries before it verify "
            "(a crash mid-write, not tampering)"
        )
    return 1, f"{path}: BROKEN: {r.reason} ({r.entries} entries verify before it)"


# --- the writer -------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _sync(fd: int) -> None:
    if sys.platform == "darwin":
        try:  # macOS fsync does not flush the drive's cache; F_FULLFSYNC does.
            fcntl.fcntl(fd, fcntl.F_FULLFSYNC)
            return
        except OSError:
            pass
    os.fsync(fd)


def _sync_dir(path: Path) -> None:
    """Make a created, renamed or truncated file's directory entry durable too."""
    if sys.platform == "win32":
        return
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class Journal:
    """The single writer of one journal file. Thread-safe; appends are durable on return."""

    def __init__(self, path: Path, fd: int, scan: VerifyResult, clock: Callable[[], datetime]):
        self.path = path
        self._fd = fd
        self._clock = clock
        self._lock = threading.Lock()
        self._seq = scan.entries
        self._last = scan.last_hash
        self._failed: str | None = None
        self.recovered: TornTail | None = None  # set when open() repaired a torn tail

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, clock: Callable[[], datetime] = _now) -> Journal:
        """Open for appending, creating it (0600) if missing and repairing a torn tail.

        Raises JournalBroken if the chain is broken anywhere but a torn last line,
        JournalLocked if another process has it open for writing.
        """
        path = Path(path)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        flags = os.O_RDWR | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o600)
            if sys.platform != "win32":
                os.fchmod(fd, 0o600)  # exactly 0600, whatever the umask
            _sync_dir(path.parent)
        except FileExistsError:
            fd = os.open(path, flags)
        try:
            if sys.platform != "win32":
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise JournalLocked(f"{path}: another process is writing it") from None
            # Scan through our own descriptor: the file we lock is the file we check.
            with os.fdopen(os.dup(fd), "rb") as f:
                r, _, torn_bytes = _scan(path, f, collect=False)
            if r.status == "broken":
                assert r.broken_line is not None and r.reason is not None
                raise JournalBroken(path, r.broken_line, r.reason)
            journal = cls(path, fd, r, clock)
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

    def append(self, kind: str, /, **fields: object) -> Entry:
        """Write one entry, flush and fsync it, and return it. Durable when this returns.

        Raises ValueError for a payload that is not JSON with string keys (it
        would not verify), JournalError if the journal is closed or a previous
        write failed (after a failed fsync the page cache cannot be trusted:
        reopen, which repairs a torn tail).
        """
        if not isinstance(kind, str) or not kind:
            raise ValueError("kind must be a non-empty string")
        if clash := sorted(_RESERVED & fields.keys()):
            raise ValueError(f"payload fields {clash} are reserved by the journal")
        with self._lock:
            if self._fd < 0:
                raise JournalError(f"{self.path}: journal is closed")
            if self._failed is not None:
                raise JournalError(f"{self.path}: an earlier write failed ({self._failed}); reopen")
            seq, ts = self._seq + 1, self._clock().astimezone(UTC).strftime(_TS_FORMAT)
            try:
                canonical = _canonical(seq, ts, kind, self._last, dict(fields))
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
                self._failed = f"{type(exc).__name__}: {exc}"
                raise JournalError(f"{self.path}: write failed: {exc}") from exc
            self._seq, self._last = seq, digest
            return checked

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
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
        cls, path: str | os.PathLike[str], *, clock: Callable[[], datetime] = _now
    ) -> AsyncJournal:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal-writer")
        try:
            journal = await asyncio.wrap_future(executor.submit(Journal.open, path, clock=clock))
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(journal, executor)

    def append(self, kind: str, /, **fields: object) -> asyncio.Future[Entry]:
        if self._closed:
            raise JournalError(f"{self.journal.path}: journal is closed")
        done = self._executor.submit(self.journal.append, kind, **fields)
        return asyncio.shield(asyncio.wrap_future(done))

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
