"""The native book side against the pure-Python reference, step by step.

Both books receive the same random sequence of loads, applies (one side or
both, tuples or lists, floats or ints, repeated prices, removals of unknown
levels), truncates and clears; after every step everything a caller can read
must be identical: levels, best, top, top prices, length, membership, version,
Kraken's checksum text, crossed/mid/spread.
"""

from __future__ import annotations

import math
import zlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from adapters import _book, book_py
from adapters.book import PureBook, fragment, native_book_type

# A small price pool makes repeats, updates and removals of known levels common;
# arbitrary floats (tiny, huge, negative, infinite) cover the ordering itself.
tick_prices = st.integers(min_value=1, max_value=60).map(lambda t: 100.0 + t / 4)
any_prices = st.floats(allow_nan=False, width=64)
prices = st.one_of(tick_prices, tick_prices, tick_prices, any_prices)
qtys = st.one_of(
    st.just(0.0),
    st.integers(min_value=1, max_value=10_000).map(lambda q: q / 100),
    st.integers(min_value=0, max_value=5),  # ints: 0 removes as 0.0 does
    st.floats(min_value=1e-9, max_value=1e9),
)


def _shape(level: tuple[float, float], as_list: bool) -> object:
    return list(level) if as_list else level


levels = st.lists(st.tuples(prices, qtys), max_size=25).flatmap(
    lambda lv: st.booleans().map(lambda as_list: [_shape(x, as_list) for x in lv])
)
precisions = st.integers(min_value=0, max_value=12)


class NativeMatchesPure(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.pure = PureBook()
        self.native = native_book_type()()

    @rule(bids=levels, asks=levels)
    def apply(self, bids: list[Any], asks: list[Any]) -> None:
        self.pure.apply(bids, asks)
        self.native.apply(bids, asks)

    @rule(bids=levels, asks=levels)
    def update(self, bids: list[Any], asks: list[Any]) -> None:
        """The feed's one call per update: both sides, then whether the book crossed."""
        crossed = self.pure.update(bids, asks)
        assert self.native.update(bids, asks) is crossed
        assert crossed == self.pure.crossed()

    @rule(bids=levels)
    def apply_bids_only(self, bids: list[Any]) -> None:
        self.pure.apply(bids, [])
        self.native.apply(bids, [])

    @rule(bids=levels, asks=levels)
    def load(self, bids: list[Any], asks: list[Any]) -> None:
        self.pure.load(bids, asks)
        self.native.load(bids, asks)

    @rule(depth=st.integers(min_value=-2, max_value=30))
    def truncate(self, depth: int) -> None:
        for side in ("bids", "asks"):
            dropped = getattr(self.pure, side).truncate(depth)
            assert getattr(self.native, side).truncate(depth) == dropped

    @rule()
    def clear(self) -> None:
        self.pure.clear()
        self.native.clear()

    @rule(price=prices)
    def lookup(self, price: float) -> None:
        for side in ("bids", "asks"):
            p, n = getattr(self.pure, side), getattr(self.native, side)
            assert (price in p) == (price in n)
            assert p.get(price) == n.get(price)

    @rule(n=st.integers(min_value=-1, max_value=30), pp=precisions, qp=precisions)
    def top_and_text(self, n: int, pp: int, qp: int) -> None:
        for side in ("bids", "asks"):
            p, nat = getattr(self.pure, side), getattr(self.native, side)
            assert p.top(n) == nat.top(n)
            assert p.top_prices(n) == nat.top_prices(n)
            text = p.checksum_text(n, pp, qp)
            assert nat.checksum_text(n, pp, qp) == text
            assert nat.checksum_text(n, pp, qp) == text  # the cached copy too
        crc = self.pure.checksum_crc32(n, pp, qp)
        assert self.native.checksum_crc32(n, pp, qp) == crc

    @invariant()
    def same_state(self) -> None:
        p, n = self.pure, self.native
        assert p.levels() == n.levels()
        for side in ("bids", "asks"):
            ps, ns = getattr(p, side), getattr(n, side)
            assert len(ps) == len(ns)
            assert ps.version == ns.version
            assert ps.best() == ns.best()
            assert ps.top(10) == ns.top(10)
            assert ps.sign == ns.sign
        assert p.empty == n.empty
        assert p.best_bid() == n.best_bid() and p.best_ask() == n.best_ask()
        assert p.crossed() == n.crossed()
        for a, b in ((p.mid(), n.mid()), (p.spread_bps(), n.spread_bps())):
            assert a == b or (a is not None and b is not None and math.isnan(a) and math.isnan(b))


TestNativeMatchesPure = NativeMatchesPure.TestCase
TestNativeMatchesPure.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)


@given(
    st.one_of(
        st.floats(allow_nan=False, width=64),
        st.integers(min_value=0, max_value=10**12).map(lambda u: u / 10**8),
        st.integers(min_value=0, max_value=10**6).map(lambda u: u / 1000 + 0.0005),  # ties
    ),
    st.integers(min_value=0, max_value=20),
)
def test_native_digits_are_the_documented_formatting(value: float, places: int) -> None:
    """Kraken's rule, plainly: format with the precision, drop the point and leading zeros."""
    plain = f"{value:.{places}f}".replace(".", "").lstrip("0")
    assert _book.fragment(value, places) == plain
    assert fragment(value, places) == plain


@given(st.binary(max_size=300))
def test_native_crc32_is_zlibs(data: bytes) -> None:
    assert _book.crc32(data) == zlib.crc32(data)


def test_a_value_with_more_digits_than_the_precision_rounds_as_formatting_does() -> None:
    # 0.015 is stored as 0.01499999...; formatted to 2 places it is "0.01". The product
    # 0.015 * 100 rounds to exactly 1.5, so rounding the product alone said "2".
    assert book_py.fragment(0.015, 2) == "1"
    assert _book.fragment(0.015, 2) == "1"


def test_levels_may_be_tuples_lists_or_any_pair_and_bad_ones_are_refused() -> None:
    side = _book.BookSide(1)
    odd: list[Any] = [(1.0, 2.0), [2.0, 3.0], (3, 4), range(4, 6)]
    side.apply(odd)
    assert side.levels() == {1.0: 2.0, 2.0: 3.0, 3.0: 4.0, 4.0: 5.0}
    with pytest.raises(ValueError, match=r"\(price, qty\) pair"):
        side.apply([(1.0, 2.0, 3.0)])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        side.apply([("1.0", "2.0")])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="NaN"):
        side.apply([(math.nan, 1.0)])
    with pytest.raises(ValueError, match="sign"):
        _book.BookSide(0)


def test_a_deep_snapshot_in_worst_order_loads_in_one_sort() -> None:
    """A venue's snapshot lists bids best first: the reverse of the array's order."""
    levels = [(100_000.0 - i * 0.5, 1.0 + i) for i in range(20_000)]
    side, ref = _book.BookSide(1), book_py.BookSide(1)
    side.load(levels)
    ref.load(levels)
    assert side.levels() == ref.levels() and side.top(3) == ref.top(3)
    assert side.truncate(10) == 19_990 and side.top_prices(10) == ref.top_prices(10)


deep_moves = st.lists(
    st.tuples(
        st.integers(min_value=-5, max_value=1_100),  # ticks from the touch: mostly inside
        st.one_of(st.just(0.0), st.integers(min_value=1, max_value=99).map(float)),
        st.booleans(),
    ),
    max_size=40,
)


@given(deep_moves)
@settings(max_examples=30, deadline=None)
def test_a_deep_book_finds_every_level_from_the_top(moves: list[tuple[int, float, bool]]) -> None:
    """A 1,000-level side (what Binance keeps): the search gallops down from the
    touch, so changes at the touch, a few levels down, deep and past the bottom must
    all land exactly where the reference puts them."""
    bids = [(50_000.0 - i * 0.5, 1.0) for i in range(1_000)]
    asks = [(50_001.0 + i * 0.5, 1.0) for i in range(1_000)]
    native, ref = native_book_type()(), PureBook()
    native.load(bids, asks)
    ref.load(bids, asks)
    for ticks, qty, bid_side in moves:
        if bid_side:
            level = [(50_000.0 - ticks * 0.5, qty)]
            assert native.update(level, []) == ref.update(level, [])
        else:
            level = [(50_001.0 + ticks * 0.5, qty)]
            assert native.update([], level) == ref.update([], level)
        assert native.best_bid() == ref.best_bid() and native.best_ask() == ref.best_ask()
    assert native.levels() == ref.levels()
    for side in ("bids", "asks"):
        assert getattr(native, side).top(50) == getattr(ref, side).top(50)
