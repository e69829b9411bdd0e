"""A controller over a real engine (no sockets) and an in-memory journal.

The journal keeps entries as the real one returns them (flat dicts with a
``seq``) and can be told to fail its next writes the way a full disk fails
(``OSError(ENOSPC)``), so controller tests run in milliseconds.
"""

from __future__ import annotations

import errno
import functools
from typing import Any

import msgspec

from adapters import registry
from adapters.feed import Feed
from adapters.venue import VenueSettings
from tui.control.controller import Controller
from tui.control.policy import Policy
from tui.engine.engine import Engine
from tui.engine.settings import EngineSettings

VENUES = ("binance", "coinbase", "kraken")
SYMBOLS = {"binance": ["BTCUSDT"], "coinbase": ["BTC-USD"], "kraken": ["BTC/USD"]}


class MemoryJournal:
    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.fail_next = 0
        """Writes still to fail (ENOSPC), then writes succeed again."""

        self.fail_write = 0
        """Fail the write with this number (1: the first ever) once, like a full disk."""
        self.writes = 0

    async def append(self, kind: str, **fields: Any) -> dict[str, Any]:
        self.writes += 1
        if self.writes == self.fail_write:
            raise OSError(errno.ENOSPC, "No space left on device")
        if self.fail_next > 0:
            self.fail_next -= 1
            raise OSError(errno.ENOSPC, "No space left on device")
        # Round-trip through JSON like the real journal, so tests see what a reader sees.
        fields = msgspec.json.decode(msgspec.json.encode(fields))
        entry = {
            "seq": len(self.entries) + 1,
            "ts": "2026-01-01T00:00:00.000000Z",
            "kind": kind,
            **fields,
        }
        self.entries.append(entry)
        return entry

    def kinds(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["kind"] == kind]


def settings(**extra: Any) -> EngineSettings:
    base: dict[str, Any] = {
        "probation_s": 1.0,
        "routes": {"btc": {"instrument": "BTC-USD", "venues": list(VENUES)}},
    }
    base.update(extra)
    return msgspec.convert(base, EngineSettings)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000_000_000

    def __call__(self) -> int:
        return self.now


@functools.cache
def _feeds() -> dict[str, Feed]:
    # Shared: no data flows through them, and loading adapters is the slow part.
    feeds = {}
    for name in VENUES:
        venue = registry.load(name)(VenueSettings(symbols=SYMBOLS[name], name=name))
        feeds[name] = Feed(venue)
    return feeds


def engine(s: EngineSettings | None = None, clock: Clock | None = None) -> Engine:
    feeds = dict(_feeds())
    c = clock or Clock()
    eng = Engine(s or settings(), feeds, clock=c, wall=c)
    # No market data flows here, so an evaluation would (rightly) mark every
    # venue down; these tests are about the controls, so venues stay as the
    # controls leave them (LIVE unless isolated or restored).
    eng.tick = list  # type: ignore[method-assign]
    return eng


def controller(
    s: EngineSettings | None = None, journal: MemoryJournal | None = None
) -> tuple[Controller, MemoryJournal, Policy]:
    j = journal or MemoryJournal()
    ctl = Controller(engine(s), j)
    return ctl, j, Policy(ctl.engine, ctl)
