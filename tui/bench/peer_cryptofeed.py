"""The peer: cryptofeed's own Binance and Kraken book handlers, driven without a network.

Each :class:`PeerClient` is one cryptofeed feed object (``Binance`` or
``Kraken``) with an ``L2_BOOK`` callback that reads the best bid and ask,
which is what a cryptofeed user does with every book update. Frames go to the
feed's own ``message_handler`` — its JSON decode, its sequence rule, its
``OrderBook`` (the ``order_book`` C extension), its checksum — exactly as its
websocket connection would hand them over. Nothing is replaced but the
network: the symbol list comes from data shaped like the exchange's own
(parsed by the feed's ``_parse_symbol_data``), and Binance's REST snapshot is
the capture's own body, served to the feed's ``_snapshot`` through a stand-in
for its HTTP connection.

Kraken: cryptofeed 2.4.1 speaks only Kraken's WebSocket v1, whose frames are
arrays of price/volume strings, while our adapter (and the simulator) speak
v2. So the bench renders the *same updates* in v1's layout (:func:`kraken_v1`)
— the same levels, the same CRC32 in the same message — before timing anything,
with the checksum in the message's first object so cryptofeed verifies it on
every update (``checksum_validation=True``), as ours does.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tui.bench.frames import Capture


class PeerMissing(RuntimeError):
    """cryptofeed is not installed (the ``peer`` extra)."""


HINT = "bench --peer needs cryptofeed: pip install -e '.[peer]'"


def version() -> str:
    """cryptofeed's version; raises :class:`PeerMissing` if it cannot be imported."""
    from importlib import metadata

    _import()
    try:
        return metadata.version("cryptofeed")
    except metadata.PackageNotFoundError:
        raise PeerMissing(HINT) from None


def _import() -> Any:
    try:
        import cryptofeed.defines
        import cryptofeed.exchanges
        import cryptofeed.symbols
    except ImportError:
        raise PeerMissing(HINT) from None
    return cryptofeed


class _Http:
    """Stands in for the feed's ``HTTPAsyncConn``: answers its snapshot GET from the capture."""

    def __init__(self, rest: dict[str, bytes]) -> None:
        self.rest = rest

    async def read(self, url: str, **_: Any) -> bytes:
        symbol = url.split("symbol=", 1)[1].split("&", 1)[0]
        return self.rest[symbol.upper()]

    async def close(self) -> None:
        return None


def _binance_info(capture: Capture) -> dict[str, Any]:
    out = []
    for sym in capture.symbols:
        book = capture.sv.books[sym]
        base = book.canonical.split("-", 1)[0]
        quote = sym[len(base) :]  # the canonical name may say USD for USDT
        tick = f"{book.tick:.{book.tick_places}f}"
        out.append(
            {
                "symbol": sym,
                "baseAsset": base,
                "quoteAsset": quote,
                "status": "TRADING",
                "filters": [{"tickSize": tick}],
            }
        )
    return {"symbols": out}


def _kraken_info(capture: Capture) -> dict[str, Any]:
    return {"result": {sym.replace("/", ""): {"wsname": sym} for sym in capture.symbols}}


def kraken_precisions(setup: list[bytes]) -> dict[str, tuple[int, int]]:
    """Each pair's (price, qty) precision, from the instrument snapshot in the setup frames."""
    out: dict[str, tuple[int, int]] = {}
    for raw in setup:
        msg = json.loads(raw)
        if msg.get("channel") == "instrument":
            for p in msg["data"]["pairs"]:
                out[p["symbol"]] = (p["price_precision"], p["qty_precision"])
    return out


def kraken_v1(frames: list[bytes], prec: dict[str, tuple[int, int]]) -> list[bytes]:
    """The same book messages in Kraken WebSocket v1's layout (others dropped).

    A snapshot becomes ``[id, {"as": [...], "bs": [...]}, "book-10", pair]``, an
    update ``[id, {"a": [...], "b": [...], "c": "crc"}, "book-10", pair]`` with
    prices and volumes as strings of the pair's precision (what v1 sends and
    what its checksum is computed from). The snapshot is not sorted: the
    simulator sends its levels best first, as both versions do.
    """
    out = []
    for raw in frames:
        msg = json.loads(raw)
        if msg.get("channel") != "book":
            continue
        snap = msg.get("type") == "snapshot"
        for d in msg["data"]:
            pp, qp = prec[d["symbol"]]

            def side(levels: list[dict[str, float]], pp: int = pp, qp: int = qp) -> list[list[str]]:
                # v2 says "apply in order, then truncate to the depth"; cryptofeed's
                # book truncates on every insert, so the v1 rendering carries each
                # price's final value once, deletes first (as v1 itself sends them):
                # the same book after the message, which is all either side checks.
                final = {lv["price"]: lv["qty"] for lv in levels}
                order = sorted(final.items(), key=lambda pq: pq[1] != 0)
                return [[f"{p:.{pp}f}", f"{q:.{qp}f}", "0.0"] for p, q in order]

            body: dict[str, Any]
            if snap:
                body = {"as": side(d.get("asks", [])), "bs": side(d.get("bids", []))}
            else:
                body = {}
                if d.get("asks"):
                    body["a"] = side(d["asks"])
                if d.get("bids"):
                    body["b"] = side(d["bids"])
                if d.get("checksum") is not None:
                    body["c"] = str(d["checksum"])
            out.append(json.dumps([1, body, "book-10", d["symbol"]]).encode())
    return out


class PeerClient:
    """One cryptofeed feed brought up to the start of a capture's stream."""

    def __init__(self, venue: str, capture: Capture, setup_v1: list[bytes] | None = None) -> None:
        cf = _import()
        from cryptofeed.defines import L2_BOOK
        from cryptofeed.symbols import Symbols

        self.best: tuple[Any, Any] = (None, None)
        self.updates = 0
        self.checksums = 0
        """Updates whose checksum cryptofeed verified (it raises on a mismatch)."""

        async def on_book(book: Any, _receipt: float) -> None:
            # What a user does with each update: look at the touch.
            bids, asks = book.book.bids, book.book.asks
            self.best = (
                bids.index(0)[0] if len(bids) else None,
                asks.index(0)[0] if len(asks) else None,
            )
            self.updates += 1
            if book.checksum is not None and self.feed.checksum_validation:
                self.checksums += 1

        std = [self._std(venue, s) for s in capture.symbols]
        if venue == "binance":
            cls = cf.exchanges.Binance
            Symbols.set(cls.id, *cls._parse_symbol_data(_binance_info(capture)))
            self.feed = cls(symbols=std, channels=[L2_BOOK], callbacks={L2_BOOK: on_book})
            self.feed.http_conn = _Http(capture.rest)
        elif venue == "kraken":
            cls = cf.exchanges.Kraken
            Symbols.set(cls.id, *cls._parse_symbol_data(_kraken_info(capture)))
            self.feed = cls(
                symbols=std,
                channels=[L2_BOOK],
                callbacks={L2_BOOK: on_book},
                max_depth=10,
                checksum_validation=True,
            )
        else:
            raise ValueError(f"no cryptofeed peer for {venue}")
        self.venue = venue
        self.symbols = dict(zip(capture.symbols, std, strict=True))
        self.handler: Callable[[bytes | str, Any, float], Any] = self.feed.message_handler
        if setup_v1:
            asyncio.run(self.replay(setup_v1))

    @staticmethod
    def _std(venue: str, symbol: str) -> str:
        if venue == "kraken":
            return symbol.replace("/", "-")
        for quote in ("USDT", "USDC", "USD", "BTC"):
            if symbol.endswith(quote):
                return f"{symbol[: -len(quote)]}-{quote}"
        raise ValueError(f"cannot name {symbol} for cryptofeed")

    async def replay(self, frames: list[bytes]) -> float:
        """Hand ``frames`` to the feed's message handler; seconds taken."""
        handler = self.handler
        now = time.time
        start = time.perf_counter_ns()
        for frame in frames:
            await handler(frame, None, now())
        return (time.perf_counter_ns() - start) / 1e9

    def levels(self, symbol: str) -> tuple[dict[float, float], dict[float, float]]:
        """The feed's book for our ``symbol`` as floats (the form ours is compared in)."""
        book = self.feed._l2_book.get(self.symbols[symbol])
        if book is None:
            return {}, {}
        return _floats(book.book.bids.to_dict()), _floats(book.book.asks.to_dict())


def _floats(side: dict[Decimal, Decimal]) -> dict[float, float]:
    return {float(p): float(q) for p, q in side.items()}
