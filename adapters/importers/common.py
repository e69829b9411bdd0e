"""Other recorders' files into our capture format: the part every format shares.

An importer yields :class:`Record` s in receive-time order; :func:`convert`
writes them as capture lines. A connection that the source never announced
gets a ``connect`` line at its first record, and the symbols it carries are
learnt by running the frames through the venue's own parser first — the same
parser the replay will use, so a frame it cannot read is counted here too,
instead of surfacing later as a silent empty replay.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from adapters import registry
from adapters.capture import Writer
from adapters.model import BookDelta, BookSnapshot, ParseError, Trade
from adapters.venue import Session, Venue, VenueSettings


class ImportFailed(Exception):
    """A file that cannot be imported; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Record:
    ts: int  # receive time, ns since the epoch
    venue: str
    conn: str
    kind: str  # "connect", "frame", "snapshot" or "disconnect"
    data: str | bytes = ""  # frame text, REST body, url (connect) or reason (disconnect)
    symbol: str = ""  # snapshots


@dataclass
class Summary:
    out: str
    lines: int = 0
    frames: int = 0
    snapshots: int = 0
    connects: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    unparsed: dict[str, int] = field(default_factory=dict)
    symbols: dict[str, list[str]] = field(default_factory=dict)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1


def open_text(path: Path) -> IO[bytes] | gzip.GzipFile:
    """A file as bytes, gunzipped when it is gzip."""
    fh = open(path, "rb")  # noqa: SIM115 - returned to the caller
    magic = fh.read(2)
    fh.seek(0)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=fh, mode="rb")
    return fh


def adapter_for(venue: str) -> str:
    """The adapter a venue name runs (``bybit-linear`` runs ``bybit``)."""
    return {"bybit-linear": "bybit", "bybit-spot": "bybit"}.get(venue, venue)


def _settings(venue: str, symbols: list[str]) -> dict[str, object]:
    s: dict[str, object] = {"symbols": symbols, "adapter": adapter_for(venue)}
    if venue == "bybit-linear":
        s["options"] = {"category": "linear"}
    return s


def discover(records: Iterator[Record], summary: Summary) -> dict[str, list[str]]:
    """Per venue, the symbols its frames and snapshots are about, via its own parser."""
    found: dict[str, dict[str, None]] = {}
    sessions: dict[tuple[str, str], Session] = {}
    venues: dict[str, Venue] = {}
    for r in records:
        syms = found.setdefault(r.venue, {})
        if r.kind == "snapshot" and r.symbol:
            syms[r.symbol] = None
            continue
        if r.kind != "frame":
            continue
        venue = venues.get(r.venue)
        if venue is None:
            try:
                cls = registry.load(adapter_for(r.venue))
            except registry.AdapterError as exc:
                raise ImportFailed(f"venue {r.venue!r}: {exc}") from None
            venue = venues[r.venue] = cls(VenueSettings(symbols=[], name=r.venue))
        key = (r.venue, r.conn)
        session = sessions.get(key)
        if session is None:
            session = sessions[key] = venue.new_session(r.conn)
        try:
            events = session.parse(r.data, r.ts, r.ts)
        except Exception:  # a parser bug: the replay will show it; here it only counts
            events = ()
        for ev in events:
            if isinstance(ev, (BookSnapshot, BookDelta, Trade)) and ev.symbol:
                syms[ev.symbol] = None
            elif isinstance(ev, ParseError):
                summary.unparsed[r.venue] = summary.unparsed.get(r.venue, 0) + 1
    return {v: sorted(s) for v, s in found.items()}


def convert(records: Callable[[], Iterator[Record]], out: str | Path) -> Summary:
    """Write the records as a capture; ``records`` is called twice (symbols, then lines)."""
    summary = Summary(str(out))
    symbols = discover(records(), summary)
    summary.symbols = symbols
    open_conns: dict[tuple[str, str], bool] = {}
    latest: dict[str, str] = {}
    writer = Writer(out)
    try:
        for r in records():
            key = (r.venue, r.conn)
            syms = symbols.get(r.venue, [])
            if r.kind == "connect":
                if open_conns.get(key):
                    writer.event(r.ts, r.venue, r.conn, "disconnect", reason="reconnected")
                writer.event(
                    r.ts,
                    r.venue,
                    r.conn,
                    "connect",
                    url=str(r.data),
                    symbols=syms,
                    settings=_settings(r.venue, syms),
                )
                open_conns[key] = True
                latest[r.venue] = r.conn
                summary.connects += 1
                continue
            if r.kind == "snapshot":
                # REST bodies belong to the venue, not to a websocket connection.
                conn = latest.get(r.venue, r.conn)
                text = r.data.decode("utf-8", "replace") if isinstance(r.data, bytes) else r.data
                writer.event(r.ts, r.venue, conn, "snapshot", symbol=r.symbol, raw=text)
                summary.snapshots += 1
                continue
            if r.kind == "disconnect":
                if open_conns.pop(key, False):
                    writer.event(r.ts, r.venue, r.conn, "disconnect", reason=str(r.data))
                continue
            if not open_conns.get(key):
                # The source never announced this connection: it starts here.
                writer.event(
                    r.ts,
                    r.venue,
                    r.conn,
                    "connect",
                    url="",
                    symbols=syms,
                    settings=_settings(r.venue, syms),
                )
                open_conns[key] = True
                latest[r.venue] = r.conn
                summary.connects += 1
            writer.frame(r.ts, r.venue, r.conn, r.data)
            summary.frames += 1
    finally:
        summary.lines = writer.lines
        writer.close()
    return summary
