"""A collector: venue adapters near the venue, publishing to NATS; no engine.

It runs the same feeds and supervisors as the single-machine engine (so
resyncs, keep-alives and reconnects happen next to the venue), records every
raw frame and connection event with its receive time as the capture does, and
publishes them in order on ``VW_FEED``. Publishing is decoupled from receiving
by a bounded queue: a slow or absent NATS never stalls a venue socket; a full
queue drops frames, counts them, and the hole in the sequence numbers makes
every engine discard the books those frames fed.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import os
import time
from collections import deque
from typing import Any, Final

import msgspec

from adapters import registry
from adapters.capture import EVENTS, Line
from adapters.feed import Feed, InstrumentState
from adapters.model import Event, FeedStatus
from adapters.supervisor import Supervisor
from tui.bus.frames import (
    RESYNC_ALL,
    BookFrame,
    CollectorHealth,
    RawFrame,
    SupervisorStatus,
    feed_encoder,
    resync_subject,
    subject,
)
from tui.bus.jetstream import clock_offset, connect, ensure_streams
from tui.config import Config

log = logging.getLogger("venuewatch.collector")

QUEUE_MAX: Final = 200_000
BOOK_LEVELS: Final = 10
SUPERVISOR_ONLY: Final = frozenset({"connecting", "silent"})
"""Statuses the engine cannot derive from the raw stream (it sees connect/disconnect lines)."""


def supervisor_only(ev: FeedStatus) -> bool:
    return ev.status in SUPERVISOR_ONLY or (
        ev.status == "disconnected" and ev.reason.startswith("connect failed")
    )


class Collector:
    """Adapters for the configured venues, published under ``vw.<name>.…``."""

    def __init__(
        self,
        config: Config,
        url: str,
        name: str,
        queue_max: int = QUEUE_MAX,
        book_hz: float = 10.0,
        health_s: float = 1.0,
        backoff_base_s: float = 0.5,
    ) -> None:
        self.config = config
        self.url = url
        self.name = name
        self.run = f"{os.getpid():x}-{time.time_ns():x}"
        self.queue: deque[tuple[str, bytes, int]] = deque()
        self.queue_max = queue_max
        self.book_hz = book_hz
        self.health_s = health_s
        self.seq = 0
        self.dropped = 0
        self.published = 0
        self.lag_ms = 0.0
        self.offset = (0, 0)
        self.feeds: dict[str, Feed] = {}
        self.supervisors: dict[str, Supervisor] = {}
        self.settings: dict[str, dict[str, Any]] = {}
        self._dirty: set[tuple[str, str]] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._subs: list[Any] = []
        self._nc: Any = None
        self._js: Any = None
        self._backoff = backoff_base_s

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        self._nc = await connect(self.url, f"venuewatch-collector-{self.name}")
        self._js = self._nc.jetstream()
        await ensure_streams(self._js)
        for vname, vs in self.config.enabled_venues().items():
            venue = registry.load(vs.adapter)(vs)
            feed = Feed(venue, self._on_event)
            feed.listeners.append(self._marker(vname))
            self.feeds[vname] = feed
            settings = msgspec.to_builtins(vs)
            settings["adapter"] = vs.adapter or type(venue).name
            self.settings[vname] = settings
            self.supervisors[vname] = Supervisor(feed, self, backoff_base_s=self._backoff)
        for subj in (RESYNC_ALL, resync_subject(self.name)):
            self._subs.append(await self._nc.subscribe(subj, cb=self._on_resync))
        self._health()  # the first message names the venues before any frame
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._publisher(), name="collector-publish"),
            loop.create_task(self._health_loop(), name="collector-health"),
            loop.create_task(self._book_loop(), name="collector-books"),
        ]
        for sup in self.supervisors.values():
            sup.start()

    async def stop(self) -> None:
        for sup in self.supervisors.values():
            await sup.stop()
        # One drainer at a time: two would publish the same message and skip one.
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._health(stopping=True)
        await self._drain()
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.drain()

    # -- the Recorder protocol (called by supervisors, synchronously) ------------------

    def frame(self, ts: int, venue: str, conn: str, raw: bytes | str) -> None:
        if isinstance(raw, str):
            line = Line(ts, venue, conn, raw=raw)
        else:
            try:
                line = Line(ts, venue, conn, raw=raw.decode("utf-8"))
            except UnicodeDecodeError:
                line = Line(ts, venue, conn, raw_b64=base64.b64encode(raw).decode("ascii"))
        self._raw(line, "")

    def event(self, ts: int, venue: str, conn: str, event: str, **fields: object) -> None:
        if event not in EVENTS:
            raise ValueError(f"unknown capture event {event!r}")
        line = msgspec.convert(
            {"ts": ts, "venue": venue, "conn": conn, "event": event, **fields}, Line
        )
        self._raw(line, line.symbol or "")

    def _raw(self, line: Line, instrument: str) -> None:
        self.seq += 1
        frame = RawFrame(self.name, self.run, self.seq, line)
        self._enqueue(subject(self.name, line.venue, instrument, "raw"), frame, line.ts)

    def _enqueue(self, subj: str, msg: object, ts: int) -> None:
        if len(self.queue) >= self.queue_max:
            # Dropped, but its sequence number is spent: engines see the hole.
            self.dropped += 1
            return
        self.queue.append((subj, feed_encoder.encode(msg), ts))
        self._wake.set()

    # -- feed events -------------------------------------------------------------------

    def _on_event(self, ev: Event) -> None:
        if isinstance(ev, FeedStatus) and supervisor_only(ev):
            self.seq += 1
            msg = SupervisorStatus(self.name, self.run, self.seq, ev)
            self._enqueue(subject(self.name, ev.venue, ev.symbol, "health"), msg, ev.recv_ns)

    def _marker(self, venue: str) -> Any:
        def mark(st: InstrumentState) -> None:
            self._dirty.add((venue, st.symbol))

        return mark

    async def _on_resync(self, msg: Any) -> None:
        """An engine asks for every book afresh: reconnect, so it sees the whole rebuild."""
        log.info("resync requested on %s", msg.subject)
        for sup in self.supervisors.values():
            sup.drop("resync requested by an engine")
        if msg.reply:
            with contextlib.suppress(Exception):
                await msg.respond(self.name.encode())

    # -- publishing ----------------------------------------------------------------------

    async def _publisher(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self._drain()

    async def _drain(self) -> None:
        nc = self._nc
        q = self.queue
        n = 0
        while q:
            # Taken before the await: nats-py buffers the message before it can
            # yield, so a cancelled drain neither loses nor repeats it.
            subj, payload, ts = q.popleft()
            try:
                await nc.publish(subj, payload)
            except Exception as exc:
                # Outbound buffer full while NATS is away: wait for it, keep order.
                q.appendleft((subj, payload, ts))
                log.warning("publish failed, retrying: %s", exc)
                await asyncio.sleep(0.2)
                continue
            self.published += 1
            n += 1
            if n % 512 == 0:
                self.lag_ms = max(self.lag_ms, (time.time_ns() - ts) / 1e6)
                await asyncio.sleep(0)
        if n:
            self.lag_ms = max(self.lag_ms, (time.time_ns() - ts) / 1e6)

    def _health(self, stopping: bool = False) -> None:
        self.seq += 1
        now = time.time_ns()
        oldest = (now - self.queue[0][2]) / 1e6 if self.queue else 0.0
        msg = CollectorHealth(
            self.name,
            self.run,
            self.seq,
            now,
            self.settings,
            bool(self._nc is not None and self._nc.is_connected),
            round(max(self.lag_ms, oldest), 3),
            self.dropped,
            self.offset[0],
            self.offset[1],
            self.published,
            stopping,
        )
        self.lag_ms = 0.0
        # Health jumps the queue's order only in time, never in sequence: it is
        # appended like any frame so the engine's sequence check stays exact.
        self.queue.append((subject(self.name, "_", "_", "health"), feed_encoder.encode(msg), now))
        self._wake.set()

    async def _health_loop(self) -> None:
        while True:
            await asyncio.sleep(self.health_s)
            with contextlib.suppress(Exception):
                self.offset = await asyncio.wait_for(clock_offset(self._js, self.name), 2.0)
            self._health()

    async def _book_loop(self) -> None:
        period = 1.0 / self.book_hz
        while True:
            await asyncio.sleep(period)
            dirty, self._dirty = self._dirty, set()
            for vname, sym in dirty:
                st = self.feeds[vname].instruments[sym]
                book = st.book
                frame = BookFrame(
                    self.name,
                    vname,
                    sym,
                    st.last_update_ns,
                    st.last_seq,
                    st.synced,
                    book.bids.top(BOOK_LEVELS),
                    book.asks.top(BOOK_LEVELS),
                )
                with contextlib.suppress(Exception):
                    await self._nc.publish(
                        subject(self.name, vname, sym, "book"), feed_encoder.encode(frame)
                    )
