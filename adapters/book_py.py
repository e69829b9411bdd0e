"""An exact local L2 book in pure Python: the reference, and the fallback.

:mod:`adapters.book` chooses between this and the native side built from
``adapters/_book.c``; the two are tested against each other step by step
(tests/unit/test_book_native.py), so the interface below is the contract:
callers use the methods, never ``keys``/``qty`` (the native side has neither).

Each side is a dict ``price -> qty`` plus a sorted list of keys. The key list is
ordered so that the *best* level is at the end (bids by price, asks by negated
price): nearly all activity happens at the top of the book, so inserts and
deletes there move only a few pointers instead of the whole list.

No object is allocated per level on the hot path: ``apply`` walks the decoded
``(price, qty)`` tuples as they came from msgspec.
"""

from __future__ import annotations

import zlib
from bisect import bisect_left, insort
from collections.abc import Iterable
from typing import ClassVar, Final

from adapters.model import Level

_SCALE: Final = tuple(10.0**p for p in range(19))
_EXACT: Final = float(2**43)
"""Below this many units the product is within 2**-10 of the exact one."""


def fragment(value: float, places: int) -> str:
    """``value`` with ``places`` decimals, point and leading zeros removed.

    That is the integer number of ``10**-places`` units: below 2**43 units the
    product ``value * 10**places`` is within 2**-10 of the exact one, so when it
    lies within 1/4 of an integer that integer is the correctly rounded decimal
    (three times faster than formatting). Near a tie (a value with more digits
    than ``places``), past 2**43 units or with an odd precision, the text is
    formatted.
    """
    if 0 <= places < 19:
        units = value * _SCALE[places]
        if 0 < units < _EXACT:
            r = round(units)
            if r and -0.25 < units - r < 0.25:
                return str(r)
    return f"{value:.{places}f}".replace(".", "").lstrip("0")


class BookSide:
    """One side of a book. ``sign`` is +1 for bids and -1 for asks.

    ``version`` counts the changes to the side, so a venue that derives
    something from it on every update (a checksum's text) can reuse what it
    derived while the side has not changed: one update often touches only one
    side.
    """

    __slots__ = ("keys", "qty", "sign", "version")

    def __init__(self, sign: int) -> None:
        self.sign = sign
        self.qty: dict[float, float] = {}
        self.keys: list[float] = []
        self.version = 0

    def clear(self) -> None:
        self.qty.clear()
        self.keys.clear()
        self.version += 1

    def load(self, levels: Iterable[Level]) -> None:
        qty = self.qty
        qty.clear()
        for price, size in levels:
            if size:
                qty[price] = size
            else:
                qty.pop(price, None)
        s = self.sign
        if any(p != p for p in qty):
            raise ValueError("a level's price is NaN")  # as the native book refuses it
        self.keys = sorted(p * s for p in qty)
        self.version += 1

    def apply(self, levels: Iterable[Level]) -> None:
        """Set absolute quantities; 0 removes (removing an unknown level is normal)."""
        if not levels:
            return  # an update of the other side only: this one is unchanged
        self.version += 1
        qty = self.qty
        keys = self.keys
        # The two signs are two loops so the per-level path has no multiply
        # (keys are prices for bids, negated prices for asks).
        if self.sign > 0:
            for price, size in levels:
                if size:
                    if price not in qty:
                        if price != price:
                            raise ValueError("a level's price is NaN")  # as the native book
                        insort(keys, price)
                    qty[price] = size
                elif price in qty:
                    del qty[price]
                    del keys[bisect_left(keys, price)]
        else:
            for price, size in levels:
                if size:
                    if price not in qty:
                        if price != price:
                            raise ValueError("a level's price is NaN")  # as the native book
                        insort(keys, -price)
                    qty[price] = size
                elif price in qty:
                    del qty[price]
                    del keys[bisect_left(keys, -price)]

    def best(self) -> float | None:
        keys = self.keys
        return keys[-1] * self.sign if keys else None

    def top(self, n: int) -> list[Level]:
        """The best ``n`` levels, best first."""
        qty = self.qty
        s = self.sign
        return [(k * s, qty[k * s]) for k in reversed(self.keys[-n:])] if n > 0 else []

    def top_prices(self, n: int) -> list[float]:
        """The best ``n`` prices, best first."""
        if self.sign > 0:
            return self.keys[: -n - 1 : -1] if n > 0 else []
        return [-k for k in reversed(self.keys[-n:])] if n > 0 else []

    def truncate(self, depth: int) -> int:
        """Keep the best ``depth`` levels; return how many were dropped."""
        keys = self.keys
        extra = len(keys) - depth
        if extra <= 0:
            return 0
        qty = self.qty
        s = self.sign
        for k in keys[:extra]:
            del qty[k * s]
        del keys[:extra]
        self.version += 1
        return extra

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, price: float) -> bool:
        return price in self.qty

    def get(self, price: float) -> float | None:
        """The quantity at ``price``, or None."""
        return self.qty.get(price)

    def levels(self) -> dict[float, float]:
        """A copy of the side: price -> qty."""
        return dict(self.qty)

    def checksum_text(self, n: int, price_places: int, qty_places: int) -> bytes:
        """Kraken's text of the best ``n`` levels: price digits then qty digits, best first."""
        return "".join(
            [fragment(p, price_places) + fragment(q, qty_places) for p, q in self.top(n)]
        ).encode()


class Book:
    """The L2 book of one instrument on one venue (pure-Python sides)."""

    __slots__ = ("asks", "bids")

    NATIVE: ClassVar[bool] = False

    def __init__(self) -> None:
        self.bids = BookSide(1)
        self.asks = BookSide(-1)

    def clear(self) -> None:
        self.bids.clear()
        self.asks.clear()

    def load(self, bids: Iterable[Level], asks: Iterable[Level]) -> None:
        self.bids.load(bids)
        self.asks.load(asks)

    def apply(self, bids: Iterable[Level], asks: Iterable[Level]) -> None:
        self.bids.apply(bids)
        self.asks.apply(asks)

    def update(self, bids: Iterable[Level], asks: Iterable[Level]) -> bool:
        """Apply both sides; whether the book is then crossed (the feed's step in one call)."""
        self.bids.apply(bids)
        self.asks.apply(asks)
        b = self.bids.keys
        a = self.asks.keys
        return bool(b and a and b[-1] >= -a[-1])

    def truncate(self, depth: int) -> None:
        self.bids.truncate(depth)
        self.asks.truncate(depth)

    @property
    def empty(self) -> bool:
        return not self.bids.keys and not self.asks.keys

    def best_bid(self) -> float | None:
        return self.bids.best()

    def best_ask(self) -> float | None:
        return self.asks.best()

    def crossed(self) -> bool:
        """Best bid at or above best ask: locked or crossed."""
        b = self.bids.keys
        a = self.asks.keys
        return bool(b and a and b[-1] >= -a[-1])

    def mid(self) -> float | None:
        b = self.bids.keys
        a = self.asks.keys
        if not b or not a:
            return None
        return (b[-1] - a[-1]) / 2.0

    def spread_bps(self) -> float | None:
        """Top-of-book spread in basis points of the mid."""
        b = self.bids.keys
        a = self.asks.keys
        if not b or not a:
            return None
        bid = b[-1]
        ask = -a[-1]
        mid = (bid + ask) / 2.0
        if mid <= 0:
            return None
        return (ask - bid) / mid * 1e4

    def levels(self) -> tuple[dict[float, float], dict[float, float]]:
        """A copy of both sides, for comparisons and reports."""
        return self.bids.levels(), self.asks.levels()

    def checksum_crc32(self, n: int, price_places: int, qty_places: int) -> int:
        """CRC32 of the asks' ``checksum_text`` then the bids' (Kraken's order)."""
        asks = self.asks.checksum_text(n, price_places, qty_places)
        return zlib.crc32(self.bids.checksum_text(n, price_places, qty_places), zlib.crc32(asks))
