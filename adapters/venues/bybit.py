"""Bybit v5 public ``orderbook`` stream: spot, linear, inverse and option books.

Protocol (https://bybit-exchange.github.io/docs/v5/ws/connect and
https://bybit-exchange.github.io/docs/v5/websocket/public/orderbook):

* one public URL per product category: ``wss://stream.bybit.com/v5/public/spot``,
  ``/linear`` (USDT/USDC perpetuals and futures), ``/inverse``, ``/option``.
  One adapter serves them all: ``options.category`` picks the URL and the way
  native symbols map to canonical instruments, so ``[venues.bybit-linear]``
  runs this adapter with ``category = "linear"``;
* subscribe ``{"op":"subscribe","args":["orderbook.50.BTCUSDT"]}`` (spot takes
  at most 10 args per request); unsubscribe is the same with ``"op":"unsubscribe"``.
  Acks are ``{"success":true,"ret_msg":"subscribe"|"","conn_id":..,"req_id":"","op":"subscribe"}``
  (options answer ``{"success":..,"data":{"failTopics":[..],"successTopics":[..]},
  "type":"COMMAND_RESP"}``);
* frames ``{"topic":"orderbook.50.BTCUSDT","type":"snapshot"|"delta","ts":..,
  "data":{"s":..,"b":[["16493.50","0.006"]],"a":[..],"u":..,"seq":..},"cts":..}``
  with quoted decimals; a size of ``"0"`` deletes the level;
* a snapshot follows every subscription, and a new snapshot at any time
  replaces the local book. ``u`` counts the messages of one topic: a delta
  continues the book only if its ``u`` is the previous one plus one. ``u == 1``
  comes with a snapshot after Bybit restarted its book service (reported as a
  ``reset``); a *delta* that breaks the count, ``u == 1`` included, is a gap;
* the venue keeps the book at exactly N levels and sends explicit deletes for
  levels that leave the top N, so nothing is truncated client-side;
* no checksum; the client pings with ``{"op":"ping"}`` every 20 s and the pong
  (``{"success":true,"ret_msg":"pong",..,"op":"ping"}`` on spot and linear,
  ``{"args":["<ms>"],"op":"pong"}`` on option) is proof of life;
* resync: unsubscribe and subscribe the topic again, which yields a snapshot.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from collections.abc import Sequence
from typing import Final

import msgspec

from adapters.instruments import (
    Canonical,
    UnknownSymbol,
    normalize_asset,
    parse_day_month_year,
    split_concat,
)
from adapters.model import BookDelta, BookSnapshot, Event, FeedStatus, Heartbeat, ParseError
from adapters.venue import APPLY, GAP, Session, Venue, VenueSettings
from adapters.wire import decode_failure

URLS: Final = {
    "spot": "wss://stream.bybit.com/v5/public/spot",
    "linear": "wss://stream.bybit.com/v5/public/linear",
    "inverse": "wss://stream.bybit.com/v5/public/inverse",
    "option": "wss://stream.bybit.com/v5/public/option",
}
DEPTHS: Final = {
    "spot": (1, 50, 200, 1000),
    "linear": (1, 50, 200, 1000),
    "inverse": (1, 50, 200, 1000),
    "option": (25, 100),
}
SPOT_ARGS_PER_REQUEST: Final = 10
"""Spot refuses subscribe requests with more than 10 args; the others take more."""
TOPIC: Final = "orderbook."
PING: Final = '{"op":"ping"}'

# Inverse futures carry a CME-style month code and a two-digit year
# (BTCUSDZ24) and deliver on the last Friday of that month.
_MONTH_CODES: Final = {c: i + 1 for i, c in enumerate("FGHJKMNQUVXZ")}


class BookData(msgspec.Struct, gc=False):
    s: str
    b: list[tuple[float, float]]
    a: list[tuple[float, float]]
    u: int
    seq: int = -1


class BookMsg(msgspec.Struct, gc=False):
    topic: str
    type: str
    data: BookData
    ts: int = 0
    cts: int = 0


class Envelope(msgspec.Struct):
    """Anything else: acks, pongs, errors, other topics."""

    op: str = ""
    success: bool | None = None
    ret_msg: str = ""
    conn_id: str = ""
    req_id: str = ""
    topic: str = ""
    type: str = ""
    args: object = None
    data: object = None


# strict=False lets msgspec turn Bybit's quoted decimals into floats in C.
_book = msgspec.json.Decoder(BookMsg, strict=False)
_envelope = msgspec.json.Decoder(Envelope)


class BybitSession(Session):
    venue: Bybit

    def parse(self, frame: bytes | str, recv_ns: int, recv_mono: int) -> Sequence[Event]:
        try:
            m = _book.decode(frame)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            return self._other(frame, recv_ns, recv_mono, exc)
        d = m.data
        name = self.venue.name
        if m.type == "delta":
            return (BookDelta(name, d.s, recv_ns, recv_mono, m.ts * 1_000_000, d.b, d.a, d.u),)
        if m.type == "snapshot":
            snap = BookSnapshot(name, d.s, recv_ns, recv_mono, m.ts * 1_000_000, d.b, d.a, d.u)
            if d.u != 1:
                return (snap,)
            notice = FeedStatus(
                name,
                self.conn,
                recv_ns,
                recv_mono,
                "reset",
                d.s,
                "u=1: Bybit restarted its book service; the new snapshot replaces the book",
            )
            return (notice, snap)
        reason = f"unknown orderbook message type {m.type!r}"
        return (
            decode_failure(name, self.conn, recv_ns, recv_mono, frame, ValueError(reason), d.s),
        )

    def _other(
        self, frame: bytes | str, recv_ns: int, recv_mono: int, exc: Exception
    ) -> Sequence[Event]:
        name = self.venue.name
        conn = self.conn
        try:
            env = _envelope.decode(frame)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return (decode_failure(name, conn, recv_ns, recv_mono, frame, exc),)
        if env.topic:
            if env.topic.startswith(TOPIC):
                # A book frame we could not read: the book may now be wrong, but
                # the sequence rule catches that on the next delta.
                symbol = env.topic.rsplit(".", 1)[-1]
                return (decode_failure(name, conn, recv_ns, recv_mono, frame, exc, symbol),)
            return ()  # another channel on a shared connection
        if env.op in ("ping", "pong") or env.ret_msg == "pong":
            return (Heartbeat(name, conn, recv_ns, recv_mono, _pong_ns(env.args)),)
        if env.op in ("subscribe", "unsubscribe"):
            if env.success is False:
                return (
                    ParseError(
                        name,
                        conn,
                        recv_ns,
                        recv_mono,
                        f"{env.op} refused: {env.ret_msg}",
                        "",
                        _topic_symbol(env.ret_msg),
                    ),
                )
            if env.op == "subscribe":
                return (
                    FeedStatus(
                        name,
                        conn,
                        recv_ns,
                        recv_mono,
                        "subscribed",
                        reason=f"conn_id {env.conn_id}",
                    ),
                )
            return (Heartbeat(name, conn, recv_ns, recv_mono),)
        if env.type == "COMMAND_RESP":
            return self._command_resp(env, recv_ns, recv_mono)
        return (decode_failure(name, conn, recv_ns, recv_mono, frame, exc),)

    def _command_resp(self, env: Envelope, recv_ns: int, recv_mono: int) -> Sequence[Event]:
        """The option endpoint's ack: it names the topics that failed."""
        name = self.venue.name
        failed = env.data.get("failTopics") if isinstance(env.data, dict) else None
        if isinstance(failed, list) and failed:
            return [
                ParseError(
                    name,
                    self.conn,
                    recv_ns,
                    recv_mono,
                    f"subscribe refused: {t}",
                    "",
                    str(t).rsplit(".", 1)[-1],
                )
                for t in failed
            ]
        if env.success is False:
            return (ParseError(name, self.conn, recv_ns, recv_mono, "command refused", "", ""),)
        return (FeedStatus(name, self.conn, recv_ns, recv_mono, "subscribed"),)


def _pong_ns(args: object) -> int:
    """The option endpoint's pong carries the server time in ms as its first arg."""
    if not (isinstance(args, list) and args and isinstance(args[0], str)):
        return 0
    ms = args[0]
    return int(ms) * 1_000_000 if ms.isascii() and ms.isdigit() and len(ms) <= 16 else 0


def _topic_symbol(text: str) -> str:
    """``Invalid symbol :[orderbook.50.NOPEUSDT]`` names the topic; return its symbol."""
    start = text.find(TOPIC)
    if start < 0:
        return ""
    topic = text[start:].split("]", 1)[0].split(",", 1)[0].strip()
    return topic.rsplit(".", 1)[-1]


class Bybit(Venue):
    # sequence() below, as data the native tracker runs (checked against it in tests)
    sequence_rule = "next"
    name = "bybit"
    default_url = URLS["spot"]
    default_depth = 50
    silence_timeout_s = 30.0
    """Longer than the ping interval: a quiet book still gets a pong every 20 s."""
    keepalive_interval_s = 20.0
    max_symbols_per_connection = 200
    """Bybit caps the args of one connection at 21,000 characters."""

    def __init__(self, settings: VenueSettings) -> None:
        category = settings.options.get("category", "spot")
        if category not in URLS:
            raise ValueError(
                f"bybit: unknown category {category!r}; expected one of {', '.join(URLS)}"
            )
        self.category = category
        super().__init__(settings)
        if not settings.url:
            self.url = URLS[category]
        if not settings.depth:
            self.depth = 50 if category != "option" else DEPTHS["option"][0]
        if self.depth not in DEPTHS[category]:
            depths = ", ".join(map(str, DEPTHS[category]))
            raise ValueError(f"bybit {category}: depth {self.depth} not offered; use {depths}")

    def topic(self, symbol: str) -> str:
        return f"{TOPIC}{self.depth}.{symbol}"

    def subscribe_frames(self, symbols: Sequence[str]) -> list[str]:
        topics = [self.topic(s) for s in symbols]
        n = SPOT_ARGS_PER_REQUEST
        return [_op("subscribe", topics[i : i + n]) for i in range(0, len(topics), n)]

    def resubscribe_frames(self, symbol: str) -> list[str]:
        topic = [self.topic(symbol)]
        return [_op("unsubscribe", topic), _op("subscribe", topic)]

    def keepalive_frame(self) -> str:
        return PING

    def new_session(self, conn: str) -> Session:
        return BybitSession(self, conn)

    def sequence(self, last_seq: int, fresh: bool, delta: BookDelta) -> int:
        return APPLY if delta.seq == last_seq + 1 else GAP

    def canonical(self, symbol: str) -> Canonical:
        return canonical(self.category, symbol)


def _op(op: str, args: list[str]) -> str:
    return msgspec.json.encode({"op": op, "args": args}).decode()


def canonical(category: str, symbol: str) -> Canonical:
    """Map a Bybit symbol of ``category`` to a canonical instrument.

    * spot ``BTCUSDT``: BTC/USDT spot;
    * linear ``BTCUSDT`` / ``BTCUSDC``: perpetuals; ``BTCPERP``: the older USDC
      perpetual; ``BTCUSDT-26SEP25``: a USDT future; ``BTC-27DEC24``: a USDC future;
    * inverse ``BTCUSD``: perpetual; ``BTCUSDZ24``: future (last Friday of the month);
    * option ``BTC-27DEC24-60000-C``: USDC option (``...-C-USDT``: USDT option).
    """
    s = symbol.upper()
    if category == "spot":
        return Canonical(*split_concat(s))
    if category == "option":
        return _option(s)
    if category == "inverse":
        return _inverse(s)
    if category != "linear":
        raise UnknownSymbol(f"bybit: unknown category {category!r}")
    if "-" in s:
        head, _, expiry = s.partition("-")
        day = parse_day_month_year(expiry)
        if head.endswith(("USDT", "USDC")) and len(head) > 4:
            base, quote = split_concat(head)
            return Canonical(base, quote, "future", day)
        return Canonical(normalize_asset(head), "USDC", "future", day)
    if s.endswith("PERP") and len(s) > 4:
        return Canonical(normalize_asset(s[:-4]), "USDC", "perp")
    base, quote = split_concat(s)
    return Canonical(base, quote, "perp")


def _option(s: str) -> Canonical:
    parts = s.split("-")
    if len(parts) not in (4, 5) or parts[3] not in ("C", "P"):
        raise UnknownSymbol(f"bybit: not an option symbol: {s!r}")
    quote = parts[4] if len(parts) == 5 else "USDC"
    return Canonical(
        normalize_asset(parts[0]),
        quote,
        "option",
        parse_day_month_year(parts[1]),
        parts[2],
        parts[3],
    )


def _inverse(s: str) -> Canonical:
    base, sep, tail = s.partition("USD")
    if not sep or not base:
        raise UnknownSymbol(f"bybit: not an inverse symbol: {s!r}")
    if not tail:
        return Canonical(normalize_asset(base), "USD", "perp")
    if (
        len(tail) != 3
        or tail[0] not in _MONTH_CODES
        or not (tail[1:].isascii() and tail[1:].isdigit())
    ):
        raise UnknownSymbol(f"bybit: not an inverse future: {s!r}")
    year, month = 2000 + int(tail[1:]), _MONTH_CODES[tail[0]]
    last = calendar.monthrange(year, month)[1]
    day = _dt.date(year, month, last)
    day -= _dt.timedelta(days=(day.weekday() - calendar.FRIDAY) % 7)
    return Canonical(normalize_asset(base), "USD", "future", day.strftime("%Y%m%d"))
