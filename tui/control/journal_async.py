"""The journal for the event loop: one writer thread, appends in call order."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from types import TracebackType

from tui.control.journal_anchor import Anchor
from tui.control.journal_chain import Entry
from tui.control.journal_errors import Health, JournalError
from tui.control.journal_writer import Journal, _now


class AsyncJournal:
    """A Journal for the event loop: appends run on ONE writer thread, in call order.

    ``append`` submits at call time (not when first awaited), so the seq order
    is the order of the calls; the returned future completes after the fsync.
    Cancelling the awaiting task does not withdraw a submitted entry: once asked
    for, an audit entry is written.
    """

    def __init__(self, journal: Journal, executor: ThreadPoolExecutor) -> None:
        self.journal = journal
        self._executor = executor
        self._closed = False

    @classmethod
    async def open(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] = _now,
        anchor_every_s: float = 1.0,
    ) -> AsyncJournal:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal-writer")
        try:
            journal = await asyncio.wrap_future(
                executor.submit(Journal.open, path, clock=clock, anchor_every_s=anchor_every_s)
            )
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(journal, executor)

    def append(self, kind: str, /, **fields: object) -> asyncio.Future[Entry]:
        if self._closed:
            raise JournalError(f"{self.journal.path}: journal is closed")
        done = self._executor.submit(self.journal.append, kind, **fields)
        return asyncio.shield(asyncio.wrap_future(done))

    @property
    def health(self) -> Health:
        return self.journal.health

    async def probe(self) -> Health:
        """Retry a failed journal on the writer thread (in order with appends)."""
        if self._closed:
            return self.journal.health
        return await asyncio.wrap_future(self._executor.submit(self.journal.probe))

    async def checkpoint_anchor(self) -> Anchor:
        return await asyncio.wrap_future(self._executor.submit(self.journal.checkpoint_anchor))

    async def aclose(self) -> None:
        """Close after every entry already submitted has been written."""
        if self._closed:
            return
        self._closed = True
        await asyncio.wrap_future(self._executor.submit(self.journal.close))
        self._executor.shutdown(wait=False)  # idle now: close() was the last job

    async def __aenter__(self) -> AsyncJournal:
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
