"""Capture files: every raw frame with its receive time, for forensics.

Format (gzip-compressed NDJSON, one JSON object a line; plain NDJSON is read
too)::

    {"ts": 1700000000123456789, "venue": "binance", "conn": "binance-1#1", "raw": "<frame text>"}
    {"ts": ..., "venue": ..., "conn": ..., "event": "connect", "url": "...", "symbols": ["BTCUSDT"],
     "settings": {"adapter": "binance", "depth": 1000, ...}}
    {"ts": ..., "venue": ..., "conn": ..., "event": "snapshot", "symbol": "BTCUSDT",
     "raw": "<body>"}
    {"ts": ..., "venue": ..., "conn": ..., "event": "disconnect", "reason": "..."}
    {"ts": ..., "venue": "", "conn": "", "event": "config", "settings": {"engine": {...}, ...}}

``config`` (first, when the recorder knows it) holds the engine settings and
instrument map in force, so a replay judges the capture the way it was judged.
``ts`` is the receive time in ns since the epoch (UTC). A frame that is not
valid UTF-8 is kept byte for byte as ``raw_b64`` instead of ``raw``, so a
capture never loses what the venue actually sent. The writer flushes a
complete gzip block every second, on a timer as well as on writes
(:meth:`Writer.flush_every`): the frames just before a venue went silent are
on disk within a second even if no frame follows. After a crash everything
but the last second is readable, and the reader names the line where a torn
file ends.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import time
import zlib
from collections.abc import Iterator
from io import BufferedReader
from pathlib import Path
from typing import Final

import msgspec

FLUSH_EVERY_S: Final = 1.0
EVENTS: Final = frozenset({"connect", "disconnect", "snapshot", "config"})


class Line(msgspec.Struct, omit_defaults=True):
    ts: int
    venue: str
    conn: str
    raw: str | None = None
    raw_b64: str | None = None
    event: str | None = None
    symbol: str | None = None
    symbols: list[str] | None = None
    url: str | None = None
    reason: str | None = None
    settings: dict[str, object] | None = None
    """On connect: the adapter settings in force, so a replay rebuilds the same adapter."""

    def payload(self) -> bytes | str:
        """The recorded frame or body, as it was received."""
        if self.raw is not None:
            return self.raw
        if self.raw_b64 is not None:
            return base64.b64decode(self.raw_b64)
        return ""


class CaptureError(Exception):
    """An unreadable or malformed capture; the message names the file and line."""


class Writer:
    """Appends capture lines to a gzip file. Implements the supervisor's Recorder."""

    def __init__(self, path: str | Path, compresslevel: int = 3) -> None:
        self.path = Path(path)
        self._raw = open(self.path, "ab")  # noqa: SIM115 - closed in close()
        self._gz = gzip.GzipFile(fileobj=self._raw, mode="ab", compresslevel=compresslevel)
        self._enc = msgspec.json.Encoder()
        self._last_flush = time.monotonic()
        self._dirty = False
        self.lines = 0

    def frame(self, ts: int, venue: str, conn: str, raw: bytes | str) -> None:
        if isinstance(raw, str):
            line = Line(ts, venue, conn, raw=raw)
        else:
            try:
                line = Line(ts, venue, conn, raw=raw.decode("utf-8"))
            except UnicodeDecodeError:
                line = Line(ts, venue, conn, raw_b64=base64.b64encode(raw).decode("ascii"))
        self._write(line)

    def event(self, ts: int, venue: str, conn: str, event: str, **fields: object) -> None:
        if event not in EVENTS:
            raise ValueError(f"unknown capture event {event!r}")
        line = msgspec.convert(
            {"ts": ts, "venue": venue, "conn": conn, "event": event, **fields}, Line
        )
        self._write(line)

    def config(self, ts: int, settings: dict[str, object]) -> None:
        """The engine settings in force while recording (replays judge by them)."""
        self.event(ts, "", "", "config", settings=settings)

    def _write(self, line: Line) -> None:
        self._gz.write(self._enc.encode(line) + b"\n")
        self._dirty = True
        self.lines += 1
        now = time.monotonic()
        if now - self._last_flush >= FLUSH_EVERY_S:
            self.flush()
            self._last_flush = now

    def flush(self) -> None:
        self._gz.flush(zlib.Z_SYNC_FLUSH)
        self._raw.flush()
        self._dirty = False

    async def flush_every(self, seconds: float = FLUSH_EVERY_S) -> None:
        """Flush what was written since the last flush, every ``seconds``, until cancelled
        or closed: a write-triggered flush alone never comes when the frames stop."""
        while not self._raw.closed:
            await asyncio.sleep(seconds)  # a timer, not synchronization
            if self._dirty and not self._raw.closed:
                self.flush()
                self._last_flush = time.monotonic()

    def close(self) -> None:
        self._gz.close()
        self._raw.close()


_line = msgspec.json.Decoder(Line)


def _open(path: Path) -> gzip.GzipFile | BufferedReader:
    try:
        fh = open(path, "rb")  # noqa: SIM115 - returned to the caller
    except OSError as exc:
        raise CaptureError(f"{path}: cannot open: {exc.strerror or exc}") from None
    magic = fh.read(2)
    fh.seek(0)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=fh, mode="rb")
    return fh


def read(path: str | Path) -> Iterator[tuple[int, Line]]:
    """(line number, line) for every line; raises CaptureError naming the line."""
    p = Path(path)
    fh = _open(p)
    lineno = 0
    try:
        while True:
            try:
                raw = fh.readline()
            except EOFError:
                raise CaptureError(
                    f"{p}: line {lineno + 1}: the file ends mid-stream (truncated gzip; "
                    f"{lineno} complete lines read)"
                ) from None
            except (OSError, zlib.error) as exc:
                raise CaptureError(f"{p}: line {lineno + 1}: unreadable: {exc}") from None
            if not raw:
                return
            lineno += 1
            text = raw.strip()
            if not text:
                continue  # tardis-style blank separators are tolerated
            try:
                line = _line.decode(text)
            except msgspec.ValidationError as exc:
                raise CaptureError(f"{p}: line {lineno}: not a capture line: {exc}") from None
            except msgspec.DecodeError as exc:
                if not raw.endswith(b"\n"):
                    raise CaptureError(
                        f"{p}: line {lineno}: the last line is incomplete (torn write): {exc}"
                    ) from None
                raise CaptureError(f"{p}: line {lineno}: not valid JSON: {exc}") from None
            if line.event is not None and line.event not in EVENTS:
                raise CaptureError(f"{p}: line {lineno}: unknown event {line.event!r}")
            if line.event is None and line.raw is None and line.raw_b64 is None:
                raise CaptureError(f"{p}: line {lineno}: a frame line needs 'raw' or 'raw_b64'")
            yield lineno, line
    finally:
        fh.close()


def venues(path: str | Path) -> list[str]:
    """Every venue that connects anywhere in the capture, sorted; a replay names them
    before it has played their connect lines. A file that cannot be read to its end
    gives the venues read so far (the replay itself reports where it breaks)."""
    found: set[str] = set()
    try:
        fh = _open(Path(path))
    except CaptureError:
        return []
    try:
        for raw in fh:
            # Frames rarely hold the word; only lines that might be a connect are decoded.
            if b"connect" not in raw:
                continue
            try:
                line = _line.decode(raw.strip())
            except msgspec.DecodeError:  # (ValidationError is a DecodeError)
                continue
            if line.event == "connect" and line.venue:
                found.add(line.venue)
    except (EOFError, OSError, zlib.error):
        pass
    finally:
        fh.close()
    return sorted(found)
