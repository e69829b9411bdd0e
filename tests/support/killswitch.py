"""Venue controls against the simulated private venues, over real loopback HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.controls import registry
from adapters.controls.base import ControlSettings, Credentials
from adapters.controls.client import VenueControl
from adapters.simulator.private.server import PrivateSimulator
from tui.control.halt import VenueHalt
from tui.control.journal import AsyncJournal

VENUES = ["binance", "binance-futures", "kraken", "okx", "bybit", "coinbase", "deribit"]
DEADMAN = {"binance-futures", "kraken", "okx", "bybit", "deribit"}


def fast(**over: Any) -> dict[str, Any]:
    """Settings that keep a test quick: short timeouts and polls."""
    base: dict[str, Any] = {
        "timeout_s": 0.5,
        "verify_timeout_s": 0.8,
        "verify_interval_s": 0.02,
        "retries": 2,
        "halt_deadman_s": 10.0,
    }
    return {**base, **over}


def control(
    sim: PrivateSimulator, venue: str, creds: Credentials | None = None, **over: Any
) -> VenueControl:
    key = sim.keys[venue]
    settings = ControlSettings(
        url=sim.url(venue),
        symbols=["BTCUSDT"] if venue == "binance-futures" else [],
        **fast(**over),
    )
    creds = creds or Credentials(key.key, key.secret, key.passphrase, "default")
    return registry.load(venue)(settings, creds)


class Recorder:
    """The halt's journal: a real hash-chained journal file, entries also kept in memory."""

    def __init__(self, journal: AsyncJournal) -> None:
        self.journal = journal
        self.entries: list[dict[str, Any]] = []

    @classmethod
    async def open(cls, path: Path) -> Recorder:
        return cls(await AsyncJournal.open(path))

    async def __call__(self, kind: str, **fields: Any) -> dict[str, Any]:
        entry = (await self.journal.append(kind, **fields)).as_dict()
        self.entries.append(entry)
        return entry

    def layers(self, venue: str) -> list[tuple[str, str]]:
        return [
            (e["layer"], e["state"])
            for e in self.entries
            if e["kind"] == "venue-halt" and e["venue"] == venue
        ]


class Pager:
    """An escalation sink that only remembers what it was told."""

    name = "pager"

    def __init__(self) -> None:
        self.told: list[dict[str, Any]] = []

    async def dispatch(self, entry: dict[str, Any]) -> str:
        self.told.append(entry)
        return "paged"


def halt_for(ctl: VenueControl, rec: Recorder, pager: Pager) -> VenueHalt:
    return VenueHalt({ctl.name: ctl}, rec, escalation=[pager])
