"""OKX v5 public WebSocket: the ``books`` channel (400 levels, 100 ms increments).

Protocol (https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel
and #overview-websocket-overview):

* ``wss://ws.okx.com:8443/ws/v5/public``; subscribe
  ``{"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]}``, acknowledged by
  ``{"event":"subscribe","arg":{..},"connId":".."}``; failures are
  ``{"event":"error","code":"60012","msg":"..","connId":".."}``. Unsubscribing and
  subscribing again is how a book is rebuilt: a subscription always starts with a snapshot;
* pushes ``{"arg":{"channel":"books","instId":..},"action":"snapshot"|"update","data":[{"asks":
  [["8476.98","415","0","13"]],"bids":[..],"ts":"..","checksum":0,"prevSeqId":..,"seqId":..}]}``:
  price, size, a deprecated field, order count, all quoted; size ``"0"`` removes a level;
* continuity: an update's ``prevSeqId`` is the previous message's ``seqId`` (steps are not 1);
  a snapshot has ``prevSeqId`` -1; with no change for about a minute OKX sends an update with
  empty sides and ``seqId == prevSeqId`` (a keep-alive); after maintenance the numbering may
  restart, seen as an update whose ``seqId`` is *smaller* than its ``prevSeqId`` (a reset, not a
  gap: the chain still holds);
* recordings from before ``seqId``/``prevSeqId`` existed (cryptofeed's and tardis.dev's older
  raw files) have neither: such updates are applied in order and the checksum — real then —
  is what proves the book, verified after every update with a mismatch resyncing it;
* checksum: deprecated — OKX now always sends 0 and says to rely on ``seqId``. Older captures
  carry real values, so a non-zero one is still verified: CRC32, as a signed 32-bit integer, of
  ``bid1px:bid1sz:ask1px:ask1sz:bid2px:..`` over the best 25 levels of each side (a side that
  runs out is skipped), built from the *exact strings as sent*;
* keep-alive: the server drops a connection that is quiet for 30 s; the client sends the text
  ``ping`` and gets the text ``pong``. About 30 s before a service upgrade the server pushes
  ``{"event":"notice","code":"64008",..}``: reconnecting early avoids the cut.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Annotated, Final

import msgspec

from adapters.book import Book, BookSide
from adapters.instruments import Canonical, UnknownSymbol, parse_yymmdd, split_delimited
from adapters.model import (
    NO_SEQ,
    BookDelta,
    BookSnapshot,
    Event,
    FeedStatus,
    Heartbeat,
    ParseError,
)
from adapters.venue import APPLY, GAP, RESET, SKIP, Session, Venue, VenueSettings
from adapters.wire import decode_failure

CHANNEL: Final = "books"
CHECKSUM_DEPTH: Final = 25
UPGRADE_NOTICE: Final = "64008"
"""The code of the notice OKX pushes before a WebSocket service upgrade."""

# Finite bounds make msgspec reject "nan"/"inf" in C: such a level would poison a book.
Price = Annotated[float, msgspec.Meta(ge=-1e18, le=1e18)]
Size = Annotated[float, msgspec.Meta(ge=0, le=1e18)]


class Lvl(msgspec.Struct, array_like=True, gc=False):
    """``[price, size, deprecated, orders]``: only the first two are read (the rest skipped)."""

    px: Price
    sz: Size


class Arg(msgspec.Struct, gc=False):
    channel: str
    instId: str = ""


class BookData(msgspec.Struct, gc=False):
    # Absent in recordings from before OKX added them: such books are sequenced
    # by their (then real) checksum instead, see Okx.sequence.
    seqId: int = NO_SEQ
    prevSeqId: int = NO_SEQ
    asks: list[Lvl] = []
    bids: list[Lvl] = []
    ts: int = 0
    checksum: int = 0


class BookMsg(msgspec.Struct, gc=False):
    arg: Arg
    action: str
    data: list[BookData]


class TextLvl(msgspec.Struct, array_like=True, gc=False):
    px: str
    sz: str


class TextData(msgspec.Struct, gc=False):
    asks: list[TextLvl] = []
    bids: list[TextLvl] = []


class TextMsg(msgspec.Struct, gc=False):
    """The same frame with the level text kept: decoded only for checksummed books."""

    data: list[TextData]


class EnvArg(msgspec.Struct):
    channel: str = ""
    instId: str = ""


class Envelope(msgspec.Struct):
    """Everything that is not a book push: acks, errors, notices, other channels."""

    event: str = ""
    code: str | int = ""
    msg: str = ""
    arg: EnvArg | None = None
    connId: str = ""
    action: str = ""
    data: object = None


# strict=False turns OKX's quoted decimals (and the quoted ``ts``) into numbers in C.
_book = msgspec.json.Decoder(BookMsg, strict=False)
_text = msgspec.json.Decoder(TextMsg)
_envelope = msgspec.json.Decoder(Envelope)

SideText = dict[float, tuple[float, str]]
"""price -> (size, ``"px:sz"`` exactly as sent) for one side of one book."""


class OkxSession(Session):
    venue: Okx

    def parse(self, frame: bytes | str, recv_ns: int, recv_mono: int) -> Sequence[Event]:
        try:
            m = _book.decode(frame)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            return self._other(frame, recv_ns, recv_mono, exc)
        if m.arg.channel != CHANNEL:
            return ()
        action = m.action
        snapshot = action == "snapshot"
        name = self.venue.name
        symbol = m.arg.instId
        if not snapshot and action != "update":
            reason = f"unknown book action {action!r}"
            return (ParseError(name, self.conn, recv_ns, recv_mono, reason, "", symbol),)
        texts = self.venue.texts
        if snapshot and not any(d.checksum for d in m.data):
            texts.pop(symbol, None)
        elif snapshot or symbol in texts:
            self._keep_text(frame, m, symbol, snapshot)
        out: list[Event] = []
        for d in m.data:
            bids = [(lv.px, lv.sz) for lv in d.bids]
            asks = [(lv.px, lv.sz) for lv in d.asks]
            # 0 is what OKX sends since the checksum was deprecated: "not provided".
            checksum = d.checksum or None
            exch = d.ts * 1_000_000
            if snapshot:
                out.append(
                    BookSnapshot(
                        name, symbol, recv_ns, recv_mono, exch, bids, asks, d.seqId, checksum
                    )
                )
            else:
                out.append(
                    BookDelta(
                        name,
                        symbol,
                        recv_ns,
                        recv_mono,
                        exch,
                        bids,
                        asks,
                        d.seqId,
                        d.prevSeqId,
                        -1,
                        checksum,
                    )
                )
        return out

    def _keep_text(self, frame: bytes | str, m: BookMsg, symbol: str, snapshot: bool) -> None:
        """Mirror the book's levels as the exact strings sent, for the checksum.

        Only books whose snapshot carried a checksum are mirrored; a snapshot
        without one (OKX today) drops the mirror, so the live feed pays nothing.
        """
        texts = self.venue.texts
        try:
            t = _text.decode(frame)
        except (msgspec.DecodeError, msgspec.ValidationError):
            # Levels as JSON numbers: the exact text is unknown, so no checksum.
            texts.pop(symbol, None)
            return
        for d, td in zip(m.data, t.data, strict=False):
            if snapshot:
                if not d.checksum:
                    texts.pop(symbol, None)
                    continue
                texts[symbol] = ({}, {})
            sides = texts.get(symbol)
            if sides is None:
                continue
            _mirror(sides[0], d.bids, td.bids)
            _mirror(sides[1], d.asks, td.asks)

    def _other(
        self, frame: bytes | str, recv_ns: int, recv_mono: int, exc: Exception
    ) -> Sequence[Event]:
        name = self.venue.name
        conn = self.conn
        if frame == b"pong" or frame == "pong":
            return (Heartbeat(name, conn, recv_ns, recv_mono),)
        try:
            env = _envelope.decode(frame)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return (decode_failure(name, conn, recv_ns, recv_mono, frame, exc),)
        event = env.event
        inst = env.arg.instId if env.arg is not None else ""
        if event == "subscribe":
            return (FeedStatus(name, conn, recv_ns, recv_mono, "subscribed", inst),)
        if event == "unsubscribe":
            return (Heartbeat(name, conn, recv_ns, recv_mono),)
        if event == "error":
            reason = f"venue error {env.code}: {env.msg}"
            return (ParseError(name, conn, recv_ns, recv_mono, reason, "", inst),)
        if event == "notice":
            code = str(env.code)
            status = "reconnect" if code == UPGRADE_NOTICE else "venue_notice"
            reason = f"notice {code}: {env.msg}"
            return (FeedStatus(name, conn, recv_ns, recv_mono, status, reason=reason),)
        if event:
            # login, channel-conn-count, ...: not about books, but proof of life.
            return (Heartbeat(name, conn, recv_ns, recv_mono),)
        if env.arg is not None and env.arg.channel and env.arg.channel != CHANNEL:
            return ()  # another channel's push: not ours to read
        return (decode_failure(name, conn, recv_ns, recv_mono, frame, exc, inst),)


def _mirror(side: SideText, levels: list[Lvl], text: list[TextLvl]) -> None:
    for lv, tx in zip(levels, text, strict=False):
        if lv.sz:
            side[lv.px] = (lv.sz, f"{tx.px}:{tx.sz}")
        else:
            side.pop(lv.px, None)


def signed32(crc: int) -> int:
    """An unsigned CRC32 as the signed 32-bit integer OKX sends."""
    return crc - (1 << 32) if crc & 0x80000000 else crc


class Okx(Venue):
    name = "okx"
    default_url = "wss://ws.okx.com:8443/ws/v5/public"
    default_depth = 400
    silence_timeout_s = 25.0
    """Longer than the keep-alive period: a quiet book still gets a ``pong`` every 20 s."""
    keepalive_interval_s = 20.0
    """OKX closes a connection with no traffic for 30 s; ``ping`` more often than that."""
    max_symbols_per_connection = 29
    """OKX advises fewer than 30 deep-book channels per connection."""

    def __init__(self, settings: VenueSettings) -> None:
        super().__init__(settings)
        self.texts: dict[str, tuple[SideText, SideText]] = {}
        """Per symbol (bids, asks): the exact text of every level, for checksummed books."""

    def subscribe_frames(self, symbols: Sequence[str]) -> list[str]:
        return [_op("subscribe", symbols)]

    def resubscribe_frames(self, symbol: str) -> list[str]:
        # A fresh subscription always starts with a snapshot.
        return [_op("unsubscribe", [symbol]), _op("subscribe", [symbol])]

    def keepalive_frame(self) -> str:
        return "ping"

    def new_session(self, conn: str) -> Session:
        return OkxSession(self, conn)

    def sequence(self, last_seq: int, fresh: bool, delta: BookDelta) -> int:
        prev = delta.prev_seq
        if prev == NO_SEQ and delta.seq == NO_SEQ:
            # Recorded before seqId existed: nothing to chain, so every update
            # applies and the checksum it carries (non-zero then) is verified by
            # the feed right after; a mismatch resyncs the book.
            return APPLY if delta.bids or delta.asks else SKIP
        if prev != last_seq:
            return GAP
        seq = delta.seq
        if seq == prev:
            # The keep-alive: nothing changed, and the book is proven current.
            return APPLY if delta.bids or delta.asks else SKIP
        if seq < prev:
            return RESET  # renumbered after maintenance; the chain itself held
        return APPLY

    def checksum(self, book: Book, symbol: str) -> int | None:
        text = self.checksum_text(book, symbol)
        if text is None:
            return None
        return signed32(zlib.crc32(text.encode()))

    def checksum_text(self, book: Book, symbol: str) -> str | None:
        """The string OKX's checksum is taken over, or None where the exact
        text of a top level is not known (or no longer matches the book)."""
        sides = self.texts.get(symbol)
        if sides is None:
            return None
        bids = _top_text(book.bids, sides[0])
        asks = _top_text(book.asks, sides[1])
        if bids is None or asks is None:
            return None
        parts: list[str] = []
        for i in range(max(len(bids), len(asks))):
            if i < len(bids):
                parts.append(bids[i])
            if i < len(asks):
                parts.append(asks[i])
        return ":".join(parts)

    def canonical(self, symbol: str) -> Canonical:
        parts = symbol.upper().split("-")
        if len(parts) < 2 or not all(parts):
            raise UnknownSymbol(f"not an OKX instrument: {symbol!r}")
        base, quote = split_delimited(f"{parts[0]}-{parts[1]}", "-")
        if len(parts) == 2:
            return Canonical(base, quote)
        if len(parts) == 3 and parts[2] == "SWAP":
            return Canonical(base, quote, "perp")
        if len(parts) == 3:
            return Canonical(base, quote, "future", parse_yymmdd(parts[2]))
        if len(parts) == 5 and parts[4] in ("C", "P"):
            return Canonical(base, quote, "option", parse_yymmdd(parts[2]), parts[3], parts[4])
        raise UnknownSymbol(f"not an OKX instrument: {symbol!r}")


def _top_text(side: BookSide, text: SideText) -> list[str] | None:
    out = []
    for price, qty in side.top(CHECKSUM_DEPTH):
        hit = text.get(price)
        if hit is None or hit[0] != qty:
            return None
        out.append(hit[1])
    return out


def _op(op: str, symbols: Sequence[str]) -> str:
    args = [{"channel": CHANNEL, "instId": s} for s in symbols]
    return msgspec.json.encode({"op": op, "args": args}).decode()
