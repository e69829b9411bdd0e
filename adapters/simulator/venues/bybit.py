"""Bybit v5 public ``orderbook`` as served on the wire, spot and linear.

Bybit publishes a fixed-depth view of each book (``orderbook.50.BTCUSDT``:
the best 50 levels a side) and keeps it at exactly that depth itself: when a
level leaves the top 50 the venue sends it with size ``"0"``, and when a
deeper level moves up into the view it is sent as an insert. The simulated
books are deeper than the view so both happen all the time.

The view of one topic is the same for every subscriber, so it is kept once
per (symbol, depth) and advanced once per book update; ``u`` counts the
messages of that topic (no message, no new ``u``) and ``seq`` is a per-symbol
cross sequence that rises with every change of the matching engine. A
subscription gets the current view as a snapshot at the current ``u``.

Acks and pongs follow the documented shapes (spot acks with ``ret_msg``
"subscribe" and pongs without ``req_id``; linear acks with "" and echoes
``req_id``). A request naming an unknown topic is refused as a whole with
``Invalid symbol :[topic]``: Bybit's docs do not say how a partly valid
request is answered, and the other error texts here are the simulator's own.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, ClassVar

import msgspec

from adapters.simulator.base import SimConn, SimVenue
from adapters.simulator.catalogue import InstrumentSpec
from adapters.simulator.market import Changes, SimBook
from adapters.simulator.venues.wire import ms_now

if TYPE_CHECKING:
    from adapters.simulator.server import Simulator

DEFAULT_DEPTH = 50
FIRST_U = 18_521_288
"""Topics start mid-life, as a real subscription does; a restart starts again at 1."""
FIRST_SEQ = 7_961_638_724
SPOT_ARGS_PER_REQUEST = 10

Side = dict[int, int]
Diff = tuple[list[tuple[int, int]], list[tuple[int, int]]]


class View:
    """The published top-N of one topic and its update counter."""

    __slots__ = ("asks", "bids", "depth", "u")

    def __init__(self, book: SimBook, depth: int, u: int) -> None:
        self.depth = depth
        self.u = u
        self.bids: Side = dict(book.top_bids(depth))
        self.asks: Side = dict(book.top_asks(depth))

    def refresh(self, book: SimBook) -> Diff | None:
        """Move the view to the book's current top N; the levels that changed, if any."""
        out = []
        for view, top in (
            (self.bids, book.top_bids(self.depth)),
            (self.asks, book.top_asks(self.depth)),
        ):
            new = dict(top)
            diff = [(p, q) for p, q in top if view.get(p) != q]
            # Levels that left the view, whether deleted or pushed out of the
            # top N: Bybit deletes both explicitly.
            diff.extend((p, 0) for p in view if p not in new)
            view.clear()
            view.update(new)
            out.append(diff)
        if not (out[0] or out[1]):
            return None
        self.u += 1
        return out[0], out[1]


class BybitSim(SimVenue):
    url_path: ClassVar[str] = "/v5/public/spot"
    category: ClassVar[str] = "spot"
    depths: ClassVar[tuple[int, ...]] = (1, 50, 200, 1000)
    sub_ret_msg: ClassVar[str] = "subscribe"
    """Spot acks a subscription with ``ret_msg`` "subscribe", linear with ""."""

    def __init__(self, sim: Simulator, name: str, books: dict[str, SimBook]) -> None:
        super().__init__(sim, name, books)
        self.views: dict[tuple[str, int], View] = {}
        self.cross: dict[str, int] = {s: FIRST_SEQ for s in books}
        self.pending: dict[tuple[str, int], str | None] = {}
        for s, b in books.items():
            self.views[(s, DEFAULT_DEPTH)] = View(b, DEFAULT_DEPTH, FIRST_U)

    def adapter_settings(self) -> dict[str, object]:
        return {"name": self.name}

    # -- what a correct client holds ------------------------------------------------------

    def expected_book(self, symbol: str) -> tuple[dict[float, float], dict[float, float]]:
        b = self.books[symbol]
        v = self.views[(symbol, DEFAULT_DEPTH)]
        return (
            {b.price_float(p): b.size_float(q) for p, q in v.bids.items()},
            {b.price_float(p): b.size_float(q) for p, q in v.asks.items()},
        )

    def expected_seq(self, symbol: str) -> int | None:
        return self.views[(symbol, DEFAULT_DEPTH)].u

    # -- frames ------------------------------------------------------------------------------

    def _frame(self, kind: str, book: SimBook, depth: int, u: int, diff: Diff) -> str:
        bids = sorted(diff[0], reverse=True)
        asks = sorted(diff[1])
        ts = ms_now()
        msg = {
            "topic": f"orderbook.{depth}.{book.symbol}",
            "type": kind,
            "ts": ts,
            "data": {
                "s": book.symbol,
                "b": [[book.px(p), book.sz(q)] for p, q in bids],
                "a": [[book.px(p), book.sz(q)] for p, q in asks],
                "u": u,
                "seq": self.cross[book.symbol],
            },
            "cts": ts - 2,
        }
        return msgspec.json.encode(msg).decode()

    def _snapshot(self, book: SimBook, view: View) -> str:
        diff = (list(view.bids.items()), list(view.asks.items()))
        return self._frame("snapshot", book, view.depth, view.u, diff)

    def _refresh(self, book: SimBook, depth: int) -> str | None:
        view = self.views[(book.symbol, depth)]
        diff = view.refresh(book)
        return None if diff is None else self._frame("delta", book, depth, view.u, diff)

    def advance(self, book: SimBook, changes: Changes) -> None:
        # The matching engine's cross sequence moves with every change; each
        # topic's u only when its view changes (that is, when it sends).
        self.cross[book.symbol] += 1 + len(changes[0]) + len(changes[1])
        for depth in [d for s, d in self.views if s == book.symbol]:
            self.pending[(book.symbol, depth)] = self._refresh(book, depth)

    def delta_frame(
        self, conn: SimConn, book: SimBook, changes: Changes, bad_checksum: bool
    ) -> str | None:
        depth = _depths(conn).get(book.symbol)
        return None if depth is None else self.pending.get((book.symbol, depth))

    def restart(self, symbol: str) -> None:
        """Simulate a restart of Bybit's book service: every topic of ``symbol``
        starts again at ``u = 1`` with a snapshot to each subscriber."""
        book = self.books[symbol]
        for s, depth in [k for k in self.views if k[0] == symbol]:
            fresh = self.views[(s, depth)] = View(book, depth, 1)
            for conn in self.subscribers(symbol):
                if _depths(conn).get(symbol) == depth:
                    conn.push(self._snapshot(book, fresh))

    # -- requests ---------------------------------------------------------------------------

    def _reply(self, conn: SimConn, op: str, req_id: str, ok: bool, ret_msg: str) -> str:
        msg: dict[str, object] = {"success": ok, "ret_msg": ret_msg, "conn_id": _conn_id(conn)}
        if req_id or self.category != "spot" or op != "ping":
            msg["req_id"] = req_id
        msg["op"] = op
        return msgspec.json.encode(msg).decode()

    def on_message(self, conn: SimConn, text: str) -> None:
        try:
            req = msgspec.json.decode(text)
            op = str(req["op"])
            req_id = str(req.get("req_id", ""))
            args = req.get("args") or []
            if not isinstance(args, list):
                raise TypeError("args")
        except (msgspec.DecodeError, KeyError, TypeError, AttributeError):
            conn.push(self._reply(conn, "", "", False, "error:request not json or op missing"))
            return
        if op == "ping":
            if not self.sim.faults[self.name].stalled():  # a stalled venue answers nothing
                conn.push(self._reply(conn, "ping", req_id, True, "pong"))
            return
        if op not in ("subscribe", "unsubscribe"):
            conn.push(self._reply(conn, op, req_id, False, f"error:handler not found,op:{op}"))
            return
        if self.category == "spot" and len(args) > SPOT_ARGS_PER_REQUEST:
            conn.push(self._reply(conn, op, req_id, False, "error:args size >10"))
            return
        parsed = [(str(a), self._topic(str(a))) for a in args]
        bad = [a for a, t in parsed if t is None]
        if bad:
            conn.push(self._reply(conn, op, req_id, False, f"Invalid symbol :[{','.join(bad)}]"))
            return
        depths = _depths(conn)
        if op == "unsubscribe":
            for _, t in parsed:
                if t is not None and depths.get(t[0]) == t[1]:
                    del depths[t[0]]
                    conn.subs.discard(t[0])
            conn.push(self._reply(conn, op, req_id, True, ""))
            return
        dup = [a for a, t in parsed if t is not None and t[0] in depths]
        if dup:
            conn.push(
                self._reply(conn, op, req_id, False, f"error:already subscribed,topic:{dup[0]}")
            )
            return
        conn.push(self._reply(conn, op, req_id, True, self.sub_ret_msg))
        for _, t in parsed:
            if t is not None:
                self._subscribe(conn, *t)

    def _topic(self, topic: str) -> tuple[str, int] | None:
        parts = topic.split(".")
        if len(parts) != 3 or parts[0] != "orderbook" or parts[2] not in self.books:
            return None
        if not (parts[1].isascii() and parts[1].isdigit()) or int(parts[1]) not in self.depths:
            return None
        return parts[2], int(parts[1])

    def _subscribe(self, conn: SimConn, symbol: str, depth: int) -> None:
        book = self.books[symbol]
        key = (symbol, depth)
        if key not in self.views:
            self.views[key] = View(book, depth, FIRST_U)
        else:
            # The book may have moved without a message (a fault's bogus level
            # withdrawn): publish that first, so the snapshot and u agree.
            frame = self._refresh(book, depth)
            if frame is not None:
                for other in self.subscribers(symbol):
                    if _depths(other).get(symbol) == depth:
                        other.push(frame)
        _depths(conn)[symbol] = depth
        conn.subs.add(symbol)
        conn.push(self._snapshot(book, self.views[key]))


class BybitLinearSim(BybitSim):
    url_path = "/v5/public/linear"
    category = "linear"
    sub_ret_msg = ""

    def adapter_settings(self) -> dict[str, object]:
        return {"adapter": "bybit", "name": self.name, "options": {"category": "linear"}}


def _depths(conn: SimConn) -> dict[str, int]:
    """The depth each symbol is subscribed at on this connection (one topic per symbol)."""
    return conn.state.setdefault("depths", {})  # type: ignore[return-value]


def _conn_id(conn: SimConn) -> str:
    cid = conn.state.get("conn_id")
    if not isinstance(cid, str):
        cid = conn.state["conn_id"] = str(uuid.uuid4())
    return cid


SIM_CLASSES: dict[str, type[SimVenue]] = {"bybit": BybitSim, "bybit-linear": BybitLinearSim}
VENUES = {
    "bybit": [
        InstrumentSpec(
            symbol="BTCUSDT",
            canonical="BTC-USD",
            fair=65000.0,
            tick_places=2,
            lot_places=6,
            depth=80,
        ),
        InstrumentSpec(
            symbol="ETHUSDT",
            canonical="ETH-USD",
            fair=3400.0,
            tick_places=2,
            lot_places=5,
            depth=80,
        ),
    ],
    "bybit-linear": [
        InstrumentSpec(
            symbol="BTCUSDT",
            canonical="BTC-USD-PERP",
            fair=65010.0,
            tick_places=1,
            lot_places=3,
            depth=80,
        ),
        InstrumentSpec(
            symbol="ETHUSDT",
            canonical="ETH-USD-PERP",
            fair=3401.0,
            tick_places=2,
            lot_places=2,
            depth=80,
        ),
    ],
}
