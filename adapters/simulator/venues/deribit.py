"""Deribit as served on the wire: JSON-RPC 2.0, ``book.<instrument>.100ms``, heartbeats.

What the real venue does and this server copies:

* every request's ``id`` is echoed in its response, which carries ``usIn``,
  ``usOut``, ``usDiff`` and ``testnet`` like Deribit's; errors are
  ``{"error":{"code":..,"message":..}}`` with JSON-RPC's codes, and an unknown
  channel is left out of ``public/subscribe``'s result rather than refused;
* ``book.X.raw`` is refused to an unauthenticated connection (13778);
* the first notification after subscribing is the whole book (every level a
  ``new``); each later one lists ``[action, price, amount]`` with ``new``,
  ``change`` or ``delete`` (amount 0) and chains ``prev_change_id`` to the
  previous ``change_id``. ``change_id`` is one engine-wide counter at Deribit,
  so per instrument it rises in uneven steps; here each update adds 1–40;
* ``public/set_heartbeat`` with ``interval`` N: a ``test_request`` every N
  seconds, and the connection is closed if no ``public/test`` came back within
  N seconds. Deribit refuses N < 10; :attr:`DeribitSim.min_heartbeat_s` holds
  that minimum so that a test can lower it and see the rule work in seconds.

Amounts: perpetuals and futures trade in USD contracts (10 USD for BTC), so a
:class:`SimBook` lot is one contract and the wire amount is lots × 10; options
trade in coin with a 0.1 lot (``lot_places`` 1), written as is.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import TYPE_CHECKING, ClassVar

import msgspec

from adapters.simulator.base import SimConn, SimVenue
from adapters.simulator.catalogue import InstrumentSpec
from adapters.simulator.market import Changes, SimBook
from adapters.simulator.venues.wire import ms_now

if TYPE_CHECKING:
    from adapters.simulator.server import Simulator

INTERVALS = ("100ms", "agg2")
"""Public intervals of the book channel; ``raw`` needs authentication."""
USD_CONTRACT = {"BTC": 10}
"""Contract size of inverse perpetuals and futures in USD (1 for other coins)."""
VERSION = "1.2.26"


def contract_usd(symbol: str) -> int:
    """USD per contract for an inverse perpetual/future; 0 for options and linear ones."""
    parts = symbol.split("-")
    if len(parts) != 2 or "_" in parts[0]:
        return 0
    return USD_CONTRACT.get(parts[0], 1)


def amount_text(book: SimBook, lots: int) -> str:
    """The wire amount: Deribit writes numbers as floats (``47800.0``, ``0.1``)."""
    size = contract_usd(book.symbol)
    return f"{lots * size}.0" if size else repr(book.size_float(lots))


def price_text(book: SimBook, ticks: int) -> str:
    """The wire price, a float as Deribit writes it (``65000.0``, ``0.047``)."""
    return repr(book.price_float(ticks))


def _us() -> int:
    return time.time_ns() // 1000


class DeribitSim(SimVenue):
    url_path = "/ws/api/v2"
    heartbeat_s = 1.0
    """How often :meth:`heartbeat` is polled; each connection keeps its own interval."""
    has_checksum = False
    min_heartbeat_s: ClassVar[int] = 10
    """Deribit's minimum ``set_heartbeat`` interval (tests may lower it)."""

    def __init__(self, sim: Simulator, name: str, books: dict[str, SimBook]) -> None:
        super().__init__(sim, name, books)
        self.rng = random.Random(f"{sim.seed}:{name}:change_id")
        self.prev: dict[str, int] = {}
        """change_id of the previous update per symbol (the next frame's prev_change_id)."""
        self.live: dict[str, tuple[set[int], set[int]]] = {}
        """Prices a client holds per symbol, to tell a ``new`` level from a ``change``."""
        self.frames: dict[str, tuple[int, str, str]] = {}
        """The latest update's rendered levels per symbol, shared by every connection."""
        self.tests_answered = 0
        self.closed_for_heartbeat = 0
        self._tasks: set[asyncio.Task[None]] = set()
        for book in books.values():
            book.seq = self.rng.randrange(10**10, 6 * 10**10)
            self.prev[book.symbol] = book.seq

    # -- what a correct client holds ------------------------------------------------------

    def expected_book(self, symbol: str) -> tuple[dict[float, float], dict[float, float]]:
        b = self.books[symbol]
        return (
            {b.price_float(p): float(amount_text(b, q)) for p, q in b.bids.items()},
            {b.price_float(p): float(amount_text(b, q)) for p, q in b.asks.items()},
        )

    # -- requests --------------------------------------------------------------------------

    def _reply(self, conn: SimConn, rid: object, us_in: int, **body: object) -> None:
        us_out = _us()
        msg: dict[str, object] = {"jsonrpc": "2.0"}
        if rid is not None:
            msg["id"] = rid
        msg.update(body)
        msg.update(usIn=us_in, usOut=us_out, usDiff=us_out - us_in, testnet=False)
        conn.push(msgspec.json.encode(msg).decode())

    def _error(
        self, conn: SimConn, rid: object, us_in: int, code: int, message: str, data: object = None
    ) -> None:
        err: dict[str, object] = {"message": message, "code": code}
        if data is not None:
            err["data"] = data
        self._reply(conn, rid, us_in, error=err)

    def on_message(self, conn: SimConn, text: str) -> None:
        us_in = _us()
        try:
            req = msgspec.json.decode(text)
        except msgspec.DecodeError:
            self._error(conn, None, us_in, -32700, "Parse error")
            return
        if not isinstance(req, dict) or not isinstance(req.get("method"), str):
            self._error(conn, None, us_in, -32600, "Invalid Request")
            return
        rid = req.get("id")
        method = req["method"]
        params = req.get("params") or {}
        if not isinstance(params, dict):
            self._error(conn, rid, us_in, -32602, "Invalid params")
            return
        if method == "public/test":
            if conn.state.pop("hb_sent", None) is not None:
                self.tests_answered += 1
            self._reply(conn, rid, us_in, result={"version": VERSION})
        elif method == "public/set_heartbeat":
            interval = params.get("interval")
            if not isinstance(interval, int | float) or interval < self.min_heartbeat_s:
                reason = f"must be a number not less than {self.min_heartbeat_s}"
                self._error(
                    conn,
                    rid,
                    us_in,
                    -32602,
                    "Invalid params",
                    {"reason": reason, "param": "interval"},
                )
                return
            conn.state["hb"] = float(interval)
            conn.state["hb_next"] = time.monotonic() + float(interval)
            conn.state.pop("hb_sent", None)
            self._reply(conn, rid, us_in, result="ok")
        elif method == "public/disable_heartbeat":
            for key in ("hb", "hb_next", "hb_sent"):
                conn.state.pop(key, None)
            self._reply(conn, rid, us_in, result="ok")
        elif method in ("public/subscribe", "public/unsubscribe"):
            self._subscription(conn, rid, us_in, method, params.get("channels"))
        else:
            self._error(conn, rid, us_in, -32601, "Method not found")

    def _subscription(
        self, conn: SimConn, rid: object, us_in: int, method: str, channels: object
    ) -> None:
        if not isinstance(channels, list):
            reason = {"reason": "value must be a list", "param": "channels"}
            self._error(conn, rid, us_in, -32602, "Invalid params", reason)
            return
        held: dict[str, str] = conn.state.setdefault("channels", {})  # type: ignore[assignment]
        accepted: list[str] = []
        fresh: list[str] = []
        for ch in channels:
            if not isinstance(ch, str) or not ch.startswith("book."):
                continue
            symbol, _, interval = ch[5:].rpartition(".")
            if interval == "raw":
                msg = "raw_subscriptions_not_available_for_unauthorized"
                self._error(conn, rid, us_in, 13778, msg)
                return
            if symbol not in self.books or interval not in INTERVALS:
                continue  # Deribit leaves what it cannot serve out of the result
            accepted.append(ch)
            if method == "public/subscribe":
                if symbol not in conn.subs:
                    fresh.append(symbol)
                conn.subs.add(symbol)
                held[symbol] = ch
            else:
                conn.subs.discard(symbol)
                held.pop(symbol, None)
        self._reply(conn, rid, us_in, result=accepted)
        for symbol in fresh:
            conn.push(self._snapshot(self.books[symbol], held[symbol]))

    def _snapshot(self, book: SimBook, channel: str) -> str:
        self.live[book.symbol] = (set(book.bids), set(book.asks))
        # The 100ms channel's first notification is the whole book.
        bids = ",".join(
            f'["new",{price_text(book, p)},{amount_text(book, q)}]'
            for p, q in book.top_bids(len(book.bids))
        )
        asks = ",".join(
            f'["new",{price_text(book, p)},{amount_text(book, q)}]'
            for p, q in book.top_asks(len(book.asks))
        )
        return (
            f'{{"jsonrpc":"2.0","method":"subscription","params":{{"channel":"{channel}",'
            f'"data":{{"type":"snapshot","timestamp":{ms_now()},'
            f'"instrument_name":"{book.symbol}","change_id":{book.seq},'
            f'"bids":[{bids}],"asks":[{asks}]}}}}}}'
        )

    # -- the stream ------------------------------------------------------------------------

    def advance(self, book: SimBook, changes: Changes) -> None:
        self.prev[book.symbol] = book.seq
        book.seq += self.rng.randint(1, 40)
        live = self.live.setdefault(book.symbol, (set(book.bids), set(book.asks)))
        rendered = []
        for held, side in zip(live, changes, strict=True):
            parts = []
            for p, q in side:
                if q == 0:
                    action = "delete"
                    held.discard(p)
                elif p in held:
                    action = "change"
                else:
                    action = "new"
                    held.add(p)
                amount = "0.0" if q == 0 else amount_text(book, q)
                parts.append(f'["{action}",{price_text(book, p)},{amount}]')
            rendered.append(",".join(parts))
        self.frames[book.symbol] = (book.seq, rendered[0], rendered[1])

    def delta_frame(
        self, conn: SimConn, book: SimBook, changes: Changes, bad_checksum: bool
    ) -> str | None:
        held: dict[str, str] = conn.state.get("channels", {})  # type: ignore[assignment]
        channel = held.get(book.symbol)
        cached = self.frames.get(book.symbol)
        if channel is None or cached is None or cached[0] != book.seq:
            return None
        _, bids, asks = cached
        return (
            f'{{"jsonrpc":"2.0","method":"subscription","params":{{"channel":"{channel}",'
            f'"data":{{"type":"change","timestamp":{ms_now()},'
            f'"prev_change_id":{self.prev[book.symbol]},"instrument_name":"{book.symbol}",'
            f'"change_id":{book.seq},"bids":[{bids}],"asks":[{asks}]}}}}}}'
        )

    def heartbeat(self, conn: SimConn) -> str | None:
        interval = conn.state.get("hb")
        if not isinstance(interval, float):
            return None
        now = time.monotonic()
        sent = conn.state.get("hb_sent")
        if isinstance(sent, float) and now - sent > interval:
            # Deribit: "If your software fails to do so, the API server will
            # immediately close the connection."
            conn.state.pop("hb", None)
            self.closed_for_heartbeat += 1
            self._close(conn, 1000, "heartbeat test_request not answered")
            return None
        next_at = conn.state.get("hb_next")
        if sent is None and isinstance(next_at, float) and now >= next_at:
            conn.state["hb_sent"] = now
            conn.state["hb_next"] = now + interval
            return '{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}'
        return None

    def _close(self, conn: SimConn, code: int, reason: str) -> None:
        conn.push(None)
        task = asyncio.get_running_loop().create_task(self._close_ws(conn, code, reason))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _close_ws(conn: SimConn, code: int, reason: str) -> None:
        try:
            await conn.ws.close(code, reason)
        except Exception:  # already gone
            return


# Deribit's BTC quarterly expiring on the last Friday of December 2026.
EXPIRY = "25DEC26"
EXPIRY_ISO = "20261225"

SIM_CLASSES = {"deribit": DeribitSim}
VENUES = {
    "deribit": [
        # Tick 0.5 USD; amounts in 10-USD contracts.
        InstrumentSpec(
            symbol="BTC-PERPETUAL",
            canonical="BTC-USD-PERP",
            fair=65000.0,
            tick_places=1,
            tick_units=5,
            lot_places=0,
        ),
        # Futures tick 2.5 USD; a small contango over the perpetual.
        InstrumentSpec(
            symbol=f"BTC-{EXPIRY}",
            canonical=f"BTC-USD-{EXPIRY_ISO}",
            fair=65650.0,
            tick_places=1,
            tick_units=25,
            lot_places=0,
        ),
        # Priced in BTC with a 0.0005 tick and a 0.1 BTC lot; quoted a few ticks
        # wide (6 % of the price here) and only 20 levels deep, as option books are.
        InstrumentSpec(
            symbol=f"BTC-{EXPIRY}-70000-C",
            canonical=f"BTC-USD-{EXPIRY_ISO}-70000-C",
            fair=0.05,
            tick_places=4,
            tick_units=5,
            lot_places=1,
            depth=20,
            half_spread_ticks=3,
        ),
    ]
}
