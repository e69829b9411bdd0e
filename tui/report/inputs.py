"""What a file is, before a report or a verifier trusts it to be a journal.

A capture (gzip NDJSON of frames), a config or any other file handed to
``report`` or ``journal verify`` must be refused by name, not turned into an
empty report or called a torn journal.
"""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path

import msgspec

_JOURNAL_FIELDS = ("seq", "ts", "kind", "prev", "hash")


def sniff(path: str | Path) -> str:
    """``journal``, ``empty``, ``capture``, ``gzip`` or ``other`` from the first line.

    Raises OSError when the file cannot be read.
    """
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    if not head:
        return "empty"
    gz = head[:2] == b"\x1f\x8b"
    if gz:
        try:
            head = zlib.decompressobj(wbits=31).decompress(head, 1 << 16)
        except zlib.error:
            return "gzip"
    first = head.split(b"\n", 1)[0]
    try:
        obj = msgspec.json.decode(first)
    except msgspec.DecodeError:
        # A journal's single torn line is still a journal's: it starts like one.
        return "journal" if first.startswith(b'{"seq":') else "other"
    if isinstance(obj, dict):
        if all(k in obj for k in _JOURNAL_FIELDS):
            return "journal"
        if "venue" in obj and ("raw" in obj or "event" in obj or "raw_b64" in obj):
            return "capture"
    return "gzip" if gz else "other"


def not_a_journal(path: str | Path) -> str | None:
    """Why this file is not an audit journal, or None if it looks like one."""
    kind = sniff(path)
    if kind in ("journal", "empty"):
        return None
    what = {
        "capture": "a capture of venue frames",
        "gzip": "a gzip file",
        "other": "not JSON lines with seq, ts, kind, prev and hash",
    }[kind]
    hint = " (replay it with `venuewatch replay`)" if kind == "capture" else ""
    return f"{path}: not an audit journal: {what}{hint}"


def sha256(path: str | Path) -> tuple[str, int]:
    """SHA-256 hex and size in bytes of a file (captures named in a report)."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size
