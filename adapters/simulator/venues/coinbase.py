"""Coinbase Advanced Trade as served on the wire: ``level2`` and ``heartbeats``.

Every message on a connection takes the next ``sequence_num`` of that
connection (``SimConn.seq``), acks and heartbeats included, from 0. Book
frames are numbered in :meth:`CoinbaseSim.delta_frame`, which the server calls
for every subscriber even when the ``gap`` fault then swallows the frame — so
a dropped message leaves a hole in the numbering, as on the real feed.

Prices and sizes are written the way Coinbase writes them: quoted, trailing
zeros dropped (``"21921.3"``, ``"0.02"``), ``"0"`` for a removed level.
"""

from __future__ import annotations

import time

import msgspec

from adapters.simulator.base import SimConn, SimVenue
from adapters.simulator.catalogue import InstrumentSpec
from adapters.simulator.market import Changes, SimBook

# Snapshots in the documented example carry this event_time for every level.
SNAPSHOT_EVENT_TIME = "1970-01-01T00:00:00Z"

_head_secs = -1
_head = ""


def rfc3339_ns(ns: int | None = None) -> str:
    """``2023-02-09T20:32:50.714964855Z``: nanoseconds, as Coinbase stamps frames."""
    global _head_secs, _head
    t = time.time_ns() if ns is None else ns
    secs, rem = divmod(t, 1_000_000_000)
    if secs != _head_secs:
        _head_secs = secs
        _head = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs))
    return f"{_head}.{rem:09d}Z"


def _go_time(ns: int) -> str:
    """Go's ``time.String()``, which the heartbeat's ``current_time`` shows."""
    secs, rem = divmod(ns, 1_000_000_000)
    wall = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(secs))
    return f"{wall}.{rem:09d} +0000 UTC m=+{time.monotonic():.9f}"


def trim(text: str) -> str:
    """``"65000.10"`` -> ``"65000.1"``, ``"0.00000000"`` -> ``"0"``."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _updates(book: SimBook, changes: Changes, event_time: str) -> str:
    bids, asks = changes
    parts = [
        f'{{"side":"{side}","event_time":"{event_time}",'
        f'"price_level":"{trim(book.px(p))}","new_quantity":"{trim(book.sz(q))}"}}'
        for side, levels in (("bid", bids), ("offer", asks))
        for p, q in levels
    ]
    return ",".join(parts)


class CoinbaseSim(SimVenue):
    heartbeat_s = 1.0
    has_checksum = False

    def expected_seq(self, symbol: str) -> int | None:
        # The numbering belongs to the connection, not to the instrument.
        return None

    # -- framing -------------------------------------------------------------------------

    def _message(self, conn: SimConn, channel: str, events: str) -> str:
        """One numbered message; takes the connection's next ``sequence_num``."""
        seq = conn.seq
        conn.seq += 1
        return (
            f'{{"channel":"{channel}","client_id":"","timestamp":"{rfc3339_ns()}",'
            f'"sequence_num":{seq},"events":[{events}]}}'
        )

    def _l2(self, conn: SimConn, kind: str, book: SimBook, changes: Changes) -> str:
        event_time = SNAPSHOT_EVENT_TIME if kind == "snapshot" else rfc3339_ns()
        event = (
            f'{{"type":"{kind}","product_id":"{book.symbol}",'
            f'"updates":[{_updates(book, changes, event_time)}]}}'
        )
        return self._message(conn, "l2_data", event)

    def _ack(self, conn: SimConn) -> str:
        subs: dict[str, list[str]] = {}
        if conn.subs:
            subs["level2"] = sorted(conn.subs)
        if conn.state.get("heartbeats"):
            subs["heartbeats"] = ["heartbeats"]
        event = msgspec.json.encode({"subscriptions": subs}).decode()
        return self._message(conn, "subscriptions", event)

    @staticmethod
    def _error(message: str) -> str:
        return msgspec.json.encode({"type": "error", "message": message}).decode()

    # -- the protocol -------------------------------------------------------------------------

    def on_message(self, conn: SimConn, text: str) -> None:
        try:
            req = msgspec.json.decode(text)
            kind = req["type"]
            channel = req["channel"]
            products = list(req.get("product_ids") or [])
        except (msgspec.DecodeError, KeyError, TypeError, AttributeError):
            conn.push(self._error("malformed subscription request"))
            return
        if kind not in ("subscribe", "unsubscribe"):
            conn.push(self._error(f"unknown message type {kind!r}"))
            return
        if channel == "heartbeats":
            conn.state["heartbeats"] = kind == "subscribe"
            conn.push(self._ack(conn))
            return
        if channel != "level2":
            conn.push(self._error(f"failure to subscribe: unknown channel {channel!r}"))
            return
        unknown = [p for p in products if p not in self.books]
        if unknown:
            conn.push(self._error(f"failure to subscribe: unknown product {unknown[0]!r}"))
            return
        for p in products:
            if kind == "subscribe":
                conn.subs.add(p)
                book = self.books[p]
                full = (book.top_bids(len(book.bids)), book.top_asks(len(book.asks)))
                conn.push(self._l2(conn, "snapshot", book, full))
            else:
                conn.subs.discard(p)
        conn.push(self._ack(conn))

    def delta_frame(
        self, conn: SimConn, book: SimBook, changes: Changes, bad_checksum: bool
    ) -> str | None:
        if book.symbol not in conn.subs:
            return None
        return self._l2(conn, "update", book, changes)

    def heartbeat(self, conn: SimConn) -> str | None:
        if not conn.state.get("heartbeats"):
            return None
        last = conn.state.get("heartbeat_counter", 0)
        counter = (last if isinstance(last, int) else 0) + 1
        conn.state["heartbeat_counter"] = counter
        event = f'{{"current_time":"{_go_time(time.time_ns())}","heartbeat_counter":"{counter}"}}'
        return self._message(conn, "heartbeats", event)


SIM_CLASSES = {"coinbase": CoinbaseSim}
VENUES = {
    "coinbase": [
        InstrumentSpec(
            symbol="BTC-USD", canonical="BTC-USD", fair=65000.0, tick_places=2, lot_places=8
        ),
        InstrumentSpec(
            symbol="ETH-USD", canonical="ETH-USD", fair=3400.0, tick_places=2, lot_places=8
        ),
        InstrumentSpec(
            symbol="SOL-USD", canonical="SOL-USD", fair=150.0, tick_places=2, lot_places=8
        ),
    ]
}
