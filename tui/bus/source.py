"""The engine's event source over NATS: a durable JetStream consumer into a Mirror.

:class:`tui.service.Service` takes this instead of local supervisors; the
engine, controls, journal and console server are unchanged. The durable
consumer means a restarted engine is handed every message after the last one
it acknowledged; its books start empty (they lived in memory), so on start it
asks every collector to resync, and the rebuild arrives through the stream
like any other frame — explicit, never a silently wrong book.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, Final

import msgspec

from adapters.feed import Feed
from adapters.model import Event
from tui.bus.frames import FEED_STREAM, FEED_SUBJECTS, RESYNC_ALL, feed_decoder, resync_subject
from tui.bus.jetstream import clock_offset, connect, ensure_streams
from tui.bus.mirror import Mirror

log = logging.getLogger("venuewatch.source")

BATCH: Final = 2000
CHECK_S: Final = 0.25


class NatsSource:
    def __init__(self, url: str, durable: str = "venuewatch-engine", batch: int = BATCH) -> None:
        self.url = url
        self.durable = durable
        self.batch = batch
        self.mirror = Mirror()
        self.feeds: dict[str, Feed] = self.mirror.feeds
        self.undecodable = 0
        self.resync_requests = 0
        self.caught_up = asyncio.Event()
        """Set once a fetch comes back empty: the backlog has been applied."""
        self._nc: Any = None
        self._js: Any = None
        self._sub: Any = None
        self._tasks: list[asyncio.Task[None]] = []

    def bind(self, emit: Callable[[Event], None]) -> None:
        self.mirror.emit = emit

    async def connect(self) -> None:
        """Connect and bind the durable consumer (raises BusError, one line)."""
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        self._nc = await connect(self.url, f"venuewatch-engine-{self.durable}")
        self._js = self._nc.jetstream()
        await ensure_streams(self._js)
        config = ConsumerConfig(
            ack_policy=AckPolicy.ALL,
            filter_subjects=list(FEED_SUBJECTS),
            max_ack_pending=-1,
            ack_wait=30.0,
        )
        resume = await self._ack_floor()
        if resume is not None:
            config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
            config.opt_start_seq = resume
        self._sub = await self._js.pull_subscribe(
            "", durable=self.durable, stream=FEED_STREAM, config=config
        )

    async def _ack_floor(self) -> int | None:
        """Where to resume when the durable has delivered more than was acknowledged.

        A pull that was in flight when the engine died leaves messages delivered
        but unacknowledged; the server would redeliver them only after
        ``ack_wait``, and with cumulative acks the next acknowledgement would
        cover them unseen. Recreating the durable at its ack floor + 1 hands
        them over again first, so a restart resumes with no hole.
        """
        from nats.js.errors import NotFoundError

        try:
            info = await self._js.consumer_info(FEED_STREAM, self.durable)
        except NotFoundError:
            return None
        floor = info.ack_floor.stream_seq if info.ack_floor else 0
        delivered = info.delivered.stream_seq if info.delivered else 0
        if delivered <= floor:
            return None
        await self._js.delete_consumer(FEED_STREAM, self.durable)
        log.info("durable %s resumes at %d (ack floor)", self.durable, floor + 1)
        return int(floor) + 1

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._consume(), name="nats-consume"),
            loop.create_task(self._watch(), name="nats-watch"),
        ]

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()

    async def request_resync(self, collector: str | None = None) -> None:
        subj = RESYNC_ALL if collector is None else resync_subject(collector)
        self.resync_requests += 1
        with contextlib.suppress(Exception):
            await self._nc.publish(subj, b"")
            await self._nc.flush(1.0)

    async def _consume(self) -> None:
        import nats.errors

        mirror = self.mirror
        decode = feed_decoder.decode
        while True:
            try:
                msgs = await self._sub.fetch(self.batch, timeout=0.5)
            except (nats.errors.TimeoutError, TimeoutError):
                self.caught_up.set()
                continue
            except Exception as exc:  # NATS away: the client reconnects; try again
                log.warning("fetch failed: %s", exc)
                await asyncio.sleep(0.2)
                continue
            for m in msgs:
                try:
                    msg = decode(m.data)
                except msgspec.DecodeError:
                    self.undecodable += 1
                    continue
                mirror.apply(msg)
            with contextlib.suppress(Exception):
                await msgs[-1].ack()
            if len(msgs) < self.batch:
                self.caught_up.set()

    async def _watch(self) -> None:
        # Books the engine holds in memory are gone after a restart: ask for them now.
        await self.request_resync()
        ticks = 0
        while True:
            await asyncio.sleep(CHECK_S)
            ticks += 1
            self.mirror.check()
            while self.mirror.needs_resync:
                await self.request_resync(self.mirror.needs_resync.pop())
            if ticks % 4 == 1:
                with contextlib.suppress(Exception):
                    off, _ = await asyncio.wait_for(clock_offset(self._js, self.durable), 2.0)
                    self.mirror.own_offset_ns = off
