"""A simulator with real adapters attached over loopback websockets.

Waiting is event-driven: every book update and every feed event wakes the
waiter, which re-checks its condition; a deadline turns a hang into a clear
failure. Nothing sleeps to synchronise.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterable
from typing import Any

from adapters import registry
from adapters.feed import Feed, InstrumentState
from adapters.model import Event, FeedStatus
from adapters.simulator import Simulator
from adapters.simulator.catalogue import DEFAULT_VENUES, InstrumentSpec
from adapters.supervisor import Supervisor

from support.waiting import wait_until


class Rig:
    def __init__(
        self,
        venues: Iterable[str] | None = None,
        seed: int = 3,
        spec: dict[str, list[InstrumentSpec]] | None = None,
        backoff_base_s: float = 0.05,
        backoff_cap_s: float = 0.4,
        transport: str | None = None,
        **settings: Any,
    ) -> None:
        names = list(venues) if venues is not None else list(DEFAULT_VENUES)
        spec = spec or {n: DEFAULT_VENUES[n] for n in names}
        self.sim = Simulator(spec, seed=seed)
        self.settings = settings
        self.backoff = (backoff_base_s, backoff_cap_s)
        self.transport = transport
        """The websocket client the supervisors use (None: the default, see adapters.transport)."""
        self.feeds: dict[str, Feed] = {}
        self.sups: dict[str, Supervisor] = {}
        self.events: list[Event] = []
        self._wake = asyncio.Event()

    async def __aenter__(self) -> Rig:
        await self.sim.start()
        for name in self.sim.venues:
            s = self.sim.settings(name, **self.settings)
            venue = registry.load(s.adapter or name)(s)
            feed = Feed(venue, self._on_event)
            feed.listeners.append(self._on_update)
            sup = Supervisor(
                feed,
                backoff_base_s=self.backoff[0],
                backoff_cap_s=self.backoff[1],
                rng=random.Random(11),
                transport=self.transport,
            )
            self.feeds[name] = feed
            self.sups[name] = sup
            sup.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for sup in self.sups.values():
            await sup.stop()
        await self.sim.stop()

    def _on_event(self, ev: Event) -> None:
        self.events.append(ev)
        self._wake.set()

    def _on_update(self, st: InstrumentState) -> None:
        self._wake.set()

    async def wait_for(
        self, cond: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
    ) -> None:
        # Re-checked every 0.25 s too: conditions on wall time (silence) need no event.
        await wait_until(
            cond,
            self._wake,
            timeout,
            lambda: f"timed out after {timeout}s waiting for {what}\n" + self.describe(),
            recheck_s=0.25,
        )

    def synced(self) -> bool:
        return all(st.synced for f in self.feeds.values() for st in f.instruments.values())

    def exact(self, venue: str | None = None) -> bool:
        names = [venue] if venue else list(self.feeds)
        for n in names:
            sv = self.sim.venues[n]
            for sym, st in self.feeds[n].instruments.items():
                if not st.synced or st.book.levels() != sv.expected_book(sym):
                    return False
                seq = sv.expected_seq(sym)
                if seq is not None and st.last_seq != seq:
                    return False
        return True

    async def settle(self, venue: str | None = None, timeout: float = 10.0) -> None:
        await self.wait_for(lambda: self.exact(venue), timeout, f"exact books ({venue or 'all'})")

    def st(self, venue: str, symbol: str | None = None) -> InstrumentState:
        f = self.feeds[venue]
        return f.instruments[symbol or next(iter(f.instruments))]

    def statuses(self, venue: str, status: str) -> list[FeedStatus]:
        return [
            e
            for e in self.events
            if isinstance(e, FeedStatus) and e.venue == venue and e.status == status
        ]

    def describe(self) -> str:
        lines = []
        for n, f in self.feeds.items():
            for sym, st in f.instruments.items():
                exp = self.sim.venues[n].expected_book(sym)
                lines.append(
                    f"  {n} {sym}: synced={st.synced} exact={st.book.levels() == exp} "
                    f"seq={st.last_seq}/{self.sim.venues[n].expected_seq(sym)} "
                    f"updates={st.updates} gaps={st.gaps} cks={st.checksum_ok}/"
                    f"{st.checksum_failures} resyncs={st.resyncs} crossed={st.crossed} "
                    f"reason={st.resync_reason!r}"
                )
        return "\n".join(lines)
