"""Deribit, JSON-RPC 2.0 over websocket: the ``book.<instrument>.100ms`` channel.

Protocol (https://docs.deribit.com: "Notifications", "book.(instrument_name).(interval)",
"public/subscribe", "public/set_heartbeat", "public/test"):

* ``wss://www.deribit.com/ws/api/v2``; requests are
  ``{"jsonrpc":"2.0","id":N,"method":"public/subscribe","params":{"channels":[..]}}``
  and each response echoes the id: ``{"jsonrpc":"2.0","id":N,"result":[..channels..]}``
  or ``{"jsonrpc":"2.0","id":N,"error":{"code":..,"message":..}}``. A channel the
  venue will not serve (an unknown instrument) is silently left out of
  ``result``, so the result is compared with what was asked for;
* ``book.X.raw`` needs an authenticated connection (error 13778
  ``raw_subscriptions_not_available_for_unauthorized``); ``book.X.100ms`` has
  the same format, aggregated over 100 ms, and is what a public console uses;
* notifications ``{"jsonrpc":"2.0","method":"subscription","params":{"channel":..,
  "data":{"type":"snapshot"|"change","timestamp":ms,"instrument_name":..,
  "change_id":..,"prev_change_id":..,"bids":[[action,price,amount]],"asks":[..]}}}``
  with prices and amounts as JSON numbers and ``action`` one of ``new``,
  ``change``, ``delete``. The first notification is the whole book; every later
  one carries ``prev_change_id``, which must equal the previous ``change_id``
  (ids rise in uneven steps) — otherwise something was lost and the book is
  rebuilt by unsubscribing and subscribing again, which brings a new snapshot.
  There is no checksum;
* ``public/set_heartbeat`` with ``{"interval":N}`` (N >= 10) makes the server
  send ``{"method":"heartbeat","params":{"type":"test_request"}}``, which must
  be answered with ``public/test`` or the server closes the connection;
  ``{"type":"heartbeat"}`` needs no answer.

Amounts are USD for inverse perpetuals and futures, coin for options.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Final

import msgspec

from adapters.instruments import (
    Canonical,
    UnknownSymbol,
    normalize_asset,
    parse_day_month_year,
    split_delimited,
)
from adapters.model import (
    NO_SEQ,
    BookDelta,
    BookSnapshot,
    Event,
    FeedStatus,
    Heartbeat,
    Level,
    ParseError,
    Reply,
    excerpt,
)
from adapters.venue import APPLY, GAP, Session, Venue, VenueSettings
from adapters.wire import decode_failure

DEFAULT_HEARTBEAT_S: Final = 30
"""What ``public/set_heartbeat`` asks for unless ``options.heartbeat_interval`` says
otherwise (Deribit refuses less than 10; 0 sends no ``set_heartbeat`` at all)."""
INTERVAL: Final = "100ms"
MAX_PENDING: Final = 4096
"""Requests remembered while their answers are outstanding (a venue that never
answers must not grow this without bound)."""

RawLevel = tuple[str, float, float]


class BookData(msgspec.Struct, gc=False):
    type: str
    timestamp: int
    instrument_name: str
    change_id: int
    bids: list[RawLevel]
    asks: list[RawLevel]
    prev_change_id: int = NO_SEQ


class BookParams(msgspec.Struct, gc=False):
    channel: str
    data: BookData


class BookNotification(msgspec.Struct, gc=False):
    method: str
    params: BookParams


class RpcError(msgspec.Struct):
    code: int = 0
    message: str = ""
    data: object = None


class Envelope(msgspec.Struct):
    """Anything that is not a book notification: responses, heartbeats, other channels."""

    id: int | str | None = None
    method: str = ""
    params: dict[str, object] | None = None
    result: object = None
    error: RpcError | None = None


_book = msgspec.json.Decoder(BookNotification)
_envelope = msgspec.json.Decoder(Envelope)
# Deep nesting makes msgspec raise RecursionError rather than a DecodeError.
_DECODE_ERRORS: Final = (msgspec.DecodeError, RecursionError)


def _levels(raw: list[RawLevel]) -> list[Level]:
    # A delete removes the level whatever amount it carries; the book removes on 0.
    return [(p, 0.0) if a == "delete" else (p, q) for a, p, q in raw]


def channel_symbol(channel: str) -> str:
    """``book.BTC-PERPETUAL.100ms`` -> ``BTC-PERPETUAL`` ("" if not a book channel)."""
    if not channel.startswith("book."):
        return ""
    head, _, _ = channel[5:].rpartition(".")
    return head


class DeribitSession(Session):
    venue: Deribit

    def parse(self, frame: bytes | str, recv_ns: int, recv_mono: int) -> Sequence[Event]:
        try:
            m = _book.decode(frame)
        except _DECODE_ERRORS as exc:
            return self._other(frame, recv_ns, recv_mono, exc)
        d = m.params.data
        if m.method != "subscription" or not m.params.channel.startswith("book."):
            return self._other(frame, recv_ns, recv_mono, None)
        name = self.venue.name
        if d.type == "change":
            return (
                BookDelta(
                    name,
                    d.instrument_name,
                    recv_ns,
                    recv_mono,
                    d.timestamp * 1_000_000,
                    _levels(d.bids),
                    _levels(d.asks),
                    d.change_id,
                    d.prev_change_id,
                ),
            )
        if d.type == "snapshot":
            return (
                BookSnapshot(
                    name,
                    d.instrument_name,
                    recv_ns,
                    recv_mono,
                    d.timestamp * 1_000_000,
                    _levels(d.bids),
                    _levels(d.asks),
                    d.change_id,
                ),
            )
        return (
            ParseError(
                name,
                self.conn,
                recv_ns,
                recv_mono,
                f"unknown book notification type {d.type!r}",
                excerpt(frame),
                d.instrument_name,
            ),
        )

    def _other(
        self, frame: bytes | str, recv_ns: int, recv_mono: int, exc: Exception | None
    ) -> Sequence[Event]:
        name = self.venue.name
        conn = self.conn
        try:
            env = _envelope.decode(frame)
        except _DECODE_ERRORS as exc2:
            return (decode_failure(name, conn, recv_ns, recv_mono, frame, exc or exc2),)
        params = env.params or {}
        if env.method == "heartbeat":
            beat = Heartbeat(name, conn, recv_ns, recv_mono)
            if params.get("type") == "test_request":
                # Unanswered, the server closes the connection.
                return (Reply(self.venue.request("public/test", {})), beat)
            return (beat,)
        if env.method == "subscription":
            channel = params.get("channel")
            symbol = channel_symbol(channel) if isinstance(channel, str) else ""
            if symbol:
                # A book notification that did not fit the documented shape.
                if exc is None:
                    exc = ValueError("book notification of an unexpected shape")
                return (decode_failure(name, conn, recv_ns, recv_mono, frame, exc, symbol),)
            return ()  # another channel: not ours to read
        if env.id is not None and (env.error is not None or env.result is not None):
            return self.venue.answer(self, env, recv_ns, recv_mono)
        if exc is None:
            exc = ValueError(f"unexpected message (method {env.method!r})")
        return (decode_failure(name, conn, recv_ns, recv_mono, frame, exc),)


class Deribit(Venue):
    # sequence() below, as data the native tracker runs (checked against it in tests)
    sequence_rule = "prev-last"
    name = "deribit"
    default_url = "wss://www.deribit.com/ws/api/v2"
    snapshot_mode = "in_band"
    must_answer = b'"test_request"'

    def __init__(self, settings: VenueSettings) -> None:
        super().__init__(settings)
        text = settings.options.get("heartbeat_interval", str(DEFAULT_HEARTBEAT_S))
        try:
            self.heartbeat_s = int(text)
        except ValueError:
            raise ValueError(
                f"{self.name}: options.heartbeat_interval must be whole seconds, not {text!r}"
            ) from None
        if settings.silence_timeout_s <= 0:
            # With heartbeats on, a frame arrives at least every interval even
            # on an instrument whose book never changes.
            self.silence_timeout_s = max(15.0, 1.5 * self.heartbeat_s)
        self._ids = itertools.count(1)
        self.pending: dict[int, tuple[str, tuple[str, ...]]] = {}
        """Request id -> (method, channels), until the venue answers."""

    # -- requests ----------------------------------------------------------------------

    def request(self, method: str, params: dict[str, object]) -> str:
        """A JSON-RPC request frame; its id is remembered to read the answer."""
        rid = next(self._ids)
        if len(self.pending) >= MAX_PENDING:
            self.pending.clear()
        channels = params.get("channels")
        self.pending[rid] = (method, tuple(channels) if isinstance(channels, list) else ())
        msg = {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}
        return msgspec.json.encode(msg).decode()

    @staticmethod
    def channel(symbol: str) -> str:
        return f"book.{symbol}.{INTERVAL}"

    def subscribe_frames(self, symbols: Sequence[str]) -> list[str]:
        frames = []
        if self.heartbeat_s > 0:
            frames.append(self.request("public/set_heartbeat", {"interval": self.heartbeat_s}))
        frames.append(
            self.request("public/subscribe", {"channels": [self.channel(s) for s in symbols]})
        )
        return frames

    def resubscribe_frames(self, symbol: str) -> list[str]:
        # Subscribing again to a live channel need not resend the book: drop it first.
        channels: dict[str, object] = {"channels": [self.channel(symbol)]}
        return [
            self.request("public/unsubscribe", channels),
            self.request("public/subscribe", channels),
        ]

    def answer(
        self, session: DeribitSession, env: Envelope, recv_ns: int, recv_mono: int
    ) -> Sequence[Event]:
        """Events for the venue's answer to one of our requests."""
        name, conn = self.name, session.conn
        method: str = ""
        channels: tuple[str, ...] = ()
        if isinstance(env.id, int):
            method, channels = self.pending.pop(env.id, ("", ()))
        what = method or f"request {env.id}"
        symbol = channel_symbol(channels[0]) if len(channels) == 1 else ""
        if env.error is not None:
            e = env.error
            detail = f" {e.data}" if e.data is not None else ""
            reason = f"venue error {e.code} {e.message}{detail} (for {what})"
            return (ParseError(name, conn, recv_ns, recv_mono, reason, "", symbol),)
        if method != "public/subscribe":
            return (Heartbeat(name, conn, recv_ns, recv_mono),)
        got = env.result if isinstance(env.result, list) else []
        out: list[Event] = []
        for ch in channels:
            sym = channel_symbol(ch)
            if ch in got:
                out.append(FeedStatus(name, conn, recv_ns, recv_mono, "subscribed", sym))
            else:
                out.append(
                    ParseError(
                        name,
                        conn,
                        recv_ns,
                        recv_mono,
                        f"subscription refused: {ch} is not in the venue's result",
                        "",
                        sym,
                    )
                )
        return out

    def new_session(self, conn: str) -> Session:
        return DeribitSession(self, conn)

    # -- book integrity -----------------------------------------------------------------

    def sequence(self, last_seq: int, fresh: bool, delta: BookDelta) -> int:
        # Documented: prev_change_id equal to the last change_id means nothing was missed.
        return APPLY if delta.prev_seq == last_seq else GAP

    # -- instruments --------------------------------------------------------------------

    def canonical(self, symbol: str) -> Canonical:
        """``BTC-PERPETUAL``, ``BTC-27DEC24``, ``BTC-27DEC24-60000-C``; linear
        instruments name their quote (``BTC_USDC-PERPETUAL``), inverse ones are USD;
        a ``d`` in a strike is its decimal point (``XRP_USDC-27DEC24-0d6-C``)."""
        parts = symbol.upper().split("-")
        head = parts[0]
        if "_" in head:
            base, quote = split_delimited(head, "_")
        elif head.isalnum():
            base, quote = normalize_asset(head), "USD"
        else:
            raise UnknownSymbol(f"deribit: cannot read {symbol!r}")
        if len(parts) == 1:
            if "_" in head:
                return Canonical(base, quote)
            raise UnknownSymbol(f"deribit: {symbol!r} names no market")
        if len(parts) == 2:
            if parts[1] == "PERPETUAL":
                return Canonical(base, quote, "perp")
            return Canonical(base, quote, "future", parse_day_month_year(parts[1]))
        if len(parts) == 4 and parts[3] in ("C", "P"):
            expiry = parse_day_month_year(parts[1])
            strike = parts[2].replace("D", ".")
            whole, _, frac = strike.partition(".")
            if not whole.isdigit() or (frac and not frac.isdigit()):
                raise UnknownSymbol(f"deribit: bad strike in {symbol!r}")
            return Canonical(base, quote, "option", expiry, strike, parts[3])
        raise UnknownSymbol(f"deribit: {symbol!r} is not a perpetual, future or option")
