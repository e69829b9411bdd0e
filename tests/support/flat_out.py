"""A venue in another process writing its whole stream flat out, and our reader on it.

The venue is the bench's pusher (:mod:`tui.bench.pusher`): pre-generated
Binance diffs, written as pre-encoded websocket frames in megabyte chunks, so
it writes far faster than any Python reader applies (a memcpy a frame against
a decode and a book update). Whatever the machine, the reader falls behind and
the backlog piles up in the kernel. Its REST snapshot follows the stream, and
it reports the books a correct client ends with.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import msgspec

from adapters.feed import Feed
from adapters.supervisor import Supervisor
from adapters.venue import VenueSettings
from tui.bench.e2e import read_json, start_pusher, stop_pusher
from tui.bench.frames import adapter_for

CASE = "binance-5"


@dataclass
class FlatOut:
    feed: Feed
    sup: Supervisor
    pushed: asyncio.Task[dict[str, Any]]
    """The venue's report once it has written everything (books a correct client holds)."""

    async def wait_for(self, cond: Callable[[], Any], timeout: float, what: str) -> None:
        """Until ``cond()``; the reader's state changes with every frame, so it is polled
        (a bounded wait on a condition, not a sleep standing in for one)."""
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.01)

    def exact(self) -> bool:
        """Every book synced, none lagging, equal to the venue's at its last sequence."""
        if not self.pushed.done():
            return False
        report = self.pushed.result()
        for sym, (bids, asks) in report["expected"].items():
            st = self.feed.instruments[sym]
            want = (dict(bids), dict(asks))
            if st.lagging or not st.synced or st.book.levels() != want:
                return False
            seq = report["seqs"].get(sym)
            if seq is not None and st.last_seq != seq:
                return False
        return True


@asynccontextmanager
async def flat_out(
    frames: int, transport: str, lag_settings: dict[str, float], seed: int = 3
) -> AsyncIterator[FlatOut]:
    proc = await start_pusher(CASE, frames, seed)
    sup: Supervisor | None = None
    try:
        ready = await read_json(proc, 60.0)
        settings = msgspec.convert(ready["settings"], VenueSettings)
        feed = Feed(adapter_for(settings, ready["venue"]))
        sup = Supervisor(
            feed, rng=random.Random(seed), transport=transport, lag_settings=lag_settings
        )
        pushed = asyncio.create_task(read_json(proc, 120.0))
        sup.start()
        yield FlatOut(feed, sup, pushed)
    finally:
        if sup is not None:
            await sup.stop()
        await stop_pusher(proc)
