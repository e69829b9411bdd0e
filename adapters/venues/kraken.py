"""Kraken spot, WebSocket v2: the ``book`` channel with its CRC32 checksum.

Protocol (https://docs.kraken.com/api/docs/websocket-v2/book and the guide
"Book checksum (WebSocket v2)"):

* ``wss://ws.kraken.com/v2``; subscribe
  ``{"method":"subscribe","params":{"channel":"book","symbol":[..],"depth":10}}``;
* frames ``{"channel":"book","type":"snapshot"|"update","data":[{"symbol":..,
  "bids":[{"price":..,"qty":..}],"asks":[..],"checksum":..,"timestamp":..}]}``
  with prices and quantities as JSON numbers; one message may touch the same
  price twice (apply in order); after each message each side is truncated to
  the subscribed depth (no deletes are sent for levels that fall out of it);
* checksum: CRC32 (unsigned) of the top 10 asks (ascending) then the top 10
  bids (descending), each level being price then qty formatted with the pair's
  precision, decimal point and leading zeros removed. The precisions come from
  the ``instrument`` channel, which is why it is subscribed first. There are no
  sequence numbers: the checksum is the only way to know an update was lost;
* a ``heartbeat`` frame about once a second proves the connection alive.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Sequence
from typing import ClassVar, Literal

import msgspec

from adapters.book import Book, implementation, kraken_route
from adapters.instruments import Canonical, split_delimited
from adapters.model import (
    BookDelta,
    BookSnapshot,
    Event,
    FeedStatus,
    Heartbeat,
    ParseError,
)
from adapters.venue import Session, Venue, VenueSettings
from adapters.venues.kraken_checksum import ChecksumText
from adapters.wire import IsoClock, decode_failure

CHECKSUM_DEPTH = 10


class KLevel(msgspec.Struct, gc=False):
    price: float
    qty: float


class KBook(msgspec.Struct, gc=False):
    symbol: str
    bids: list[KLevel] = []
    asks: list[KLevel] = []
    checksum: int | None = None
    timestamp: str = ""


class BookMsg(msgspec.Struct, gc=False):
    channel: str
    type: str
    data: list[KBook]


class Pair(msgspec.Struct):
    symbol: str
    price_precision: int
    qty_precision: int


class InstrumentData(msgspec.Struct):
    pairs: list[Pair] = []


class InstrumentMsg(msgspec.Struct):
    channel: str
    type: str
    data: InstrumentData


class RawKBook(msgspec.Struct, gc=False):
    """:class:`adapters.venue.CheckedDelta`: one book's update with the levels left as
    their JSON text, which the native tracker parses, applies and checksums in one
    call (no tuple, float or event object per level)."""

    symbol: str
    bids: msgspec.Raw = msgspec.Raw(b"[]")
    asks: msgspec.Raw = msgspec.Raw(b"[]")
    checksum: int | None = None
    timestamp: str = ""
    seq: ClassVar[int] = -1  # no sequence numbers on Kraken: the checksum is the rule
    first_seq: ClassVar[int] = -1
    prev_seq: ClassVar[int] = -1
    exch_ms: ClassVar[int] = 0  # the time is the ISO ``timestamp``


class RawBookMsg(msgspec.Struct, gc=False):
    """The feed's hot path (:class:`adapters.venue.FastFrame`): a book update carrying
    exactly one book. A snapshot, another channel or several books fail the decode,
    and the feed hands the frame to :meth:`KrakenSession.parse`."""

    channel: Literal["book"]
    type: Literal["update"]
    data: tuple[RawKBook]

    @property
    def delta(self) -> RawKBook:
        return self.data[0]


class Envelope(msgspec.Struct):
    channel: str = ""
    type: str = ""
    method: str = ""
    success: bool | None = None
    error: str = ""
    result: dict[str, object] | None = None
    data: object = None


_book = msgspec.json.Decoder(BookMsg)
_instrument = msgspec.json.Decoder(InstrumentMsg)
_envelope = msgspec.json.Decoder(Envelope)
_raw_book = msgspec.json.Decoder(RawBookMsg)


class KrakenSession(Session):
    venue: Kraken

    def __init__(self, venue: Kraken, conn: str) -> None:
        super().__init__(venue, conn)
        self.clock = IsoClock()
        if not venue.track_text:
            # The pure-Python book checks the checksum from texts parse() tracks per
            # level, which the hot path would not update: it takes parse() only.
            self.fast_decode = _raw_book.decode
            route = kraken_route()
            if route is not None:  # the frame read natively (adapters/_kraken.c)
                self.fast_route = functools.partial(route, venue.checksum_spec)

    def parse(self, frame: bytes | str, recv_ns: int, recv_mono: int) -> Sequence[Event]:
        try:
            m = _book.decode(frame)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            return self._other(frame, recv_ns, recv_mono, exc)
        if m.channel != "book":
            return self._other(frame, recv_ns, recv_mono, None)
        venue = self.venue
        name = venue.name
        out: list[Event] = []
        snapshot = m.type == "snapshot"
        for b in m.data:
            # An update usually changes one side: no comprehension for an empty one.
            bids = [(lv.price, lv.qty) for lv in b.bids] if b.bids else []
            asks = [(lv.price, lv.qty) for lv in b.asks] if b.asks else []
            prec = venue.precision.get(b.symbol)
            if prec is not None and venue.track_text:
                venue.text.track(b.symbol, prec, bids, asks, snapshot)
            exch = self.clock.ns(b.timestamp) if b.timestamp else 0
            if snapshot:
                out.append(
                    BookSnapshot(
                        name, b.symbol, recv_ns, recv_mono, exch, bids, asks, -1, b.checksum
                    )
                )
            else:
                out.append(
                    BookDelta(
                        name, b.symbol, recv_ns, recv_mono, exch, bids, asks, -1, -1, -1, b.checksum
                    )
                )
        return out

    def _other(
        self, frame: bytes | str, recv_ns: int, recv_mono: int, exc: Exception | None
    ) -> Sequence[Event]:
        name = self.venue.name
        try:
            env = _envelope.decode(frame)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc2:
            return (decode_failure(name, self.conn, recv_ns, recv_mono, frame, exc or exc2),)
        if env.channel == "heartbeat":
            return (Heartbeat(name, self.conn, recv_ns, recv_mono),)
        if env.channel == "instrument":
            try:
                inst = _instrument.decode(frame)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc3:
                return (decode_failure(name, self.conn, recv_ns, recv_mono, frame, exc3),)
            for p in inst.data.pairs:
                self.venue.precision[p.symbol] = (p.price_precision, p.qty_precision)
            return (Heartbeat(name, self.conn, recv_ns, recv_mono),)
        if env.channel == "status":
            system = ""
            if isinstance(env.data, list) and env.data and isinstance(env.data[0], dict):
                system = str(env.data[0].get("system", ""))
            if system and system != "online":
                return (
                    FeedStatus(
                        name,
                        self.conn,
                        recv_ns,
                        recv_mono,
                        "venue_notice",
                        reason=f"system status {system}",
                    ),
                )
            return (Heartbeat(name, self.conn, recv_ns, recv_mono),)
        if env.method in ("subscribe", "unsubscribe", "pong"):
            if env.success is False:
                return (
                    ParseError(
                        name,
                        self.conn,
                        recv_ns,
                        recv_mono,
                        f"{env.method} refused: {env.error}",
                        "",
                        "",
                    ),
                )
            if env.method == "subscribe" and env.result and env.result.get("channel") == "book":
                return (
                    FeedStatus(
                        name,
                        self.conn,
                        recv_ns,
                        recv_mono,
                        "subscribed",
                        str(env.result.get("symbol", "")),
                    ),
                )
            return (Heartbeat(name, self.conn, recv_ns, recv_mono),)
        if env.channel in ("trade", "ticker"):
            return ()
        if exc is None:
            exc = ValueError(f"unexpected channel {env.channel!r} method {env.method!r}")
        return (decode_failure(name, self.conn, recv_ns, recv_mono, frame, exc),)


class Kraken(Venue):
    name = "kraken"
    default_url = "wss://ws.kraken.com/v2"
    default_depth = 10
    truncate_to_depth = True
    silence_timeout_s = 10.0
    keepalive_interval_s = 0.0

    def __init__(self, settings: VenueSettings) -> None:
        super().__init__(settings)
        self.precision: dict[str, tuple[int, int]] = {}
        self.text = ChecksumText()
        # The native book builds the text itself from its top levels (in C, once per
        # change of a side); the per-level texts are only for the pure-Python book.
        self.track_text = implementation() == "pure"

    def subscribe_frames(self, symbols: Sequence[str]) -> list[str]:
        instrument = {"method": "subscribe", "params": {"channel": "instrument"}}
        book = {
            "method": "subscribe",
            "params": {"channel": "book", "symbol": list(symbols), "depth": self.depth},
        }
        return [msgspec.json.encode(instrument).decode(), msgspec.json.encode(book).decode()]

    def resubscribe_frames(self, symbol: str) -> list[str]:
        params = {"channel": "book", "symbol": [symbol], "depth": self.depth}
        return [
            msgspec.json.encode({"method": "unsubscribe", "params": params}).decode(),
            msgspec.json.encode({"method": "subscribe", "params": params}).decode(),
        ]

    def new_session(self, conn: str) -> Session:
        return KrakenSession(self, conn)

    def checksum(self, book: Book, symbol: str) -> int | None:
        prec = self.precision.get(symbol)
        if prec is None:
            return None
        if book.NATIVE:
            return book.checksum_crc32(CHECKSUM_DEPTH, *prec)
        return zlib.crc32(self.text.book(book.bids, book.asks, symbol, prec, self.depth))

    def checksum_spec(self, symbol: str) -> tuple[int, int, int] | None:
        prec = self.precision.get(symbol)
        return None if prec is None else (CHECKSUM_DEPTH, *prec)

    def canonical(self, symbol: str) -> Canonical:
        base, quote = split_delimited(symbol, "/")
        return Canonical(base, quote)
