"""Venue adapters are plug-ins in the entry-point group ``venuewatch.adapters``.

Names are listed without importing anything; an adapter is imported only when
it is used, and an adapter that fails to import is reported with its name and
the error instead of taking the whole program down.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from typing import Final

from adapters.venue import Venue

GROUP: Final = "venuewatch.adapters"

# Built-ins resolve even when the distribution is not installed (running from
# a checkout); installed entry points of the same name take precedence.
_BUILTIN: Final = {
    "binance": "adapters.venues.binance:BinanceSpot",
    "binance-futures": "adapters.venues.binance_futures:BinanceFutures",
    "kraken": "adapters.venues.kraken:Kraken",
    "coinbase": "adapters.venues.coinbase:Coinbase",
    "okx": "adapters.venues.okx:Okx",
    "bybit": "adapters.venues.bybit:Bybit",
    "deribit": "adapters.venues.deribit:Deribit",
}


class AdapterError(LookupError):
    """An adapter name that is unknown, or whose module failed to import."""


def _points() -> dict[str, EntryPoint]:
    found = {n: EntryPoint(n, v, GROUP) for n, v in _BUILTIN.items()}
    for ep in entry_points(group=GROUP):
        found[ep.name] = ep
    return found


def available() -> list[str]:
    """Adapter names, without importing any of them."""
    return sorted(_points())


def load(name: str) -> type[Venue]:
    """Import one adapter class by name."""
    ep = _points().get(name)
    if ep is None:
        raise AdapterError(f"unknown venue adapter {name!r}; known: {', '.join(available())}")
    try:
        cls = ep.load()
    except Exception as exc:  # an adapter's import error must not be fatal
        raise AdapterError(f"venue adapter {name!r} ({ep.value}) failed to import: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Venue)):
        raise AdapterError(f"venue adapter {name!r} ({ep.value}) is not a Venue subclass")
    return cls
