"""Coinbase Advanced Trade: the ``level2`` channel, numbered per connection.

Protocol (https://docs.cdp.coinbase.com/coinbase-app/advanced-trade-apis/websocket/
websocket-channels and .../websocket-overview, and the AsyncAPI reference
https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/websocket/level2):

* ``wss://advanced-trade-ws.coinbase.com``; one channel per subscribe message:
  ``{"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"}`` and
  ``{"type":"subscribe","channel":"heartbeats"}``. Public channels need no JWT.
  Most channels are closed after 60-90 s without an update, so the heartbeats
  channel (one message a second) is subscribed alongside to keep them open;
* book frames ``{"channel":"l2_data","client_id":"","timestamp":..,
  "sequence_num":N,"events":[{"type":"snapshot"|"update","product_id":..,
  "updates":[{"side":"bid"|"offer","event_time":..,"price_level":"21921.73",
  "new_quantity":"0.06317902"}]}]}``: quoted decimals, quantities absolute,
  ``"0"`` removes the level. Asks are ``"offer"`` — not ``"ask"``, a bug seen
  in a widely used feed library — so any other side is refused, never guessed;
* ``sequence_num`` numbers every message on the connection (subscription acks
  and heartbeats included) from 0. There is no per-product number and no
  checksum, so a jump is the only evidence of a lost message, and it may have
  belonged to any book on the connection: the session reports a connection-wide
  gap and the feed resubscribes every book on it (unsubscribe, subscribe: a new
  subscription starts with a fresh snapshot);
* timestamps are RFC 3339 with up to nine fractional digits;
* the docs say "-USDC" products are served on public channels with the data of
  the corresponding "-USD" product, so frames for ``BTC-USD`` are routed to a
  configured ``BTC-USDC`` book too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import msgspec

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
from adapters.wire import IsoClock, decode_failure

# The docs list these "-USDC" markets as real ones on every channel.
NATIVE_USDC = frozenset({"USDT-USDC", "EURC-USDC"})


class L2Update(msgspec.Struct, gc=False):
    side: Literal["bid", "offer"]
    event_time: str
    price_level: float
    new_quantity: float


class L2Event(msgspec.Struct, gc=False):
    type: Literal["snapshot", "update"]
    product_id: str
    updates: list[L2Update]


class L2Msg(msgspec.Struct, gc=False):
    channel: str
    timestamp: str
    sequence_num: int
    events: list[L2Event]
    client_id: str = ""


class Envelope(msgspec.Struct):
    """Any other message: heartbeats, subscription acks, errors, other channels."""

    channel: str = ""
    timestamp: str = ""
    sequence_num: int | None = None
    events: object = None
    type: str = ""
    message: str = ""


class HbEvent(msgspec.Struct):
    current_time: str = ""
    # A string in the documented example, a number in some captures.
    heartbeat_counter: int | str = 0


class HbMsg(msgspec.Struct):
    events: list[HbEvent]


class SubsEvent(msgspec.Struct):
    subscriptions: dict[str, list[str]]


class SubsMsg(msgspec.Struct):
    events: list[SubsEvent]


# strict=False lets msgspec turn the quoted decimals into floats in C.
_l2 = msgspec.json.Decoder(L2Msg, strict=False)
_envelope = msgspec.json.Decoder(Envelope)
_heartbeats = msgspec.json.Decoder(HbMsg)
_subscriptions = msgspec.json.Decoder(SubsMsg)


class CoinbaseSession(Session):
    """One connection: its parser and the ``sequence_num`` it expects next."""

    venue: Coinbase

    def __init__(self, venue: Coinbase, conn: str) -> None:
        super().__init__(venue, conn)
        self.clock = IsoClock()
        self.expected = 0
        """The next ``sequence_num``; the venue numbers a connection from 0."""

    def parse(self, frame: bytes | str, recv_ns: int, recv_mono: int) -> Sequence[Event]:
        try:
            m = _l2.decode(frame)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            return self._other(frame, recv_ns, recv_mono, exc)
        if m.channel != "l2_data":
            return self._other(frame, recv_ns, recv_mono, None)
        out: list[Event] = []
        if m.sequence_num != self.expected:
            out.append(self._gap(m.sequence_num, recv_ns, recv_mono))
        self.expected = m.sequence_num + 1
        name = self.venue.name
        routes = self.venue.routes
        exch = self.clock.ns(m.timestamp)
        for ev in m.events:
            bids: list[tuple[float, float]] = []
            asks: list[tuple[float, float]] = []
            for u in ev.updates:
                # The decoder admits only "bid" and "offer".
                (bids if u.side == "bid" else asks).append((u.price_level, u.new_quantity))
            seq = m.sequence_num
            for symbol in routes.get(ev.product_id) or (ev.product_id,):
                if ev.type == "snapshot":
                    out.append(
                        BookSnapshot(name, symbol, recv_ns, recv_mono, exch, bids, asks, seq)
                    )
                else:
                    out.append(BookDelta(name, symbol, recv_ns, recv_mono, exch, bids, asks, seq))
        return out

    def _gap(self, got: int, recv_ns: int, recv_mono: int) -> FeedStatus:
        expected = self.expected
        lost = got - expected
        what = f"{lost} message(s) lost" if lost > 0 else "numbering went backwards"
        return FeedStatus(
            self.venue.name,
            self.conn,
            recv_ns,
            recv_mono,
            "gap",
            "",
            f"sequence_num {got}, expected {expected}: {what}",
        )

    def _count(self, seq: int | None, recv_ns: int, recv_mono: int) -> list[Event]:
        """Advance the connection's numbering for a frame that is not a book frame."""
        if seq is None:
            return []
        out: list[Event] = []
        if seq != self.expected:
            out.append(self._gap(seq, recv_ns, recv_mono))
        self.expected = seq + 1
        return out

    def _other(
        self, frame: bytes | str, recv_ns: int, recv_mono: int, exc: Exception | None
    ) -> Sequence[Event]:
        name = self.venue.name
        conn = self.conn
        try:
            env = _envelope.decode(frame)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc2:
            return (decode_failure(name, conn, recv_ns, recv_mono, frame, exc or exc2),)
        channel = env.channel
        if channel == "l2_data":
            # A book frame that cannot be read is not counted: its number will
            # show up as missing, so the books it touched are rebuilt.
            reason = exc or ValueError("l2_data frame without a usable shape")
            return (decode_failure(name, conn, recv_ns, recv_mono, frame, reason),)
        if channel == "heartbeats":
            try:
                _heartbeats.decode(frame)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc3:
                return (decode_failure(name, conn, recv_ns, recv_mono, frame, exc3),)
            out = self._count(env.sequence_num, recv_ns, recv_mono)
            out.append(Heartbeat(name, conn, recv_ns, recv_mono, self.clock.ns(env.timestamp)))
            return out
        if channel == "subscriptions":
            try:
                subs = _subscriptions.decode(frame)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc4:
                return (decode_failure(name, conn, recv_ns, recv_mono, frame, exc4),)
            out = self._count(env.sequence_num, recv_ns, recv_mono)
            current = "; ".join(
                f"{ch}: {', '.join(products)}"
                for e in subs.events
                for ch, products in e.subscriptions.items()
            )
            out.append(
                FeedStatus(
                    name, conn, recv_ns, recv_mono, "subscribed", reason=current or "nothing"
                )
            )
            return out
        if env.type == "error":
            out = self._count(env.sequence_num, recv_ns, recv_mono)
            out.append(
                ParseError(name, conn, recv_ns, recv_mono, f"venue error: {env.message}", "", "")
            )
            return out
        if channel and env.sequence_num is not None:
            # Another channel (ticker, status, a new one): ignored as the docs
            # ask, but it still took a number.
            return self._count(env.sequence_num, recv_ns, recv_mono)
        reason = exc or ValueError("not a Coinbase Advanced Trade message")
        return (decode_failure(name, conn, recv_ns, recv_mono, frame, reason),)


def _frame(kind: str, channel: str, products: Sequence[str] | None) -> str:
    msg: dict[str, object] = {"type": kind}
    if products is not None:
        msg["product_ids"] = list(products)
    msg["channel"] = channel
    return msgspec.json.encode(msg).decode()


def _routes(symbols: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """product_id on the wire -> configured books it feeds."""
    routes: dict[str, tuple[str, ...]] = {}
    for s in symbols:
        keys = [s]
        if s.endswith("-USDC") and s not in NATIVE_USDC:
            keys.append(s[:-1])  # BTC-USDC -> BTC-USD
        for k in keys:
            if s not in routes.get(k, ()):
                routes[k] = (*routes.get(k, ()), s)
    return routes


class Coinbase(Venue):
    name = "coinbase"
    default_url = "wss://advanced-trade-ws.coinbase.com"
    # Heartbeats arrive every second: ten quiet seconds mean a dead connection.
    silence_timeout_s = 10.0

    def __init__(self, settings: VenueSettings) -> None:
        super().__init__(settings)
        self.routes = _routes(settings.symbols)

    def subscribe_frames(self, symbols: Sequence[str]) -> list[str]:
        return [_frame("subscribe", "level2", symbols), _frame("subscribe", "heartbeats", None)]

    def resubscribe_frames(self, symbol: str) -> list[str]:
        # Subscribing again to a live subscription need not send a snapshot;
        # a new subscription always starts with one.
        return [_frame("unsubscribe", "level2", [symbol]), _frame("subscribe", "level2", [symbol])]

    def new_session(self, conn: str) -> Session:
        return CoinbaseSession(self, conn)

    # sequence(): the default APPLY. Continuity is a property of the connection,
    # checked by the session, not of one book.

    def canonical(self, symbol: str) -> Canonical:
        base, quote = split_delimited(symbol, "-")
        return Canonical(base, quote)
