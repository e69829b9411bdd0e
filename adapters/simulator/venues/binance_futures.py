"""Binance USDⓈ-M futures as served on the wire: ``/public`` diff depth and REST depth.

The spot simulator's subscription handling is reused; what differs is the
routing of the websocket paths, the frame (``T`` and ``pu``), the numbering
and the REST endpoint:

* depth is served under ``/public`` (``/public/stream?streams=..`` and
  ``/public/ws/..``) and, as Binance documents, on the legacy un-routed paths;
  a ``/market`` or ``/private`` connection is accepted but never gets depth,
  the silent failure Binance warns about;
* update ids are not contiguous between events: each event starts a few ids
  past the previous one's ``u`` (``U = pu + 1..5``), covers one id per change
  and names the previous ``u`` in ``pu``. An adapter that checks
  ``U == previous u + 1`` instead of ``pu`` sees a gap on almost every frame;
* ``GET /fapi/v1/depth`` answers with ``lastUpdateId`` equal to the ``u`` of
  the last event published, so a snapshot never claims updates a client could
  not yet have seen, and accepts only the documented ``limit`` values.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qsl, urlsplit

import msgspec

from adapters.simulator.base import SimConn
from adapters.simulator.catalogue import InstrumentSpec
from adapters.simulator.market import Changes, SimBook
from adapters.simulator.venues.binance import STREAM_SUFFIX, BinanceSim
from adapters.simulator.venues.wire import ms_now

if TYPE_CHECKING:
    from adapters.simulator.server import Simulator

ROUTES: Final = ("/public", "/market", "/private")
DEPTH_ROUTES: Final = ("", "/public")
"""Routes that carry depth: ``/public``, and the legacy root (public data only)."""
REST_LIMITS: Final = frozenset({5, 10, 20, 50, 100, 500, 1000})
MAX_ID_SKIP: Final = 5


class BinanceFuturesSim(BinanceSim):
    url_path = "/public"

    def __init__(self, sim: Simulator, name: str, books: dict[str, SimBook]) -> None:
        super().__init__(sim, name, books)
        # Its own generator, so the books evolve exactly as on every other venue.
        self.ids = random.Random(f"{sim.seed}:{name}:update-ids")
        self.first: dict[str, int] = {}
        """``U`` of the last event per symbol."""
        self.prev: dict[str, int] = {}
        """``pu`` of the last event per symbol."""
        self.tx_ms: dict[str, int] = {}
        """``T`` of the last event per symbol (E is stamped when a frame is sent)."""

    def on_open(self, conn: SimConn) -> list[str]:
        parts = urlsplit(conn.path)
        path = parts.path
        route = ""
        for r in ROUTES:
            if path == r or path.startswith(r + "/"):
                route, path = r, path[len(r) :]
                break
        conn.state["route"] = route
        if route not in DEPTH_ROUTES:
            return []
        if path.startswith("/stream"):
            streams = dict(parse_qsl(parts.query)).get("streams", "")
            for s in streams.split("/"):
                sym = self._symbol(s)
                if sym:
                    conn.subs.add(sym)
        elif path.startswith("/ws"):
            conn.state["raw"] = True
            # Path-composed streams: /public/ws/btcusdt@depth/ethusdt@depth.
            for s in path[4:].split("/"):
                sym = self._symbol(s)
                if sym:
                    conn.subs.add(sym)
        return []

    def on_message(self, conn: SimConn, text: str) -> None:
        super().on_message(conn, text)
        if conn.state.get("route") not in DEPTH_ROUTES:
            # Acknowledged, never delivered: depth does not ride on this route.
            conn.subs.clear()

    def advance(self, book: SimBook, changes: Changes) -> None:
        n = max(1, len(changes[0]) + len(changes[1]))
        sym = book.symbol
        self.prev[sym] = book.seq
        self.first[sym] = book.seq + self.ids.randint(1, MAX_ID_SKIP)
        book.seq = self.first[sym] + n - 1
        self.tx_ms[sym] = ms_now()

    def delta_frame(
        self, conn: SimConn, book: SimBook, changes: Changes, bad_checksum: bool
    ) -> str:
        bids, asks = changes
        sym = book.symbol
        # Field order as in Binance's documented example.
        data = {
            "e": "depthUpdate",
            "E": ms_now(),
            "T": self.tx_ms[sym],
            "s": sym,
            "U": self.first[sym],
            "u": book.seq,
            "pu": self.prev[sym],
            "b": [[book.px(p), book.sz(q)] for p, q in bids],
            "a": [[book.px(p), book.sz(q)] for p, q in asks],
        }
        if conn.state.get("raw"):
            return msgspec.json.encode(data).decode()
        stream = f"{sym.lower()}{STREAM_SUFFIX}"
        return msgspec.json.encode({"stream": stream, "data": data}).decode()

    def http(self, path: str, query: dict[str, str]) -> tuple[int, bytes] | None:
        if path != "/fapi/v1/depth":
            return None
        book = self.books.get(query.get("symbol", "").upper())
        if book is None:
            return 400, b'{"code":-1121,"msg":"Invalid symbol."}'
        try:
            limit = int(query.get("limit", "500"))
        except ValueError:
            limit = -1
        if limit not in REST_LIMITS:
            return 400, b'{"code":-1130,"msg":"Data sent for parameter \'limit\' is not valid."}'
        now = ms_now()
        body = {
            "lastUpdateId": book.seq,
            "E": now,
            "T": self.tx_ms.get(book.symbol, now),
            "bids": [[book.px(p), book.sz(q)] for p, q in book.top_bids(limit)],
            "asks": [[book.px(p), book.sz(q)] for p, q in book.top_asks(limit)],
        }
        return 200, msgspec.json.encode(body)


SIM_CLASSES = {"binance-futures": BinanceFuturesSim}
VENUES = {
    "binance-futures": [
        InstrumentSpec(
            symbol="BTCUSDT", canonical="BTC-USD-PERP", fair=65010.0, tick_places=1, lot_places=3
        ),
        InstrumentSpec(
            symbol="ETHUSDT", canonical="ETH-USD-PERP", fair=3401.0, tick_places=2, lot_places=3
        ),
    ]
}
