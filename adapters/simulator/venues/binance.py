"""Binance spot as served on the wire: combined diff-depth streams and REST depth."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import msgspec

from adapters.simulator.base import SimConn, SimVenue
from adapters.simulator.catalogue import InstrumentSpec
from adapters.simulator.market import Changes, SimBook
from adapters.simulator.venues.wire import ms_now

STREAM_SUFFIX = "@depth@100ms"


class BinanceSim(SimVenue):
    def _symbol(self, stream: str) -> str | None:
        if not stream.endswith(STREAM_SUFFIX) and not stream.endswith("@depth"):
            return None
        sym = stream.split("@", 1)[0].upper()
        return sym if sym in self.books else None

    def on_open(self, conn: SimConn) -> list[str]:
        parts = urlsplit(conn.path)
        if parts.path.startswith("/stream"):
            streams = dict(parse_qsl(parts.query)).get("streams", "")
            for s in streams.split("/"):
                sym = self._symbol(s)
                if sym:
                    conn.subs.add(sym)
        elif parts.path.startswith("/ws/"):
            conn.state["raw"] = True
            sym = self._symbol(parts.path[4:])
            if sym:
                conn.subs.add(sym)
        elif parts.path.startswith("/ws"):
            conn.state["raw"] = True
        return []

    def on_message(self, conn: SimConn, text: str) -> None:
        try:
            req = msgspec.json.decode(text)
            method = req["method"]
            params = req.get("params", [])
            rid = req.get("id")
        except (msgspec.DecodeError, KeyError, TypeError, AttributeError):
            conn.push('{"error":{"code":3,"msg":"Invalid JSON: expected an object"},"id":null}')
            return
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            for s in params:
                sym = self._symbol(str(s))
                if sym is None:
                    continue
                if method == "SUBSCRIBE":
                    conn.subs.add(sym)
                else:
                    conn.subs.discard(sym)
            conn.push(msgspec.json.encode({"result": None, "id": rid}).decode())
        elif method == "LIST_SUBSCRIPTIONS":
            streams = [f"{s.lower()}{STREAM_SUFFIX}" for s in sorted(conn.subs)]
            conn.push(msgspec.json.encode({"result": streams, "id": rid}).decode())
        else:
            conn.push(
                msgspec.json.encode(
                    {"error": {"code": 1, "msg": f"Unknown method {method}"}, "id": rid}
                ).decode()
            )

    def advance(self, book: SimBook, changes: Changes) -> None:
        # Binance numbers every change: one event covers ids U..u.
        book.seq += max(1, len(changes[0]) + len(changes[1]))

    def delta_frame(
        self, conn: SimConn, book: SimBook, changes: Changes, bad_checksum: bool
    ) -> str:
        bids, asks = changes
        n = max(1, len(bids) + len(asks))
        u = book.seq
        data = {
            "e": "depthUpdate",
            "E": ms_now(),
            "s": book.symbol,
            "U": u - n + 1,
            "u": u,
            "b": [[book.px(p), book.sz(q)] for p, q in bids],
            "a": [[book.px(p), book.sz(q)] for p, q in asks],
        }
        if conn.state.get("raw"):
            return msgspec.json.encode(data).decode()
        stream = f"{book.symbol.lower()}{STREAM_SUFFIX}"
        return msgspec.json.encode({"stream": stream, "data": data}).decode()

    def http(self, path: str, query: dict[str, str]) -> tuple[int, bytes] | None:
        if path != "/api/v3/depth":
            return None
        book = self.books.get(query.get("symbol", "").upper())
        if book is None:
            return 400, b'{"code":-1121,"msg":"Invalid symbol."}'
        try:
            limit = int(query.get("limit", "100"))
        except ValueError:
            return 400, b'{"code":-1100,"msg":"Illegal characters found in parameter \'limit\'."}'
        limit = max(1, min(limit, 5000))
        body = {
            "lastUpdateId": book.seq,
            "bids": [[book.px(p), book.sz(q)] for p, q in book.top_bids(limit)],
            "asks": [[book.px(p), book.sz(q)] for p, q in book.top_asks(limit)],
        }
        return 200, msgspec.json.encode(body)


SIM_CLASSES = {"binance": BinanceSim}
VENUES = {
    "binance": [
        InstrumentSpec(
            symbol="BTCUSDT", canonical="BTC-USD", fair=65000.0, tick_places=2, lot_places=5
        ),
        InstrumentSpec(
            symbol="ETHUSDT", canonical="ETH-USD", fair=3400.0, tick_places=2, lot_places=4
        ),
        InstrumentSpec(
            symbol="SOLUSDT", canonical="SOL-USD", fair=150.0, tick_places=2, lot_places=3
        ),
    ]
}
