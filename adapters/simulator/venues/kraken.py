"""Kraken WebSocket v2 as served on the wire: instrument and book channels.

Kraken publishes only the subscribed depth and never deletes levels that fall
out of it (the client truncates), so each connection keeps the view it was
last sent and receives the difference to the new top of book.
"""

from __future__ import annotations

import itertools
import zlib

import msgspec

from adapters.simulator.base import SimConn, SimVenue
from adapters.simulator.catalogue import InstrumentSpec
from adapters.simulator.market import Changes, SimBook
from adapters.simulator.venues.wire import iso_now

DEPTHS = (10, 25, 100, 500, 1000)
_ids = itertools.count(1)

View = tuple[dict[int, int], dict[int, int]]


def _level(book: SimBook, p: int, q: int) -> str:
    # JSON numbers written with the pair's full precision, as Kraken does.
    return f'{{"price":{book.px(p)},"qty":{book.sz(q)}}}'


def checksum(book: SimBook, bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> int:
    """Kraken's CRC32, computed from the integer representation.

    Removing the decimal point and leading zeros of a fixed-precision price is
    the integer number of price units, so this is an independent check of the
    adapter's float-formatting implementation.
    """
    text = "".join(f"{p * book.tick_units}{q}" for p, q in asks[:10])
    text += "".join(f"{p * book.tick_units}{q}" for p, q in bids[:10])
    return zlib.crc32(text.encode())


class KrakenSim(SimVenue):
    url_path = "/v2"
    heartbeat_s = 1.0
    has_checksum = True

    def expected_book(self, symbol: str) -> tuple[dict[float, float], dict[float, float]]:
        b = self.books[symbol]
        return (
            {b.price_float(p): b.size_float(q) for p, q in b.top_bids(10)},
            {b.price_float(p): b.size_float(q) for p, q in b.top_asks(10)},
        )

    def expected_seq(self, symbol: str) -> int | None:
        return None

    def on_open(self, conn: SimConn) -> list[str]:
        status = {
            "channel": "status",
            "type": "update",
            "data": [
                {
                    "api_version": "v2",
                    "connection_id": next(_ids),
                    "system": "online",
                    "version": "2.0.10",
                }
            ],
        }
        return [msgspec.json.encode(status).decode()]

    def heartbeat(self, conn: SimConn) -> str:
        return '{"channel":"heartbeat"}'

    def _ack(self, method: str, result: dict[str, object], req_id: object, error: str = "") -> str:
        msg: dict[str, object] = {"method": method}
        if error:
            msg.update(error=error, success=False)
        else:
            msg.update(result=result, success=True)
        msg.update(time_in=iso_now(), time_out=iso_now())
        if req_id is not None:
            msg["req_id"] = req_id
        return msgspec.json.encode(msg).decode()

    def on_message(self, conn: SimConn, text: str) -> None:
        try:
            req = msgspec.json.decode(text)
            method = req["method"]
        except (msgspec.DecodeError, KeyError, TypeError):
            conn.push(self._ack("", {}, None, "EGeneral:Invalid arguments"))
            return
        req_id = req.get("req_id")
        params = req.get("params") or {}
        if method == "ping":
            conn.push(self._ack("pong", {}, req_id).replace('"result":{},', ""))
            return
        if method not in ("subscribe", "unsubscribe"):
            conn.push(self._ack(method, {}, req_id, f"EGeneral:Unknown method {method}"))
            return
        channel = params.get("channel")
        if channel == "instrument":
            conn.push(self._ack(method, {"channel": "instrument", "snapshot": True}, req_id))
            if method == "subscribe":
                conn.push(self._instruments())
            return
        if channel != "book":
            conn.push(
                self._ack(
                    method, {"channel": channel}, req_id, "EGeneral:Invalid arguments:channel"
                )
            )
            return
        depth = int(params.get("depth", 10))
        if depth not in DEPTHS:
            conn.push(
                self._ack(method, {"channel": "book"}, req_id, "EGeneral:Invalid arguments:depth")
            )
            return
        views: dict[str, tuple[int, View]] = conn.state.setdefault("views", {})  # type: ignore[assignment]
        for sym in params.get("symbol", []):
            if sym not in self.books:
                conn.push(
                    self._ack(
                        method,
                        {"channel": "book", "symbol": sym},
                        req_id,
                        "Currency pair not supported",
                    )
                )
                continue
            result = {"channel": "book", "depth": depth, "snapshot": True, "symbol": sym}
            conn.push(self._ack(method, result, req_id))
            if method == "subscribe":
                conn.subs.add(sym)
                book = self.books[sym]
                view = (dict(book.top_bids(depth)), dict(book.top_asks(depth)))
                views[sym] = (depth, view)
                conn.push(
                    self._book_frame(
                        "snapshot", book, list(view[0].items()), list(view[1].items()), False
                    )
                )
            else:
                conn.subs.discard(sym)
                views.pop(sym, None)

    def _instruments(self) -> str:
        pairs = []
        for b in self.books.values():
            base, quote = b.symbol.split("/")
            pairs.append(
                {
                    "symbol": b.symbol,
                    "base": base,
                    "quote": quote,
                    "status": "online",
                    "qty_precision": b.lot_places,
                    "qty_increment": float(b.sz(1)),
                    "price_precision": b.tick_places,
                    "price_increment": b.tick,
                    "cost_precision": 5,
                    "marginable": True,
                    "has_index": True,
                    "cost_min": 0.5,
                    "qty_min": float(b.sz(1)),
                }
            )
        msg = {"channel": "instrument", "type": "snapshot", "data": {"assets": [], "pairs": pairs}}
        return msgspec.json.encode(msg).decode()

    def _book_frame(
        self,
        kind: str,
        book: SimBook,
        bids: list[tuple[int, int]],
        asks: list[tuple[int, int]],
        bad: bool,
    ) -> str:
        crc = checksum(book, book.top_bids(10), book.top_asks(10))
        if bad:
            crc ^= 0x5A5A5A5A
        b = ",".join(_level(book, p, q) for p, q in bids)
        a = ",".join(_level(book, p, q) for p, q in asks)
        stamp = "" if kind == "snapshot" else f',"timestamp":"{iso_now()}"'
        return (
            f'{{"channel":"book","type":"{kind}","data":[{{"symbol":"{book.symbol}",'
            f'"bids":[{b}],"asks":[{a}],"checksum":{crc}{stamp}}}]}}'
        )

    def delta_frame(
        self, conn: SimConn, book: SimBook, changes: Changes, bad_checksum: bool
    ) -> str | None:
        views: dict[str, tuple[int, View]] = conn.state.get("views", {})  # type: ignore[assignment]
        entry = views.get(book.symbol)
        if entry is None:
            return None
        depth, (vb, va) = entry
        out = []
        for view, side, top in (
            (vb, book.bids, book.top_bids(depth)),
            (va, book.asks, book.top_asks(depth)),
        ):
            diff = []
            new = dict(top)
            for p, q in top:
                if view.get(p) != q:
                    diff.append((p, q))
            for p in view:
                if p not in new and p not in side:
                    diff.append((p, 0))  # deleted; levels merely pushed out are not sent
            view.clear()
            view.update(new)
            out.append(diff)
        if not out[0] and not out[1]:
            return None
        return self._book_frame("update", book, out[0], out[1], bad_checksum)


SIM_CLASSES = {"kraken": KrakenSim}
VENUES = {
    "kraken": [
        InstrumentSpec(
            symbol="BTC/USD", canonical="BTC-USD", fair=65000.0, tick_places=1, lot_places=8
        ),
        InstrumentSpec(
            symbol="ETH/USD", canonical="ETH-USD", fair=3400.0, tick_places=2, lot_places=8
        ),
        InstrumentSpec(
            symbol="SOL/USD", canonical="SOL-USD", fair=150.0, tick_places=2, lot_places=8
        ),
    ]
}
