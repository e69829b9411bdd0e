"""The journal's external anchor and the durable-write helpers it shares with the writer.

``<journal>.anchor`` holds the head ``seq`` and ``hash`` (JSON, fsynced, replaced
atomically). A journal that ends before its anchor was truncated; one whose
entry at the anchor's seq has another hash was rewritten.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import msgspec

from tui.control.journal_chain import _HEX_RE, VerifyResult

if sys.platform != "win32":
    import fcntl


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


@dataclass(frozen=True, slots=True)
class Anchor:
    """The head of the chain, kept outside the journal file."""

    seq: int
    hash: str
    ts: str

    def describe(self) -> str:
        return f"seq {self.seq} hash {self.hash} at {self.ts}"


def anchor_path(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    return p.with_name(p.name + ".anchor")


def read_anchor(path: str | os.PathLike[str]) -> Anchor | None:
    """The anchor beside a journal; None if there is none. ValueError if unreadable."""
    ap = anchor_path(path)
    try:
        data = ap.read_bytes()
    except FileNotFoundError:
        return None
    try:
        obj = msgspec.json.decode(data)
        seq, digest, ts = obj["seq"], obj["hash"], obj["ts"]
        if type(seq) is not int or seq < 0 or not _HEX_RE.match(str(digest)):
            raise ValueError
        return Anchor(seq, str(digest), str(ts))
    except (msgspec.MsgspecError, ValueError, KeyError, TypeError):
        raise ValueError(f"{ap}: not a journal anchor (malformed)") from None


def write_anchor(path: Path, anchor: Anchor) -> None:
    ap = anchor_path(path)
    tmp = ap.with_name(ap.name + ".tmp")
    data = msgspec.json.encode({"seq": anchor.seq, "hash": anchor.hash, "ts": anchor.ts})
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        _write_all(fd, data + b"\n")
        _sync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, ap)
    _sync_dir(path.parent)


def truncation(path: Path, r: VerifyResult, anchor: Anchor | None) -> str | None:
    """Why the journal does not reach its anchor, or None if it does."""
    if anchor is None:
        return None
    if anchor.seq > r.entries:
        first = r.entries + 1
        missing = f"seq {first}" if first == anchor.seq else f"seqs {first}-{anchor.seq}"
        return (
            f"ends at seq {r.entries} but its anchor {anchor_path(path).name} records "
            f"seq {anchor.seq} ({anchor.ts}): {missing} removed"
        )
    if r.anchor_hash is not None and r.anchor_hash != anchor.hash:
        return f"entry seq {anchor.seq} does not match its anchor's hash (rewritten)"
    return None
