"""The connection supervisor: all of a venue's I/O, shared by every venue.

For each connection it connects, subscribes, keeps the connection alive
(websocket pings are answered by the library; application keep-alives and
heartbeat answers are sent here), watches for silence, carries out the feed's
resync actions (REST snapshot or resubscribe), and reconnects with capped,
fully jittered exponential backoff. Every one of those events is counted and
reported as a :class:`~adapters.model.FeedStatus`.

Venue data never raises out of here: parsing is the session's job and it turns
bad frames into events; the loop only ends on :meth:`Supervisor.stop`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import urllib.error
import urllib.request
from typing import Final, Protocol

import msgspec

from adapters.backoff import Backoff
from adapters.feed import Action, Feed
from adapters.lag import BEHIND_BYTES, PRIORITY, RECOVER, SHED, SLICE_S, LagGovernor
from adapters.model import FeedStatus, ParseError, excerpt
from adapters.tasks import spawn
from adapters.transport import Closed, ConnectFailed, Connection, Options, choose, connect
from adapters.venue import ProtocolError, Session

log = logging.getLogger("venuewatch.supervisor")

WATCHDOG_S: Final = 0.25
RESYNC_TIMEOUT_S: Final = 15.0
"""A book not rebuilt within this long after a resync request forces a reconnect."""
STOP_WAIT_S: Final = 2.0
"""How long a stop waits for a connection's task to end after cancelling it."""
HEALTHY_AFTER_S: Final = 10.0
"""A connection up this long resets the backoff."""
SNAPSHOT_CONCURRENCY: Final = 4
MAX_FRAME_BYTES: Final = 64 * 1024 * 1024


class Recorder(Protocol):
    """Where raw frames go when a capture is running (see :mod:`adapters.capture`)."""

    def frame(self, ts: int, venue: str, conn: str, raw: bytes | str) -> None: ...

    def event(self, ts: int, venue: str, conn: str, event: str, **fields: object) -> None: ...


def http_get(url: str, timeout: float) -> bytes:
    """A blocking GET (run in a thread). Raises ProtocolError on any failure."""
    req = urllib.request.Request(url, headers={"User-Agent": "venuewatch"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body: bytes = resp.read()
            return body
    except urllib.error.HTTPError as exc:
        body = exc.read()[:300]
        raise ProtocolError(f"HTTP {exc.code} from {url}: {excerpt(body)}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise ProtocolError(f"GET {url} failed: {exc}") from None


class Supervisor:
    """Runs every connection of one venue until stopped."""

    def __init__(
        self,
        feed: Feed,
        recorder: Recorder | None = None,
        backoff_base_s: float = 0.5,
        backoff_cap_s: float = 30.0,
        rng: random.Random | None = None,
        resync_timeout_s: float = RESYNC_TIMEOUT_S,
        transport: str | None = None,
        lag_settings: dict[str, float] | None = None,
    ) -> None:
        self.feed = feed
        self.venue = feed.venue
        self.recorder = recorder
        self.rng = rng or random.Random()
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.resync_timeout_s = resync_timeout_s
        self.lag_settings = lag_settings or {}
        """Overrides for :class:`~adapters.lag.LagGovernor` (tests shed sooner)."""
        self.governors: dict[str, LagGovernor] = {}
        """Each live connection's overload state."""
        self.delays: list[float] = []
        """Every reconnect delay drawn, in order (for reports and tests)."""
        self.reconnects = 0
        self.transport = choose(transport)
        """The websocket client carrying this venue's frames (see :mod:`adapters.transport`)."""
        self._options = Options(max_size=MAX_FRAME_BYTES)
        self.connected: dict[str, Connection] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._snapshot_slots = asyncio.Semaphore(SNAPSHOT_CONCURRENCY)
        self._stopping = False
        self._seq = 0

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        for i, (url, symbols) in enumerate(self.venue.connections()):
            name = f"{self.venue.name}-{i + 1}"
            self._tasks.append(asyncio.create_task(self._run(name, url, symbols), name=name))

    async def stop(self) -> None:
        self._stopping = True
        for ws in list(self.connected.values()):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 1.0)
        for t in self._tasks:
            t.cancel()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=STOP_WAIT_S)
            if late:
                # A cancellation can be lost when it lands as a connect completes
                # (asyncio.wait_for on Python 3.11 returns the result instead): that
                # connection is open now and would be read until the venue closes it.
                for ws in list(self.connected.values()):
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(ws.close(), 1.0)
                for t in late:
                    t.cancel()
                await asyncio.wait(late, timeout=STOP_WAIT_S)
        for t in self._tasks:
            if t.done() and not t.cancelled() and (exc := t.exception()) is not None:
                log.warning("%s ended with %s: %s", t.get_name(), type(exc).__name__, exc)
        self._tasks.clear()

    def drop(self, reason: str = "dropped by request") -> None:
        """Close every connection now (they reconnect by the usual rules)."""
        for ws in list(self.connected.values()):
            spawn(ws.close(1001, reason[:120]), f"{self.venue.name}: drop")

    # -- one connection ------------------------------------------------------------------

    async def _run(self, name: str, url: str, symbols: list[str]) -> None:
        backoff = Backoff(self.backoff_base_s, self.backoff_cap_s, self.rng)
        while not self._stopping:
            self._seq += 1
            conn = f"{name}#{self._seq}"
            started = time.monotonic()
            reason = await self._session(conn, url, symbols)
            if self._stopping:
                return
            self.reconnects += 1
            if time.monotonic() - started >= HEALTHY_AFTER_S:
                backoff.reset()
            delay = backoff.next_delay()
            self.delays.append(delay)
            self._status(conn, "connecting", reason=f"{reason}; reconnecting in {delay:.2f}s")
            await asyncio.sleep(delay)

    async def _session(self, conn: str, url: str, symbols: list[str]) -> str:
        """One connection's life; returns why it ended."""
        feed = self.feed
        venue = self.venue
        self._status(conn, "connecting", reason=url)
        try:
            ws = await connect(url, self._options, self.transport)
        except ConnectFailed as exc:
            reason = f"connect failed: {exc}"
            self._status(conn, "disconnected", reason=reason)
            return reason
        if self._stopping:  # stopped while connecting (see stop): hang up at once
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 1.0)
            return "stopped"
        self.connected[conn] = ws
        session = venue.new_session(conn)
        now_ns, now_mono = time.time_ns(), time.monotonic_ns()
        if self.recorder is not None:
            settings = msgspec.to_builtins(venue.settings)
            settings["adapter"] = venue.settings.adapter or type(venue).name
            self.recorder.event(
                now_ns, venue.name, conn, "connect", url=url, symbols=symbols, settings=settings
            )
        clock = _LastFrame(now_mono)
        feed.start_connection(conn, symbols, now_ns, now_mono)
        helpers: list[asyncio.Task[None]] = []
        reason = "closed"
        try:
            for frame in venue.subscribe_frames(symbols):
                await ws.send(frame)
            helpers.append(asyncio.create_task(self._watchdog(conn, ws, clock)))
            if venue.keepalive_interval_s > 0:
                helpers.append(asyncio.create_task(self._keepalive(ws)))
            await self._act(ws)
            reason = await self._read(conn, ws, session, clock)
        except Closed as exc:
            reason = str(exc)
        except (OSError, TimeoutError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
        finally:
            for h in helpers:
                h.cancel()
            self.connected.pop(conn, None)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 1.0)
            if ws.close_reason and reason == "closed":
                reason = ws.close_reason
            now_ns, now_mono = time.time_ns(), time.monotonic_ns()
            if self.recorder is not None:
                self.recorder.event(now_ns, venue.name, conn, "disconnect", reason=reason)
            feed.end_connection(conn, reason, now_ns, now_mono)
        return reason

    async def _read(self, conn: str, ws: Connection, session: Session, clock: _LastFrame) -> str:
        """Receive, apply and yield: see :mod:`adapters.lag` for the overload rules.

        Frames come a batch at a time (whatever one wake-up found queued); the
        slice may end mid-batch, and the rest of the batch is then still behind.
        """
        feed = self.feed
        on_frame = feed.on_frame
        recorder = self.recorder
        name = self.venue.name
        time_ns = time.time_ns
        mono_ns = time.monotonic_ns
        take = ws.take
        pending = ws.pending
        unread = ws.unread
        gov = self.governors[conn] = LagGovernor(**self.lag_settings)
        slice_ns = int(SLICE_S * 1e9)
        slice_start = 0
        answer = self.venue.must_answer
        answer_s = answer.decode()
        # Shed frames can go uncounted one by one only if none needs a look (an answer
        # the venue waits for) or a record (a capture keeps every frame).
        bulk_shed = not answer and recorder is None
        dropped = ws.dropped
        seen = dropped()
        try:
            while True:
                batch = await take()
                n = len(batch)
                i = 0
                if (gone := dropped() - seen) > 0:
                    # Counted by the client while shedding (see Connection.drop).
                    seen += gone
                    recv_mono = clock.mono = mono_ns()
                    gov.shed(gone)
                    feed.shed(recv_mono, gone)
                while i < n:
                    if bulk_shed and gov.shedding:
                        # Dropped unparsed, the rest of the batch at once: a count.
                        recv_mono = clock.mono = mono_ns()
                        gov.shed(n - i)
                        feed.shed(recv_mono, n - i)
                        i = n
                    else:
                        frame = batch[i]
                        i += 1
                        recv_ns = time_ns()
                        recv_mono = clock.mono = mono_ns()
                        if recorder is not None:
                            recorder.frame(recv_ns, name, conn, frame)
                        if gov.shedding:
                            gov.shed()  # an arrival either way; never a sample of the cost
                            if answer and (
                                answer in frame if isinstance(frame, bytes) else answer_s in frame
                            ):
                                on_frame(session, frame, recv_ns, recv_mono)
                                if feed.actions or feed.outbox:
                                    stop = await self._act(ws)
                                    if stop:
                                        return stop
                            else:
                                feed.shed(recv_mono)
                        else:
                            on_frame(session, frame, recv_ns, recv_mono)
                            gov.applied(mono_ns() - recv_mono)
                            if feed.actions or feed.outbox:
                                stop = await self._act(ws)
                                if stop:
                                    return stop
                    if not slice_start:
                        slice_start = recv_mono
                    elif recv_mono - slice_start >= slice_ns:
                        # The slice is used up: give controls, the journal and the
                        # consoles their turn, whatever is still queued.
                        gov.held = n - i
                        stop = await self._govern(conn, ws, gov)
                        if stop:
                            return stop
                        await PRIORITY.turn()
                        gov.held = 0
                        slice_start = 0
                if not pending():
                    # The next take waits, and the loop runs meanwhile; but an empty
                    # queue is caught up only if the kernel holds no backlog either.
                    if unread() <= BEHIND_BYTES:
                        gov.caught_up()
                    slice_start = 0
        finally:
            self.governors.pop(conn, None)

    async def _govern(self, conn: str, ws: Connection, gov: LagGovernor) -> str:
        """Start or stop shedding on ``conn`` as the governor says."""
        now = time.monotonic_ns()
        lag_s = gov.lag_s(now)
        queued, unread = gov.held + ws.pending(), ws.unread()
        verdict = gov.observe(now, queued or int(unread > BEHIND_BYTES))
        if verdict == SHED:
            reason = (
                f"{queued} frames queued and {unread} bytes unread, "
                f"behind for {lag_s:.1f}s: shedding"
            )
            self.feed.start_shedding(conn, reason, time.time_ns(), now)
            # Frames the reader would only count can be counted by the client, uncopied;
            # not when one may need an answer, or a capture keeps them all.
            if not self.venue.must_answer and self.recorder is None:
                ws.drop(True)
        elif verdict == RECOVER:
            ws.drop(False)
            why = f"caught up ({self.feed.shed_frames} frames shed on this venue so far)"
            self.feed.stop_shedding(conn, why, time.time_ns(), now)
            return await self._act(ws)
        return ""

    async def _act(self, ws: Connection) -> str:
        """Carry out the feed's queued actions; a non-empty result ends the connection."""
        feed = self.feed
        while feed.outbox:
            _, frame = feed.outbox.pop(0)
            await ws.send(frame)
        for action in feed.take_actions():
            if action.kind == Action.SNAPSHOT:
                spawn(self._snapshot(action), f"{self.venue.name}: snapshot {action.symbol}")
            elif action.kind == Action.RESUBSCRIBE:
                for frame in self.venue.resubscribe_frames(action.symbol):
                    await ws.send(frame)
            elif action.kind == Action.RECONNECT:
                return action.reason
        return ""

    async def _snapshot(self, action: Action) -> None:
        """Fetch an out-of-band snapshot and hand it to the feed."""
        venue = self.venue
        url = venue.snapshot_request(action.symbol)
        async with self._snapshot_slots:
            try:
                body = await asyncio.to_thread(http_get, url, 10.0)
            except ProtocolError as exc:
                self._snapshot_failed(action, str(exc))
                return
        recv_ns, recv_mono = time.time_ns(), time.monotonic_ns()
        if action.conn not in self.connected:
            return  # the connection this snapshot was for is gone
        if self.recorder is not None:
            self.recorder.event(
                recv_ns,
                venue.name,
                action.conn,
                "snapshot",
                symbol=action.symbol,
                raw=body.decode("utf-8", "replace"),
            )
        try:
            snap = venue.parse_snapshot(action.symbol, body, recv_ns, recv_mono)
        except ProtocolError as exc:
            self._snapshot_failed(action, str(exc))
            return
        st = self.feed.instruments.get(action.symbol)
        if st is None or st.conn != action.conn or st.synced or not st.buffering:
            return  # superseded by a newer resync or a reconnect
        self.feed.on_snapshot(snap)
        ws = self.connected.get(action.conn)
        if ws is not None and (self.feed.actions or self.feed.outbox):
            reason = await self._act(ws)
            if reason:
                await ws.close(1000, reason[:120])

    def _snapshot_failed(self, action: Action, reason: str) -> None:
        now_ns, now_mono = time.time_ns(), time.monotonic_ns()
        self.feed.emit(
            ParseError(
                self.venue.name,
                action.conn,
                now_ns,
                now_mono,
                f"snapshot for {action.symbol} failed: {reason}",
                "",
                action.symbol,
            )
        )
        # The watchdog's resync timeout turns a snapshot that never comes into a
        # reconnect, which retries with backoff.

    async def _keepalive(self, ws: Connection) -> None:
        frame = self.venue.keepalive_frame()
        if frame is None:
            return
        interval = self.venue.keepalive_interval_s
        while True:
            await asyncio.sleep(interval)
            await ws.send(frame)

    async def _watchdog(self, conn: str, ws: Connection, clock: _LastFrame) -> None:
        feed = self.feed
        silence_ns = int(self.venue.silence_timeout_s * 1e9)
        resync_ns = int(self.resync_timeout_s * 1e9)
        while True:
            await asyncio.sleep(WATCHDOG_S)
            now = time.monotonic_ns()
            quiet = now - clock.mono
            if quiet > silence_ns:
                self._status(conn, "silent", reason=f"no frame for {quiet / 1e9:.1f}s")
                await ws.close(4000, "silent")
                return
            gov = self.governors.get(conn)
            if gov is not None:
                # The reader only judges while frames flow; once they stop, this does.
                reason = await self._govern(conn, ws, gov)
                if reason:
                    await ws.close(1000, reason[:120])
                    return
            for st in feed.instruments.values():
                if (
                    st.conn == conn
                    and not st.synced
                    and not st.lagging  # resynced once its connection catches up
                    and now - st.resync_since_mono > resync_ns
                ):
                    await ws.close(4001, f"{st.symbol} not resynced in {self.resync_timeout_s}s")
                    return

    def _status(self, conn: str, status: str, symbol: str = "", reason: str = "") -> None:
        self.feed.emit(
            FeedStatus(
                self.venue.name, conn, time.time_ns(), time.monotonic_ns(), status, symbol, reason
            )
        )


class _LastFrame:
    """When this connection last delivered a frame (monotonic ns)."""

    __slots__ = ("mono",)

    def __init__(self, mono: int) -> None:
        self.mono = mono
