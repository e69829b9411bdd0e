"""Which venues and instruments the simulator serves by default.

Each simulated venue module (``adapters/simulator/venues/<adapter>.py``)
declares its wire-format class (``SIM``) and its default instruments
(``VENUES``: venue name → instruments), with tick and lot sizes like the real
venue's, so the adapters meet realistic precisions.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Final

import msgspec

if TYPE_CHECKING:
    from adapters.simulator.base import SimVenue


class InstrumentSpec(msgspec.Struct, frozen=True, kw_only=True):
    symbol: str
    canonical: str
    fair: float
    tick_places: int
    lot_places: int
    tick_units: int = 1
    depth: int = 50
    half_spread_ticks: int = 1


# Adapter name -> simulator module. A venue instance name may differ from its
# adapter's (e.g. "bybit-linear" runs the "bybit" adapter).
MODULES: Final = {
    "binance": "adapters.simulator.venues.binance",
    "binance-futures": "adapters.simulator.venues.binance_futures",
    "kraken": "adapters.simulator.venues.kraken",
    "coinbase": "adapters.simulator.venues.coinbase",
    "okx": "adapters.simulator.venues.okx",
    "bybit": "adapters.simulator.venues.bybit",
    "bybit-linear": "adapters.simulator.venues.bybit",
    "deribit": "adapters.simulator.venues.deribit",
}


def venue_class(venue: str) -> type[SimVenue]:
    module = importlib.import_module(MODULES[venue])
    cls: type[SimVenue] = module.SIM_CLASSES[venue]
    return cls


def _defaults() -> dict[str, list[InstrumentSpec]]:
    out: dict[str, list[InstrumentSpec]] = {}
    for venue, modname in MODULES.items():
        try:
            module = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name == modname:
                continue  # venue not simulated (yet)
            raise
        out[venue] = list(module.VENUES[venue])
    return out


DEFAULT_VENUES: Final = _defaults()
