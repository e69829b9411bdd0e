"""Kraken's checksum text, kept current as levels arrive (the pure-Python book's path).

With the native book the text is built by the side itself
(``BookSide.checksum_text``, in C, reused while the side is unchanged); this
module serves the pure-Python reference book.

The checksum covers the top 10 levels of each side, each level's price and
quantity formatted with the pair's precision, point and leading zeros
removed. Formatting twenty levels on every update is most of what a Kraken
frame costs, yet an update changes one to three levels. So each level's text
is made once, when the level arrives (the session sees every level in the
order the book applies them), and a checksum only joins the texts of the
current top 10 in book order.

The texts are a cache, never the truth: a level without text, or a map grown
by levels that fell out of the subscribed depth (Kraken sends no delete for
those), is rebuilt from the book itself.
"""

from __future__ import annotations

from typing import Final

from adapters.book import BookSide, fragment
from adapters.model import Level

__all__ = ["CHECKSUM_DEPTH", "ChecksumText", "fragment"]

CHECKSUM_DEPTH: Final = 10
_SCALE: Final = tuple(10**p for p in range(19))
_EXACT: Final = float(2**43)


class ChecksumText:
    def __init__(self) -> None:
        self._texts: dict[tuple[str, int], dict[float, str]] = {}
        self._prices: dict[str, dict[float, str]] = {}

    def track(
        self, symbol: str, prec: tuple[int, int], bids: list[Level], asks: list[Level], reset: bool
    ) -> None:
        """Record the text of every level in a message (in message order)."""
        pp, qp = prec
        prices = self._prices.get(symbol)
        if prices is None or len(prices) > 4096:
            prices = self._prices[symbol] = {}
        scale = _SCALE[qp] if 0 <= qp < 19 else 0
        for sign, levels in ((1, bids), (-1, asks)):
            if not levels and not reset:
                continue
            key = (symbol, sign)
            texts = self._texts.get(key)
            if texts is None or reset:
                texts = self._texts[key] = {}
            for price, qty in levels:
                if qty:
                    # Prices recur far more than sizes: their text is kept.
                    pt = prices.get(price)
                    if pt is None:
                        pt = prices[price] = fragment(price, pp)
                    units = qty * scale
                    r = round(units) if 0 < units < _EXACT else 0
                    texts[price] = pt + (
                        str(r) if r and -0.25 < units - r < 0.25 else fragment(qty, qp)
                    )
                else:
                    texts.pop(price, None)

    def book(
        self, bids: BookSide, asks: BookSide, symbol: str, prec: tuple[int, int], depth: int
    ) -> bytes:
        """Kraken's checksum input: the asks' text, then the bids'."""
        return (
            self.side(asks, symbol, prec, depth) + self.side(bids, symbol, prec, depth)
        ).encode()

    def side(self, side: BookSide, symbol: str, prec: tuple[int, int], depth: int) -> str:
        """The checksum text of one side's top 10, from the tracked texts."""
        key = (symbol, side.sign)
        texts = self._texts.get(key)
        prices = side.top_prices(CHECKSUM_DEPTH)
        if texts is not None and len(texts) <= 4 * depth + 64:
            try:
                return "".join([texts[p] for p in prices])
            except KeyError:
                pass
        # Missing or overgrown: rebuild from what the book holds.
        pp, qp = prec
        texts = self._texts[key] = {
            p: fragment(p, pp) + fragment(q, qp) for p, q in side.levels().items()
        }
        return "".join([texts[p] for p in prices])
