"""The simulated market: a seeded random walk and exact venue books.

Prices and sizes are integers (ticks and lots), so every venue encoder formats
them exactly and the adapters' books can be compared with the simulator's to
the last digit. One :class:`Market` holds a fair price per canonical
instrument; each venue's :class:`SimBook` follows it with its own tick size,
depth and whatever fault offsets are active (spread blowout, price jump).
"""

from __future__ import annotations

import random
from typing import Final

Changes = tuple[list[tuple[int, int]], list[tuple[int, int]]]
"""(bid changes, ask changes) as (ticks, lots); lots 0 deletes the level."""


def fmt_fixed(value: int, places: int) -> str:
    """``fmt_fixed(6543210, 2) == "65432.10"`` with no float rounding."""
    if places <= 0:
        return str(value)
    sign = "-" if value < 0 else ""
    digits = str(abs(value)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


class Market:
    """Fair prices per canonical instrument, moving by a seeded random walk."""

    def __init__(self, seed: int = 7, vol_bps: float = 1.5) -> None:
        self.rng = random.Random(seed)
        self.vol_bps = vol_bps
        self.fair: dict[str, float] = {}
        self.steps = 0

    def add(self, canonical: str, price: float) -> None:
        self.fair.setdefault(canonical, price)

    def advance(self) -> None:
        self.steps += 1
        for k, p in self.fair.items():
            self.fair[k] = p * (1.0 + self.rng.gauss(0.0, self.vol_bps) / 1e4)


class SimBook:
    """One venue's book for one instrument, in ticks and lots."""

    DEFAULT_DEPTH: Final = 50

    def __init__(
        self,
        symbol: str,
        canonical: str,
        tick_places: int,
        lot_places: int,
        depth: int = DEFAULT_DEPTH,
        half_spread_ticks: int = 1,
        rng: random.Random | None = None,
        tick_units: int = 1,
    ) -> None:
        self.symbol = symbol
        self.canonical = canonical
        self.tick_places = tick_places
        self.lot_places = lot_places
        self.tick_units = tick_units
        """The tick in units of the last price digit (Deribit BTC: 5 × 0.1 = 0.5)."""
        self.tick = tick_units * 10.0**-tick_places
        self.depth = depth
        self.half_spread_ticks = half_spread_ticks
        self.rng = rng or random.Random(hash(symbol) & 0xFFFF)
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self.seq = 0
        """Venue-defined update counter, advanced by each venue encoder."""
        self.offset_bps = 0.0
        """Price-jump fault: this venue's book is displaced from fair."""
        self.basis_bps = 0.0
        """A venue's own small, persistent premium or discount (real venues never agree
        to the tick), so the cross-venue view has texture without any fault."""
        self.blowout_ticks = 0
        """Spread-blowout fault: no liquidity within this many ticks of mid."""

    # -- text -----------------------------------------------------------------------------

    def px(self, ticks: int) -> str:
        return fmt_fixed(ticks * self.tick_units, self.tick_places)

    def sz(self, lots: int) -> str:
        return fmt_fixed(lots, self.lot_places)

    def price_float(self, ticks: int) -> float:
        return float(self.px(ticks))

    def size_float(self, lots: int) -> float:
        return float(self.sz(lots))

    def as_floats(self) -> tuple[dict[float, float], dict[float, float]]:
        """Both sides as the adapters hold them, for exact comparison."""
        return (
            {self.price_float(p): self.size_float(q) for p, q in self.bids.items()},
            {self.price_float(p): self.size_float(q) for p, q in self.asks.items()},
        )

    def top_bids(self, n: int) -> list[tuple[int, int]]:
        return [(p, self.bids[p]) for p in sorted(self.bids, reverse=True)[:n]]

    def top_asks(self, n: int) -> list[tuple[int, int]]:
        return [(p, self.asks[p]) for p in sorted(self.asks)[:n]]

    def best_bid(self) -> int | None:
        return max(self.bids) if self.bids else None

    def best_ask(self) -> int | None:
        return min(self.asks) if self.asks else None

    # -- generation -------------------------------------------------------------------------

    def _lots(self) -> int:
        # Sizes from a few lots to a few units, skewed small like real books.
        unit = 10**self.lot_places
        return max(1, int(self.rng.paretovariate(1.5) * unit * 0.05))

    def _targets(self, fair: float) -> tuple[int, int]:
        mid = fair * (1.0 + (self.offset_bps + self.basis_bps) / 1e4) / self.tick
        half = self.half_spread_ticks + self.blowout_ticks
        centre = round(mid)
        return centre - half, centre + half

    def seed_levels(self, fair: float) -> None:
        """Fill an empty book around ``fair``."""
        best_bid, best_ask = self._targets(fair)
        self.bids = {}
        self.asks = {}
        p = best_bid
        for _ in range(self.depth):
            self.bids[p] = self._lots()
            p -= self.rng.randint(1, 3)
        p = best_ask
        for _ in range(self.depth):
            self.asks[p] = self._lots()
            p += self.rng.randint(1, 3)

    def step(self, fair: float) -> Changes:
        """Move the book one update towards ``fair``; return what changed."""
        rng = self.rng
        bids, asks = self.bids, self.asks
        best_bid, best_ask = self._targets(fair)
        cb: dict[int, int] = {}
        ca: dict[int, int] = {}
        # Liquidity that would cross the new mid (or sit inside a blowout band) goes.
        for p in [p for p in bids if p > best_bid]:
            del bids[p]
            cb[p] = 0
        for p in [p for p in asks if p < best_ask]:
            del asks[p]
            ca[p] = 0
        # The touch is always quoted.
        for side, changes, p in ((bids, cb, best_bid), (asks, ca, best_ask)):
            if p not in side:
                side[p] = changes[p] = self._lots()
        # A few size changes near the top, where real books are busy.
        for _ in range(rng.randint(1, 4)):
            side, changes, sign = (bids, cb, -1) if rng.random() < 0.5 else (asks, ca, 1)
            anchor = best_bid if sign < 0 else best_ask
            p = anchor + sign * rng.randint(0, 12)
            if p in side and rng.random() < 0.25 and p != anchor:
                del side[p]
                changes[p] = 0
            else:
                side[p] = changes[p] = self._lots()
        # Keep the depth steady: trim the far end, refill when thin.
        for side, changes, far in ((bids, cb, min), (asks, ca, max)):
            while len(side) > self.depth:
                p = far(side)
                del side[p]
                changes[p] = 0
            if len(side) < self.depth:
                edge = far(side)
                step = -1 if far is min else 1
                for _ in range(self.depth - len(side)):
                    edge += step * rng.randint(1, 3)
                    side[edge] = changes[edge] = self._lots()
        return list(cb.items()), list(ca.items())
