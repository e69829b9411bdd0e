"""OKX v5 public ``books`` as served on the wire.

What the real venue does and this serves: ``op`` subscribe/unsubscribe with
``event`` acks carrying a ``connId``; a snapshot on every subscription
(``prevSeqId`` -1); updates whose ``seqId`` grows by irregular steps and whose
``prevSeqId`` names the previous one; empty keep-alive updates with
``seqId == prevSeqId`` (on a quiet book, and every few updates in stepped mode
so the tests meet them); the text ``ping`` answered by ``pong``; prices and
sizes as exact decimal strings without trailing zeros (``"8477"``, not
``"8477.00"``), which is what makes the checksum depend on the text as sent.

The checksum is deprecated and OKX now sends 0. Instruments in
:attr:`OkxSim.checksum_symbols` get the real signed CRC32 (as older captures
carry), the others 0, so an adapter meets both.
"""

from __future__ import annotations

import itertools
import random
import time
import zlib
from typing import TYPE_CHECKING, ClassVar

import msgspec

from adapters.simulator.base import SimConn, SimVenue
from adapters.simulator.catalogue import InstrumentSpec
from adapters.simulator.market import Changes, SimBook
from adapters.simulator.venues.wire import ms_now

if TYPE_CHECKING:
    from adapters.simulator.server import Simulator

CHECKSUM_DEPTH = 25
UPGRADE_MSG = "The connection will soon be closed for a service upgrade. Please reconnect."
_conn_ids = itertools.count(0xA4D3AE55)


def _trim(text: str) -> str:
    """OKX writes decimals without trailing zeros: ``65000.10`` is ``65000.1``."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def checksum(book: SimBook) -> int:
    """OKX's signed CRC32 of the best 25 levels, from the integer book.

    bid1:ask1:bid2:ask2..., each ``px:sz`` in the text this venue sends.
    """
    bids = book.top_bids(CHECKSUM_DEPTH)
    asks = book.top_asks(CHECKSUM_DEPTH)
    parts = []
    for i in range(max(len(bids), len(asks))):
        for side in (bids, asks):
            if i < len(side):
                p, q = side[i]
                parts.append(f"{_trim(book.px(p))}:{_trim(book.sz(q))}")
    crc = zlib.crc32(":".join(parts).encode())
    return crc - (1 << 32) if crc >= 1 << 31 else crc


class OkxSim(SimVenue):
    url_path = "/ws/v5/public"
    heartbeat_s = 0.5
    """How often quiet books are checked for a keep-alive (not itself a frame)."""
    has_checksum = True
    checksum_symbols: ClassVar[frozenset[str]] = frozenset({"BTC-USDT"})
    keepalive_every: ClassVar[int] = 40
    """In stepped mode, precede every n-th update of a book with a keep-alive."""

    def __init__(self, sim: Simulator, name: str, books: dict[str, SimBook]) -> None:
        super().__init__(sim, name, books)
        self.rng = random.Random(f"{sim.seed}:{name}:seqId")
        self.idle_keepalive_s = 60.0
        """A book unchanged this long gets an empty update (OKX: about a minute)."""
        self.prev: dict[str, int] = {}
        """The ``prevSeqId`` of the update being published, per symbol."""
        self.crc: dict[str, int] = {}
        """The checksum of each book as last published."""
        self.prev_crc: dict[str, int] = {}
        """The checksum of each book before the update being published."""
        self.updates: dict[str, int] = {}
        self.changed: dict[str, float] = {}
        self.resets: set[str] = set()
        self.keepalives = 0
        self.pings = 0
        self.ops: list[tuple[str, str]] = []
        """Every (op, instId) received, in order, for tests."""
        now = time.monotonic()
        for b in books.values():
            b.seq = self.rng.randint(1_000_000, 9_000_000)
            self.changed[b.symbol] = now

    # -- test hooks --------------------------------------------------------------------------

    def reset_sequence(self, symbol: str) -> None:
        """Maintenance: the next update of ``symbol`` restarts the numbering lower."""
        self.resets.add(symbol)

    def notice_upgrade(self) -> int:
        """Push the service-upgrade notice to every connection."""
        for c in self.conns:
            notice = {
                "event": "notice",
                "code": "64008",
                "msg": UPGRADE_MSG,
                "connId": self._conn_id(c),
            }
            c.push(msgspec.json.encode(notice).decode())
        return len(self.conns)

    # -- the protocol -------------------------------------------------------------------------

    def on_message(self, conn: SimConn, text: str) -> None:
        if text == "ping":
            if not self.sim.faults[self.name].stalled():
                self.pings += 1
                conn.push("pong")
            return
        try:
            req = msgspec.json.decode(text)
            op = req["op"]
            args = req["args"]
            if op not in ("subscribe", "unsubscribe") or not isinstance(args, list):
                raise ValueError(op)
        except (msgspec.DecodeError, KeyError, TypeError, ValueError):
            conn.push(self._error(conn, "60012", f"Invalid request: {text}", None))
            return
        rid = req.get("id")
        for arg in args:
            channel = arg.get("channel") if isinstance(arg, dict) else None
            inst = arg.get("instId") if isinstance(arg, dict) else None
            self.ops.append((op, str(inst)))
            if channel != "books" or inst not in self.books:
                msg = (
                    f"Wrong URL or channel:{channel},instId:{inst} doesn't exist. "
                    "Please use the correct URL, channel and parameters referring to API document."
                )
                conn.push(self._error(conn, "60018", msg, rid))
                continue
            ack: dict[str, object] = {} if rid is None else {"id": rid}
            ack.update(
                event=op, arg={"channel": "books", "instId": inst}, connId=self._conn_id(conn)
            )
            conn.push(msgspec.json.encode(ack).decode())
            book = self.books[inst]
            if op == "subscribe":
                conn.subs.add(inst)
                _quiet(conn)[inst] = time.monotonic()
                crc = self._checksum(book)
                self.crc.setdefault(inst, crc)  # a book published before any update
                bids = book.top_bids(len(book.bids))
                asks = book.top_asks(len(book.asks))
                conn.push(self._frame("snapshot", book, bids, asks, -1, book.seq, crc))
            else:
                conn.subs.discard(inst)

    def advance(self, book: SimBook, changes: Changes) -> None:
        sym = book.symbol
        prev = self.prev[sym] = book.seq
        if sym in self.resets:
            self.resets.discard(sym)
            book.seq = self.rng.randint(0, min(100, max(prev - 1, 0)))
        else:
            book.seq = prev + self.rng.randint(2, 60)
        self.updates[sym] = self.updates.get(sym, 0) + 1
        self.changed[sym] = time.monotonic()
        self.prev_crc[sym] = self.crc.get(sym, 0)
        self.crc[sym] = self._checksum(book)

    def delta_frame(
        self, conn: SimConn, book: SimBook, changes: Changes, bad_checksum: bool
    ) -> str:
        sym = book.symbol
        prev = self.prev[sym]
        if self.updates[sym] % self.keepalive_every == 0:
            # The book as it stood before this update is what the keep-alive vouches for.
            self.keepalives += 1
            conn.push(self._frame("update", book, [], [], prev, prev, self.prev_crc[sym]))
        crc = self.crc[sym]
        if bad_checksum and crc:
            # Corrupt a real checksum; a 0 ("not provided") has nothing to corrupt.
            crc = (crc ^ 0x5A5A5A5A) or 1
            crc = crc - (1 << 32) if crc >= 1 << 31 else crc
        bids, asks = changes
        return self._frame("update", book, bids, asks, prev, book.seq, crc)

    def heartbeat(self, conn: SimConn) -> str | None:
        """Keep-alive updates for books that have been quiet (OKX: about a minute)."""
        now = time.monotonic()
        quiet = _quiet(conn)
        for sym in sorted(conn.subs):
            last = max(self.changed.get(sym, 0.0), quiet.get(sym, 0.0))
            if now - last < self.idle_keepalive_s:
                continue
            book = self.books[sym]
            self.keepalives += 1
            quiet[sym] = now
            crc = self.crc.get(sym, 0)
            conn.push(self._frame("update", book, [], [], book.seq, book.seq, crc))
        return None

    # -- frames -------------------------------------------------------------------------------

    def _checksum(self, book: SimBook) -> int:
        return checksum(book) if book.symbol in self.checksum_symbols else 0

    def _conn_id(self, conn: SimConn) -> str:
        cid = conn.state.get("connId")
        if not isinstance(cid, str):
            cid = conn.state["connId"] = f"{next(_conn_ids) & 0xFFFFFFFF:08x}"
        return cid

    def _error(self, conn: SimConn, code: str, msg: str, rid: object) -> str:
        body: dict[str, object] = {} if rid is None else {"id": rid}
        body.update(event="error", code=code, msg=msg, connId=self._conn_id(conn))
        return msgspec.json.encode(body).decode()

    def _frame(
        self,
        action: str,
        book: SimBook,
        bids: list[tuple[int, int]],
        asks: list[tuple[int, int]],
        prev: int,
        seq: int,
        crc: int,
    ) -> str:
        data = {
            "asks": [_level(book, p, q) for p, q in asks],
            "bids": [_level(book, p, q) for p, q in bids],
            "ts": str(ms_now()),
            "checksum": crc,
            "prevSeqId": prev,
            "seqId": seq,
        }
        msg = {"arg": {"channel": "books", "instId": book.symbol}, "action": action, "data": [data]}
        return msgspec.json.encode(msg).decode()


def _quiet(conn: SimConn) -> dict[str, float]:
    """When each book was last vouched for on this connection (snapshot or keep-alive)."""
    quiet: dict[str, float] = conn.state.setdefault("quiet", {})  # type: ignore[assignment]
    return quiet


def _level(book: SimBook, p: int, q: int) -> list[str]:
    # [price, size, deprecated "0", number of orders]; a deleted level has no orders.
    orders = 0 if q == 0 else 1 + q % 9
    return [_trim(book.px(p)), _trim(book.sz(q)), "0", str(orders)]


SIM_CLASSES = {"okx": OkxSim}
VENUES = {
    "okx": [
        # First: the conformance suite corrupts the first instrument's checksum.
        InstrumentSpec(
            symbol="BTC-USDT", canonical="BTC-USD", fair=65000.0, tick_places=1, lot_places=8
        ),
        InstrumentSpec(
            symbol="ETH-USDT", canonical="ETH-USD", fair=3400.0, tick_places=2, lot_places=6
        ),
        InstrumentSpec(
            symbol="BTC-USDT-SWAP",
            canonical="BTC-USD-PERP",
            fair=65010.0,
            tick_places=1,
            lot_places=2,
        ),
    ]
}
