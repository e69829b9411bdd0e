"""Binance spot: the diff-depth stream with an out-of-band REST snapshot.

Protocol (https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams,
"How to manage a local order book correctly"):

* combined stream ``/stream?streams=btcusdt@depth@100ms/...``; each frame is
  ``{"stream": ..., "data": {"e":"depthUpdate","E":..,"s":..,"U":..,"u":..,"b":..,"a":..}}``;
* quantities are absolute, ``"0.00000000"`` removes a level, removing an
  unknown level is normal;
* sync: buffer the stream, fetch ``GET /api/v3/depth?symbol=..&limit=..``, drop
  buffered events with ``u <= lastUpdateId``, the first applied event has
  ``U <= lastUpdateId + 1 <= u``, and from then on every ``U`` is the previous
  ``u + 1`` — otherwise the book is out of sync and is rebuilt;
* the server pings every 20 s (answered by the websocket library) and may send
  ``serverShutdown`` before going away, which is a cue to reconnect early.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar
from urllib.parse import urlencode

import msgspec

from adapters.book import binance_route
from adapters.instruments import Canonical, split_concat
from adapters.model import (
    NO_SEQ,
    BookDelta,
    BookSnapshot,
    Event,
    FeedStatus,
    Heartbeat,
    ParseError,
)
from adapters.venue import APPLY, GAP, SKIP, ProtocolError, Session, Venue
from adapters.wire import decode_failure


class DepthUpdate(msgspec.Struct, gc=False):
    e: str
    E: int
    s: str
    U: int
    u: int
    b: list[tuple[float, float]]
    a: list[tuple[float, float]]


class Combined(msgspec.Struct, gc=False):
    stream: str
    data: DepthUpdate


class RawDepthUpdate(
    msgspec.Struct,
    gc=False,
    tag_field="e",
    tag="depthUpdate",
    rename={
        "exch_ms": "E",
        "symbol": "s",
        "first_seq": "U",
        "seq": "u",
        "bids": "b",
        "asks": "a",
    },
):
    """The feed's hot path (:class:`adapters.venue.FastDelta`): the same update with
    the levels left as their JSON text, which the native tracker parses into its
    arrays without making a tuple or a float object per level. Any other event
    fails the tag check, and the feed hands the frame to :meth:`BinanceSession.parse`."""

    exch_ms: int
    symbol: str
    first_seq: int
    seq: int
    bids: msgspec.Raw
    asks: msgspec.Raw
    prev_seq: int = NO_SEQ  # not on spot's wire: the rule does not read it


class _TagRequired(msgspec.Struct, gc=False, tag_field="e", tag="\x00tag required"):
    """Never a venue's event: with it :class:`RawDepthUpdate` sits in a tagged union,
    where msgspec requires the ``e`` field (a lone tagged Struct takes a frame without
    one, which :meth:`BinanceSession.parse` refuses). Were it ever decoded, its empty
    symbol names no instrument and the frame takes the general path; its members are
    the :class:`~adapters.venue.FastDelta` protocol's, as class constants."""

    symbol: ClassVar[str] = ""
    seq: ClassVar[int] = NO_SEQ
    first_seq: ClassVar[int] = NO_SEQ
    prev_seq: ClassVar[int] = NO_SEQ
    exch_ms: ClassVar[int] = 0
    bids: ClassVar[msgspec.Raw] = msgspec.Raw(b"[]")
    asks: ClassVar[msgspec.Raw] = msgspec.Raw(b"[]")


class RawCombined(msgspec.Struct, gc=False, rename={"delta": "data"}):
    """:class:`adapters.venue.FastFrame`: what :class:`Combined` requires, it requires
    (a frame the general path refuses must not be applied here)."""

    stream: str
    delta: RawDepthUpdate | _TagRequired


class Envelope(msgspec.Struct):
    """Anything else on the stream: subscription results, errors, notices."""

    stream: str = ""
    data: dict[str, object] | None = None
    e: str = ""
    id: int | str | None = None
    result: object = None
    error: dict[str, object] | None = None
    code: int | None = None
    msg: str = ""


class RestDepth(msgspec.Struct):
    lastUpdateId: int
    bids: list[tuple[float, float]]
    asks: list[tuple[float, float]]


# strict=False lets msgspec turn Binance's quoted decimals into floats in C.
_combined = msgspec.json.Decoder(Combined, strict=False)
_raw_combined = msgspec.json.Decoder(RawCombined, strict=False)
_envelope = msgspec.json.Decoder(Envelope)
_rest = msgspec.json.Decoder(RestDepth, strict=False)


class BinanceSession(Session):
    venue: BinanceSpot
    fast_decode = _raw_combined.decode

    def __init__(self, venue: BinanceSpot, conn: str) -> None:
        super().__init__(venue, conn)
        self.name = venue.name
        # The frame read natively into a native tracker (adapters/_binance.c); with the
        # pure-Python book, fast_decode (msgspec) is the hot path.
        self.fast_route = binance_route()

    def parse(self, frame: bytes | str, recv_ns: int, recv_mono: int) -> Sequence[Event]:
        try:
            m = _combined.decode(frame).data
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            return self._other(frame, recv_ns, recv_mono, exc)
        if m.e != "depthUpdate":
            return ()
        return (
            BookDelta(
                self.name,
                m.s,
                recv_ns,
                recv_mono,
                m.E * 1_000_000,
                m.b,
                m.a,
                m.u,
                -1,
                m.U,
            ),
        )

    def _other(
        self, frame: bytes | str, recv_ns: int, recv_mono: int, exc: Exception
    ) -> Sequence[Event]:
        name = self.venue.name
        try:
            env = _envelope.decode(frame)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return (decode_failure(name, self.conn, recv_ns, recv_mono, frame, exc),)
        event = env.e or (str(env.data.get("e", "")) if env.data else "")
        if event == "serverShutdown":
            return (
                FeedStatus(
                    name,
                    self.conn,
                    recv_ns,
                    recv_mono,
                    "reconnect",
                    reason="serverShutdown: the venue will disconnect; reconnecting early",
                ),
            )
        if env.error is not None or env.code is not None:
            detail = env.error or {"code": env.code, "msg": env.msg}
            return (
                ParseError(name, self.conn, recv_ns, recv_mono, f"venue error: {detail}", "", ""),
            )
        if env.id is not None:
            return (Heartbeat(name, self.conn, recv_ns, recv_mono),)
        return (decode_failure(name, self.conn, recv_ns, recv_mono, frame, exc),)


class BinanceSpot(Venue):
    # sequence() below, as data the native tracker runs (checked against it in tests)
    sequence_rule = "first-last"
    name = "binance"
    default_url = "wss://stream.binance.com:9443"
    default_rest_url = "https://api.binance.com"
    default_depth = 1000
    snapshot_mode = "external"
    silence_timeout_s = 30.0
    # The documented limit is 1024 streams per connection; stay well below it.
    max_symbols_per_connection = 200

    def connections(self) -> list[tuple[str, list[str]]]:
        out = []
        for base, symbols in super().connections():
            streams = "/".join(f"{s.lower()}@depth@100ms" for s in symbols)
            out.append((f"{base.rstrip('/')}/stream?streams={streams}", symbols))
        return out

    def subscribe_frames(self, symbols: Sequence[str]) -> list[str]:
        # The combined-stream URL already names the streams.
        return []

    def new_session(self, conn: str) -> Session:
        return BinanceSession(self, conn)

    def sequence(self, last_seq: int, fresh: bool, delta: BookDelta) -> int:
        if delta.seq <= last_seq:
            return SKIP
        if fresh:
            return APPLY if delta.first_seq <= last_seq + 1 else GAP
        return APPLY if delta.first_seq == last_seq + 1 else GAP

    def snapshot_request(self, symbol: str) -> str:
        query = urlencode({"symbol": symbol.upper(), "limit": self.depth})
        return f"{self.rest_url.rstrip('/')}/api/v3/depth?{query}"

    def parse_snapshot(
        self, symbol: str, body: bytes | str, recv_ns: int, recv_mono: int
    ) -> BookSnapshot:
        try:
            r = _rest.decode(body)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise ProtocolError(f"binance depth snapshot for {symbol}: {exc}") from None
        return BookSnapshot(
            self.name, symbol, recv_ns, recv_mono, 0, r.bids, r.asks, r.lastUpdateId
        )

    def canonical(self, symbol: str) -> Canonical:
        base, quote = split_concat(symbol)
        return Canonical(base, quote)
