"""The normalized event model shared by every venue.

Events are msgspec Structs: cheap to build in the hot path (no ``__dict__``, no
GC tracking), and they serialise as tagged objects for the console protocol and
for tests. Prices and quantities are floats: a venue's exact text, when its
checksum needs it, is kept by the book, not by the event.

Every event carries two receive clocks: ``recv_ns`` (wall clock, UTC ns) for
timelines and exchange-latency, and ``recv_mono`` (monotonic ns) for staleness
and rates, which must not jump when NTP steps the wall clock.
"""

from __future__ import annotations

from typing import Final

import msgspec

Level = tuple[float, float]
"""A price level: (price, quantity). A quantity of 0 removes the level."""

NO_SEQ: Final = -1


class BookSnapshot(msgspec.Struct, tag=True, gc=False):
    """A full book for one instrument: replaces whatever was held."""

    venue: str
    symbol: str
    recv_ns: int
    recv_mono: int
    exch_ns: int
    bids: list[Level]
    asks: list[Level]
    seq: int = NO_SEQ
    checksum: int | None = None


class BookDelta(msgspec.Struct, tag=True, gc=False):
    """Changed levels for one instrument.

    ``seq`` is the venue's id of this update (Binance ``u``, OKX ``seqId``,
    Deribit ``change_id``, Bybit ``u``); ``first_seq`` the first id it covers
    (Binance ``U``); ``prev_seq`` the id the previous update must have had
    (Binance futures ``pu``, OKX ``prevSeqId``, Deribit ``prev_change_id``).
    Each venue's ``sequence`` rule decides what counts as a gap.
    """

    venue: str
    symbol: str
    recv_ns: int
    recv_mono: int
    exch_ns: int
    bids: list[Level]
    asks: list[Level]
    seq: int = NO_SEQ
    prev_seq: int = NO_SEQ
    first_seq: int = NO_SEQ
    checksum: int | None = None


class Trade(msgspec.Struct, tag=True, gc=False):
    venue: str
    symbol: str
    recv_ns: int
    recv_mono: int
    exch_ns: int
    price: float
    qty: float
    side: str


class FeedStatus(msgspec.Struct, tag=True, gc=False):
    """A change in a connection's or an instrument's state.

    ``status`` is one of :data:`STATUSES`. An empty ``symbol`` means the whole
    connection.
    """

    venue: str
    conn: str
    recv_ns: int
    recv_mono: int
    status: str
    symbol: str = ""
    reason: str = ""


STATUSES: Final = frozenset(
    {
        "connecting",
        "connected",
        "subscribed",
        "disconnected",
        "silent",
        "gap",
        "checksum_mismatch",
        "crossed",
        "reset",
        "resync_started",
        "resync_finished",
        "lagging",
        "venue_notice",
        "reconnect",
    }
)


class ParseError(msgspec.Struct, tag=True, gc=False):
    """A frame that could not be understood. The stream goes on."""

    venue: str
    conn: str
    recv_ns: int
    recv_mono: int
    reason: str
    excerpt: str
    symbol: str = ""


class Heartbeat(msgspec.Struct, tag=True, gc=False):
    """Proof of life from a venue that carries no book change."""

    venue: str
    conn: str
    recv_ns: int
    recv_mono: int
    exch_ns: int = 0


class Reply(msgspec.Struct, tag=True, gc=False):
    """A frame the venue expects back (a pong, a heartbeat answer).

    Not a market event: the supervisor sends it and nothing else sees it.
    """

    frame: str


Event = BookSnapshot | BookDelta | Trade | FeedStatus | ParseError | Heartbeat | Reply

EXCERPT_CHARS: Final = 200


def excerpt(frame: bytes | str, limit: int = EXCERPT_CHARS) -> str:
    """A bounded, printable excerpt of a raw frame for a parse-error report."""
    if isinstance(frame, bytes | bytearray | memoryview):
        raw = bytes(frame)
        text = raw[: limit * 4].decode("utf-8", "replace")
        total = len(raw)
    else:
        text = frame
        total = len(text)
    if len(text) > limit:
        return text[:limit] + f"…({total} bytes in all)"
    return text
