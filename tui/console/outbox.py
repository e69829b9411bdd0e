"""One console's outbound side: a bounded, coalescing queue and its writer.

State updates merge into one pending frame (a slow console sees the latest
state, not a backlog); journal entries, alert changes, notes and acks queue in
order, bounded in frames and bytes. A console that exceeds a bound, or does not
take a frame within ``SEND_STALL_S``, is closed with 4008 and the reason, and
its queue is freed at once: a console that stops reading costs bounded memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from typing import Any, Final

import msgspec
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from tui.console import protocol as p

log = logging.getLogger("venuewatch.console")

SEND_STALL_S: Final = 20.0
"""A frame not written to the socket within this closes the console with 4008."""
CLOSE_WAIT_S: Final = 2.0


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    """Per-console bounds (from ``[console]`` in the configuration)."""

    max_outbound_frames: int = 5000
    max_outbound_bytes: int = 8 << 20
    commands_per_s: float = 20.0
    command_burst: int = 40
    max_queued_commands: int = 64


class Outbox:
    def __init__(self, ws: ServerConnection, user: str, limits: Limits) -> None:
        self.ws = ws
        self.user = user
        self.limits = limits
        self.events: deque[bytes] = deque()
        self.queued_bytes = 0
        self.state: p.Update | None = None
        self.held: list[bytes] = []
        """Frames (acks) that go out only after the next state update: see :meth:`hold`."""
        self.wake = asyncio.Event()
        self.closing: str | None = None
        self.writer: asyncio.Task[None] | None = None

    def push_event(self, frame: bytes) -> None:
        if self.closing is not None:
            return
        lim = self.limits
        if len(self.events) >= lim.max_outbound_frames:
            self.close_slow(f"{len(self.events)} frames queued (limit {lim.max_outbound_frames})")
            return
        if self.queued_bytes + len(frame) > lim.max_outbound_bytes:
            self.close_slow(
                f"{self.queued_bytes + len(frame)} bytes queued (limit {lim.max_outbound_bytes})"
            )
            return
        self.events.append(frame)
        self.queued_bytes += len(frame)
        self.wake.set()

    def push_state(self, update: p.Update) -> None:
        # Coalesced: a console that has not taken the last update gets one frame
        # holding both. Updates carry only changed rows, so they are merged (newer
        # rows win), never replaced: a replaced delta would lose its changes.
        if self.closing is not None:
            return
        self.state = update if self.state is None else merge(self.state, update)
        self.wake.set()

    def hold(self, frame: bytes) -> None:
        """Queue ``frame`` behind the next state update pushed here (see :meth:`release`).

        A command's ack waits for the publish that carries its effect: a console
        told "done" while its screen still shows the old state would have the
        responder act on a lie for up to a publish period.
        """
        if self.closing is None:
            self.held.append(frame)

    def release(self) -> None:
        """Send the pending state update, then the held frames, in that order."""
        if not self.held:
            return
        frames, self.held = self.held, []
        if self.state is not None:
            # Into the ordered queue: the writer sends events before the coalesced
            # state, so a state left there would go out after the acks it must precede.
            update, self.state = self.state, None
            self.push_event(p.encode(update))
        for frame in frames:
            self.push_event(frame)

    def close_slow(self, why: str) -> None:
        """Disconnect with 4008 and the reason; free the queue at once."""
        if self.closing is not None:
            return
        reason = f"console too slow: {why}"
        self.closing = reason
        self.events.clear()
        self.queued_bytes = 0
        self.state = None
        self.held.clear()
        log.warning("closing console %s: %s", self.user, reason)
        if self.writer is not None and self.writer is not asyncio.current_task():
            self.writer.cancel()  # it may be stuck in a send the console never reads
        task = asyncio.get_running_loop().create_task(self._close(reason))
        _background.add(task)
        task.add_done_callback(_background.discard)

    async def _close(self, reason: str) -> None:
        # The close frame queues behind what the console has not read; a console that
        # reads again gets the reason, one that never does is cut off after CLOSE_WAIT_S
        # (websockets' own close would wait for the send buffer to drain, i.e. forever).
        try:
            await asyncio.wait_for(self.ws.close(4008, reason[:120]), CLOSE_WAIT_S)
        except Exception:
            self.ws.transport.abort()

    async def _send(self, data: bytes) -> None:
        try:
            await asyncio.wait_for(self.ws.send(data), SEND_STALL_S)
        except TimeoutError:
            self.close_slow(f"a frame waited over {SEND_STALL_S:g}s to be sent")
            raise

    async def run(self) -> None:
        with contextlib.suppress(TimeoutError, ConnectionClosed):
            while self.closing is None:
                await self.wake.wait()
                self.wake.clear()
                while self.events and self.closing is None:
                    data = self.events.popleft()
                    self.queued_bytes -= len(data)
                    await self._send(data)
                if self.state is not None and self.closing is None:
                    update, self.state = self.state, None
                    await self._send(p.encode(update))


_background: set[asyncio.Task[None]] = set()


def _merge_rows(old: list[Any], new: list[Any], key: Callable[[Any], object]) -> list[Any]:
    rows = {key(r): r for r in old}
    rows.update((key(r), r) for r in new)
    return list(rows.values())


def merge(old: p.Update, new: p.Update) -> p.Update:
    """One update with the changes of both (``new`` wins where both touch a row)."""
    return p.Update(
        ts_ns=new.ts_ns,
        venues=_merge_rows(old.venues, new.venues, lambda r: r.name),
        instruments=_merge_rows(old.instruments, new.instruments, lambda r: (r.venue, r.symbol)),
        consensus=_merge_rows(old.consensus, new.consensus, lambda r: r.instrument),
        routes=_merge_rows(old.routes, new.routes, lambda r: r.name),
        breakers=_merge_rows(old.breakers, new.breakers, lambda r: r.name),
        alerts=new.alerts if new.alerts is not None else old.alerts,
        engine=new.engine if new.engine is not None else old.engine,
    )
