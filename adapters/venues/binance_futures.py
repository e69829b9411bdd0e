"""Binance USDⓈ-M futures: the diff-depth stream, chained by ``pu``, with a REST snapshot.

Protocol (https://developers.binance.com/docs/derivatives/usds-margined-futures/
websocket-market-streams: "Diff. Book Depth Streams", "How to manage a local
order book correctly" and "Important WebSocket Change Notice"):

* the depth stream is *public* (high-frequency) data: since the 2026 base-URL
  split it lives under ``wss://fstream.binance.com/public``, combined form
  ``/public/stream?streams=btcusdt@depth@100ms/...``, frames wrapped as
  ``{"stream": .., "data": ..}``. The legacy un-routed paths (``/ws``,
  ``/stream``) were retired on 2026-04-23 (Binance's CAAS page says they still
  deliver ``/public`` streams, but ``/market`` streams go silent there);
  ``/market`` itself never delivers depth, and fails silently;
* each event is ``{"e":"depthUpdate","E":..,"T":..,"s":..,"U":..,"u":..,
  "pu":..,"b":..,"a":..}`` with quoted decimals and absolute quantities
  (``"0"`` removes a level; removing an unknown level is normal);
* sync: buffer the stream, fetch ``GET /fapi/v1/depth?symbol=..&limit=1000``,
  drop events with ``u < lastUpdateId``, the first applied event has
  ``U <= lastUpdateId <= u``, and from then on each event's ``pu`` must equal
  the previous event's ``u``. Unlike spot, update ids are **not** contiguous
  between events (``U`` is usually well past the previous ``u``), so the chain
  is checked with ``pu`` and never with ``U == previous u + 1``;
* the server pings every 3 minutes (the websocket library answers); a
  connection lasts at most 24 h.

Everything else on the stream (subscription results, errors) has the same
shape as on spot, so the spot session's fallback decoding is reused; it also
honours a ``serverShutdown`` notice, which the futures docs do not mention but
costs nothing to obey.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final
from urllib.parse import urlencode

import msgspec

from adapters.instruments import Canonical, parse_yymmdd, split_concat
from adapters.model import BookDelta, BookSnapshot, Event
from adapters.venue import APPLY, GAP, SKIP, ProtocolError, Session
from adapters.venues.binance import BinanceSession, BinanceSpot
from adapters.wire import decode_failure

REST_LIMITS: Final = (5, 10, 20, 50, 100, 500, 1000)
"""The only ``limit`` values ``/fapi/v1/depth`` accepts."""


class FuturesDepthUpdate(msgspec.Struct, gc=False):
    e: str
    E: int
    s: str
    U: int
    u: int
    pu: int
    b: list[tuple[float, float]]
    a: list[tuple[float, float]]
    T: int = 0


class FuturesCombined(msgspec.Struct, gc=False):
    stream: str
    data: FuturesDepthUpdate


class FuturesRestDepth(msgspec.Struct):
    lastUpdateId: int
    bids: list[tuple[float, float]]
    asks: list[tuple[float, float]]
    E: int = 0
    T: int = 0


# strict=False lets msgspec turn Binance's quoted decimals into floats in C.
_combined = msgspec.json.Decoder(FuturesCombined, strict=False)
_rest = msgspec.json.Decoder(FuturesRestDepth, strict=False)


class BinanceFuturesSession(BinanceSession):
    # Its sequence rule is its own (BinanceFutures.sequence): no hot path.
    fast_decode = None  # type: ignore[assignment]

    venue: BinanceFutures

    def parse(self, frame: bytes | str, recv_ns: int, recv_mono: int) -> Sequence[Event]:
        try:
            m = _combined.decode(frame).data
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            return self._other(frame, recv_ns, recv_mono, exc)
        except UnicodeEncodeError as exc:  # a str frame with a lone surrogate (replay)
            return (decode_failure(self.venue.name, self.conn, recv_ns, recv_mono, frame, exc),)
        if m.e != "depthUpdate":
            return ()
        # T (transaction time) rather than E (event time): T is when the book
        # state this event describes came into being, so receive - T is the age
        # of the data, including any backlog in Binance's own publisher, which
        # E (stamped at output) would hide. E stands in if T is ever absent.
        return (
            BookDelta(
                self.venue.name,
                m.s,
                recv_ns,
                recv_mono,
                (m.T or m.E) * 1_000_000,
                m.b,
                m.a,
                m.u,
                m.pu,
                m.U,
            ),
        )


class BinanceFutures(BinanceSpot):
    """USDⓈ-M futures: the spot adapter's connection handling, futures wire and rules."""

    name = "binance-futures"
    # The combined stream path is appended to this base (see connections()).
    default_url = "wss://fstream.binance.com/public"
    default_rest_url = "https://fapi.binance.com"
    default_depth = 1000
    snapshot_mode = "external"
    silence_timeout_s = 30.0
    # The USDⓈ-M limit is 1024 streams a connection; keep the URL short too.
    max_symbols_per_connection = 200

    def new_session(self, conn: str) -> Session:
        return BinanceFuturesSession(self, conn)

    def sequence(self, last_seq: int, fresh: bool, delta: BookDelta) -> int:
        """``pu`` chaining; the first event after a snapshot must straddle it.

        For the first event after the snapshot (``last_seq`` is its
        ``lastUpdateId``): events wholly before it are skipped (``u <
        lastUpdateId``); the documented bridge is ``U <= lastUpdateId <= u``.
        An event whose ``pu`` is at or before ``lastUpdateId`` bridges too: it
        follows directly on a state the snapshot already holds (when the event
        ending at ``lastUpdateId`` arrived before buffering began, as after a
        resync in a quiet market, the documented bridge never comes and the
        book would be refetched forever). Anything later means updates were
        lost between the snapshot and the stream.
        """
        if not fresh:
            return APPLY if delta.prev_seq == last_seq else GAP
        if delta.seq < last_seq:
            return SKIP
        if delta.first_seq <= last_seq or 0 <= delta.prev_seq <= last_seq:
            return APPLY
        return GAP

    def snapshot_request(self, symbol: str) -> str:
        # /fapi/v1/depth rejects any other limit: round a configured depth up.
        limit = next((n for n in REST_LIMITS if n >= self.depth), REST_LIMITS[-1])
        query = urlencode({"symbol": symbol.upper(), "limit": limit})
        return f"{self.rest_url.rstrip('/')}/fapi/v1/depth?{query}"

    def parse_snapshot(
        self, symbol: str, body: bytes | str, recv_ns: int, recv_mono: int
    ) -> BookSnapshot:
        try:
            r = _rest.decode(body)
        except (msgspec.DecodeError, msgspec.ValidationError, UnicodeEncodeError) as exc:
            raise ProtocolError(f"binance-futures depth snapshot for {symbol}: {exc}") from None
        return BookSnapshot(
            self.name,
            symbol,
            recv_ns,
            recv_mono,
            (r.T or r.E) * 1_000_000,
            r.bids,
            r.asks,
            r.lastUpdateId,
        )

    def canonical(self, symbol: str) -> Canonical:
        """``BTCUSDT`` is a perpetual; ``BTCUSDT_241227`` a quarterly future.

        The quote stays as listed (USDT, USDC); the instrument map folds
        stablecoins into USD unless configured to keep them apart.
        """
        pair, sep, expiry = symbol.upper().partition("_")
        base, quote = split_concat(pair)
        if not sep:
            return Canonical(base, quote, "perp")
        return Canonical(base, quote, "future", parse_yymmdd(expiry))
