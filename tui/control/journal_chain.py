"""The journal's canonical form and its verification (the reader's side).

See :mod:`tui.control.journal` for the format. Every check a verifier makes is
here, and the writer runs the same ``_check`` on each line before writing it,
so every line the writer produces is one the verifier accepts.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Final, Literal

import msgspec

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
    anchor_hash: str | None = None  # hash of the entry at the anchor's seq, when asked

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


def _scan(path: Path, f: BinaryIO, collect: bool, at_seq: int = 0) -> _Scan:
    """One streaming pass over the file: every check, stopping at the first problem.

    ``at_seq``: also report the hash of that entry (the anchor's), if reached.
    """
    entries: list[Entry] = []
    at_hash: str | None = None
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
        if checked.seq == at_seq:
            at_hash = checked.hash
        offset += len(raw)
        if collect:
            entries.append(checked)
    return VerifyResult(path, "ok", count, last_hash, anchor_hash=at_hash), entries, b""


def verify(path: str | os.PathLike[str]) -> VerifyResult:
    """Check the whole chain. Raises OSError only if the file cannot be read."""
    with open(path, "rb") as f:
        return _scan(Path(path), f, collect=False)[0]


def read(path: str | os.PathLike[str]) -> ReadResult:
    """Every entry that verifies, for timelines and reports; the problem, if any, in .verify."""
    with open(path, "rb") as f:
        result, entries, _ = _scan(Path(path), f, collect=True)
    return ReadResult(entries, result)
