"""A venue's sequence rule declared as data is its ``sequence`` method, verdict for verdict."""

from __future__ import annotations

import pytest

from adapters import registry
from adapters.book import PureBook
from adapters.model import BookDelta
from adapters.sequence import OWN_RULE, RULES, rule_code
from adapters.tracker_py import Tracker
from adapters.venue import VenueSettings
from adapters.venues.binance import BinanceSpot

SYMBOLS = {
    "binance": "BTCUSDT",
    "binance-futures": "BTCUSDT",
    "kraken": "BTC/USD",
    "coinbase": "BTC-USD",
    "okx": "BTC-USDT",
    "bybit": "BTCUSDT",
    "deribit": "BTC-PERPETUAL",
}
# Which venues the tracker runs natively: the rest keep their own method.
EXPECTED = {
    "binance": "first-last",
    "binance-futures": "",
    "kraken": "always",
    "coinbase": "always",
    "okx": "",
    "bybit": "next",
    "deribit": "prev-last",
}


@pytest.mark.parametrize("name", sorted(SYMBOLS))
def test_a_declared_rule_is_the_venues_method(name: str) -> None:
    venue = registry.load(name)(VenueSettings(symbols=[SYMBOLS[name]]))
    code = rule_code(venue)
    assert code == RULES[EXPECTED[name]]
    if code == OWN_RULE:
        return
    for last in (-1, 0, 5, 10**12):
        for fresh in (False, True):
            for ds in range(-3, 4):
                for df in range(-3, 4):
                    for dp in range(-2, 3):
                        d = BookDelta(
                            name, SYMBOLS[name], 1, 1, 0, [], [], last + ds, last + dp, last + df
                        )
                        t = Tracker(PureBook(), code)
                        t.last_seq, t.fresh = last, fresh
                        assert t.verdict(d.seq, d.first_seq, d.prev_seq) == venue.sequence(
                            last, fresh, d
                        ), (name, last, fresh, d.seq, d.first_seq, d.prev_seq)


def test_a_subclass_that_overrides_sequence_keeps_its_own_method() -> None:
    class Stricter(BinanceSpot):
        def sequence(self, last_seq: int, fresh: bool, delta: BookDelta) -> int:
            return 2

    class Declared(Stricter):
        sequence_rule = "next"

    settings = VenueSettings(symbols=["BTCUSDT"])
    assert rule_code(BinanceSpot(settings)) == RULES["first-last"]
    assert rule_code(Stricter(settings)) == OWN_RULE
    assert rule_code(Declared(settings)) == RULES["next"]
    patched = BinanceSpot(settings)
    patched.sequence = lambda last_seq, fresh, delta: 2  # type: ignore[method-assign]
    assert rule_code(patched) == OWN_RULE


def test_an_unknown_rule_name_is_a_one_line_error() -> None:
    class Odd(BinanceSpot):
        sequence_rule = "sometimes"

    with pytest.raises(ValueError, match="sequence_rule 'sometimes': not one of"):
        rule_code(Odd(VenueSettings(symbols=["BTCUSDT"])))
