"""Scripted incidents: faults on a timeline, for the demo and for drills.

A script is data (offset, venue, fault, parameters); :func:`run_script`
plays it against a running simulator, looping if asked. The built-in
``incident`` script unfolds over about three and a half minutes: a venue goes
stale, another's spread blows out, a third deviates and flaps, a checksum
storm, a hard deviation, then calm before it starts again. It drives every
breaker the demo config (``tui/data/demo.toml``) ships past its threshold, so
the demo shows each one trip.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Final

import msgspec

from adapters.simulator.faults import FaultError
from adapters.simulator.server import Simulator

log = logging.getLogger("venuewatch.simulator.script")


class Step(msgspec.Struct, frozen=True):
    at_s: float
    venue: str
    fault: str
    """A fault name, or ``clear`` to end ``params["fault"]`` (or all faults)."""
    params: dict[str, Any] = {}


def _flaps(
    venue: str, symbol: str, start: float, bps: float, on: float, off: float, times: int
) -> list[Step]:
    out = []
    t = start
    for _ in range(times):
        out.append(Step(t, venue, "jump", {"symbol": symbol, "bps": bps, "duration_s": on}))
        t += on + off
    return out


INCIDENT: Final = [
    # feed-silent (venue_silent_s >= 10): kraken goes quiet for 14 s and is isolated.
    Step(25, "kraken", "stall", {"duration_s": 14}),
    Step(55, "okx", "spread", {"symbol": "BTC-USDT", "bps": 80, "duration_s": 35}),
    *_flaps("coinbase", "BTC-USD", 100, 120, 9, 7, 4),
    # checksum-storm (checksum_failures_60s >= 5): okx's checksummed book fails 7 times
    # (kraken, the other checksummed venue, is isolated by then: a breaker does not
    # trip on an isolated venue).
    Step(170, "okx", "bad_checksum", {"symbol": "BTC-USDT", "count": 7}),
    Step(172, "binance", "gap", {"symbol": "ETHUSDT"}),
    Step(176, "bybit", "malformed", {"symbol": "BTCUSDT", "kind": "truncated", "count": 3}),
    # deviation-hard (deviation_bps >= 300 for 5 s): bybit's BTC mid 400 bps off for 12 s.
    Step(190, "bybit", "jump", {"symbol": "BTCUSDT", "bps": 400, "duration_s": 12}),
]
INCIDENT_PERIOD_S: Final = 240.0

SCRIPTS: Final = {"incident": (INCIDENT, INCIDENT_PERIOD_S), "calm": ([], 0.0)}


async def run_script(sim: Simulator, steps: list[Step], period_s: float = 0.0) -> None:
    """Play ``steps`` (repeating every ``period_s`` if > 0); skips unknown venues."""
    while True:
        start = time.monotonic()
        for step in sorted(steps, key=lambda s: s.at_s):
            delay = start + step.at_s - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if step.venue not in sim.venues:
                continue
            try:
                if step.fault == "clear":
                    sim.clear(step.venue, step.params.get("fault"))
                    log.info(
                        "script: cleared %s on %s", step.params.get("fault", "all"), step.venue
                    )
                else:
                    log.info("script: %s", sim.inject(step.venue, step.fault, **step.params))
            except FaultError as exc:
                log.warning("script step skipped: %s", exc)
        if period_s <= 0:
            return
        rest = start + period_s - time.monotonic()
        if rest > 0:
            await asyncio.sleep(rest)
