"""The L2 book against a plain dict model, under arbitrary operation sequences."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.book import new_book

pytestmark = pytest.mark.usefixtures("book_impl")
"""Every test here runs with the native book and with the pure-Python reference."""

prices = st.integers(min_value=1, max_value=400).map(lambda t: t / 4)
qtys = st.one_of(st.just(0.0), st.integers(min_value=1, max_value=10_000).map(lambda q: q / 100))
levels = st.lists(st.tuples(prices, qtys), max_size=30)
ops = st.lists(
    st.tuples(
        st.sampled_from(["apply", "load", "truncate"]),
        levels,
        levels,
        st.integers(min_value=0, max_value=40),
    ),
    max_size=40,
)


Levels = list[tuple[float, float]]
Op = tuple[str, Levels, Levels, int]  # action, bids, asks, depth


def _model_apply(side: dict[float, float], lv: Levels) -> None:
    for p, q in lv:
        if q:
            side[p] = q
        else:
            side.pop(p, None)


@given(ops)
def test_book_matches_a_dict_model(operations: list[Op]) -> None:
    book = new_book()
    bids: dict[float, float] = {}
    asks: dict[float, float] = {}
    for op, b, a, depth in operations:
        if op == "apply":
            book.apply(b, a)
            _model_apply(bids, b)
            _model_apply(asks, a)
        elif op == "load":
            book.load(b, a)
            bids, asks = {}, {}
            _model_apply(bids, b)
            _model_apply(asks, a)
        else:
            book.truncate(depth)
            bids = dict(sorted(bids.items(), reverse=True)[:depth])
            asks = dict(sorted(asks.items())[:depth])
        assert book.levels() == (bids, asks)
        assert book.best_bid() == (max(bids) if bids else None)
        assert book.best_ask() == (min(asks) if asks else None)
        assert book.bids.top(5) == sorted(bids.items(), reverse=True)[:5]
        assert book.asks.top(5) == sorted(asks.items())[:5]
        assert len(book.bids) == len(bids) and len(book.asks) == len(asks)


def test_spread_mid_and_crossed() -> None:
    book = new_book()
    assert book.spread_bps() is None and book.mid() is None and not book.crossed()
    book.load([(99.0, 1.0), (98.0, 2.0)], [(101.0, 1.0)])
    assert book.mid() == 100.0
    assert book.spread_bps() == 200.0
    assert not book.crossed()
    book.apply([(101.0, 0.5)], [])
    assert book.crossed(), "a bid at the best ask is locked"
    book.apply([(101.0, 0.0)], [(100.5, 1.0)])
    assert not book.crossed()
    assert book.best_ask() == 100.5


def test_removing_an_unknown_level_is_harmless() -> None:
    book = new_book()
    book.load([(10.0, 1.0)], [(11.0, 1.0)])
    book.apply([(9.0, 0.0)], [(12.0, 0.0)])
    assert book.levels() == ({10.0: 1.0}, {11.0: 1.0})
