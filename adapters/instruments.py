"""Canonical instruments: one name per economic instrument across venues.

``BTCUSDT`` (Binance), ``BTC/USD`` and ``XBT/USD`` (Kraken), ``BTC-USD``
(Coinbase) and ``BTC-USDT`` (OKX) are the same economic exposure for a
cross-venue comparison, so they map to ``BTC-USD`` unless the configuration
keeps stablecoins distinct. Derivatives keep their shape:

* perpetual: ``BTC-USD-PERP``
* dated future: ``BTC-USD-20241227``
* option: ``BTC-USD-20241227-60000-C``

Each venue provides the default parse of its own symbols; the configuration's
table (``[instruments]``) overrides any of them.
"""

from __future__ import annotations

import datetime as _dt
from typing import Final

import msgspec

STABLE_QUOTES: Final = ("USDT", "USDC", "FDUSD", "BUSD", "TUSD", "USDE", "DAI")
FIAT_QUOTES: Final = ("USD", "EUR", "GBP", "JPY", "AUD", "CAD", "CHF", "TRY", "BRL")
CRYPTO_QUOTES: Final = ("BTC", "ETH", "BNB", "SOL")
# Longest first, so BTCUSDT is BTC/USDT and not BTCU/SDT or BTCUSD/T.
_CONCAT_QUOTES: Final = tuple(
    sorted(STABLE_QUOTES + FIAT_QUOTES + CRYPTO_QUOTES, key=len, reverse=True)
)
BASE_ALIASES: Final = {"XBT": "BTC", "XDG": "DOGE"}

KINDS: Final = ("spot", "perp", "future", "option")
_MONTHS: Final = {
    m: i + 1
    for i, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    )
}


class Canonical(msgspec.Struct, frozen=True):
    """A venue-independent instrument."""

    base: str
    quote: str
    kind: str = "spot"
    expiry: str = ""
    """YYYYMMDD for futures and options."""
    strike: str = ""
    right: str = ""
    """``C`` or ``P`` for options."""

    @property
    def name(self) -> str:
        head = f"{self.base}-{self.quote}"
        if self.kind == "perp":
            return f"{head}-PERP"
        if self.kind == "future":
            return f"{head}-{self.expiry}"
        if self.kind == "option":
            return f"{head}-{self.expiry}-{self.strike}-{self.right}"
        return head


class UnknownSymbol(ValueError):
    """A venue symbol that no rule can map; the configuration table must name it."""


def normalize_asset(asset: str) -> str:
    asset = asset.upper()
    return BASE_ALIASES.get(asset, asset)


def split_concat(symbol: str) -> tuple[str, str]:
    """Split a concatenated pair such as ``BTCUSDT`` into ``("BTC", "USDT")``."""
    s = symbol.upper()
    for quote in _CONCAT_QUOTES:
        if s.endswith(quote) and len(s) > len(quote):
            return normalize_asset(s[: -len(quote)]), quote
    raise UnknownSymbol(f"cannot split {symbol!r} into base and quote")


def split_delimited(symbol: str, sep: str) -> tuple[str, str]:
    """Split ``BTC/USD`` or ``BTC-USD``."""
    parts = symbol.upper().split(sep)
    if len(parts) != 2 or not all(parts):
        raise UnknownSymbol(f"cannot split {symbol!r} on {sep!r}")
    return normalize_asset(parts[0]), normalize_asset(parts[1])


def parse_day_month_year(text: str) -> str:
    """Deribit-style ``27DEC24`` / ``3JAN25`` → ``20241227`` / ``20250103``."""
    t = text.upper()
    if len(t) < 6:
        raise UnknownSymbol(f"not an expiry: {text!r}")
    day, month, year = t[:-5], t[-5:-2], t[-2:]
    if month not in _MONTHS or not day.isdigit() or not year.isdigit():
        raise UnknownSymbol(f"not an expiry: {text!r}")
    try:
        d = _dt.date(2000 + int(year), _MONTHS[month], int(day))
    except ValueError as exc:
        raise UnknownSymbol(f"not an expiry: {text!r} ({exc})") from None
    return d.strftime("%Y%m%d")


def parse_yymmdd(text: str) -> str:
    """OKX/Binance-style ``241227`` → ``20241227``."""
    if len(text) != 6 or not text.isdigit():
        raise UnknownSymbol(f"not an expiry: {text!r}")
    try:
        d = _dt.date(2000 + int(text[:2]), int(text[2:4]), int(text[4:]))
    except ValueError as exc:
        raise UnknownSymbol(f"not an expiry: {text!r} ({exc})") from None
    return d.strftime("%Y%m%d")


class InstrumentSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The ``[instruments]`` table of the configuration."""

    stablecoins_distinct: bool = False
    """Keep USDT/USDC markets apart from USD ones (e.g. to watch a depeg)."""
    map: dict[str, str] = {}
    """Overrides: ``"venue:SYMBOL" = "CANONICAL"``."""


class InstrumentMap:
    """Resolves (venue, native symbol) to a canonical name, with overrides."""

    def __init__(self, settings: InstrumentSettings | None = None) -> None:
        self.settings = settings or InstrumentSettings()
        self._cache: dict[tuple[str, str], tuple[str, str]] = {}

    def resolve(self, venue: str, symbol: str, parsed: Canonical | None) -> tuple[str, str]:
        """(canonical name, kind) for a venue symbol."""
        key = (venue, symbol)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        override = self.settings.map.get(f"{venue}:{symbol}")
        if override is not None:
            kind = parsed.kind if parsed is not None else "spot"
            result = (override, kind)
        elif parsed is None:
            result = (f"{venue}:{symbol}", "spot")
        else:
            c = parsed
            if not self.settings.stablecoins_distinct and c.quote in STABLE_QUOTES:
                c = msgspec.structs.replace(c, quote="USD")
            result = (c.name, c.kind)
        self._cache[key] = result
        return result
