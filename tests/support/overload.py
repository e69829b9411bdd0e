"""An engine past its capacity: a slowed book apply while the simulator steps flat out."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from adapters.feed import Feed, InstrumentState
from adapters.simulator import Simulator


def spin(_: InstrumentState) -> None:
    """What an apply costs on a machine that cannot keep up: 2 ms of CPU."""
    end = time.perf_counter() + 0.002
    while time.perf_counter() < end:
        pass


@asynccontextmanager
async def overloaded(sim: Simulator, feed: Feed, venue: str) -> AsyncIterator[None]:
    """Frames arrive far faster than ``feed`` applies them until the block ends; then
    the market goes quiet (no more steps), so the books have a fixed target."""
    blasting = True

    async def blast() -> None:
        while blasting:
            await sim.step(5, [venue])

    feed.listeners.append(spin)
    blaster = asyncio.get_running_loop().create_task(blast())
    try:
        yield
    finally:
        blasting = False
        await blaster
        feed.listeners.remove(spin)
        await sim.stop_running()
