"""When a connection's frames arrive faster than its books can take them: shed, then resync.

Why this shape (and not an ingest thread or process)
----------------------------------------------------
Everything in the engine shares one asyncio loop, and ``await ws.recv()`` on
data already buffered returns without yielding. Under overload the reader
therefore never gave the loop back, and a responder's command (console →
controller → journal fsync → ack → screen) queued behind frames. Three things
fix that here, on the same loop, with no shared-state hazards:

* **Time slices.** The supervisor's reader yields to the loop after
  :data:`SLICE_S` of continuous work, so controls, journal completions and
  console publishing run at least that often whatever the venues send.
  A command's path is a handful of loop hops, so it waits a few slices,
  not behind the backlog.
* **Commands first.** While a command is being carried out (journalled,
  applied, acknowledged), readers do not start another slice (:data:`PRIORITY`,
  held by the controller; at most :data:`MAX_HOLD_S`), so on a starved CPU the
  engine spends its turns on the command's hops, not on frames.
* **Shedding.** If a connection stays behind (see *Behind* below)
  for :data:`SHED_AFTER_S`, the governor says *shed*: the feed marks every book
  on that connection **lagging** (book cleared, so a lagging book is never shown
  as current; health and the ``book-lagging`` alert say so) and the reader drops
  frames unparsed (a counter increment, no decode) until the backlog has
  cleared *and* the arrival rate is one the books can take (rate × measured
  apply cost ≤ :data:`RECOVER_DUTY`). Then it says *recover*: the feed resyncs
  every lagging book through the venue's usual machinery (REST snapshot or
  resubscribe), which makes them exact again.

Behind
------
A connection is *behind* when frames wait in its client's queue
(``Connection.pending()``) or in the reader's hands (a batch its slice cut,
:attr:`LagGovernor.held`), **or** when that queue is empty but the kernel
still holds more than :data:`BEHIND_BYTES` it has not read
(``Connection.unread()``: one ``ioctl(FIONREAD)`` on the socket, asked only
when the queue is empty). It is *caught up* only when both are low. The
kernel's count is what makes the rule true under real overload: the client
stops reading at its queue bound (``max_queue``), so the backlog lives in the
kernel (and the venue's send buffer), and the client's queue empties every
time the reader drains what one read brought. Judged by the queue alone, an
engine megabytes behind looked caught up several times a second and never
shed; the venue's delivered rate then sank to what the engine applied. The
threshold is one capped read's worth (the picows transport reads at most
:data:`~adapters.transport_picows.READ_BYTES` at a time; asyncio's reads under
``websockets`` are at most 256 KiB): an engine that keeps up leaves in the
kernel only what arrived while it applied the last read, less than a read.
Both transports report both counts, so the rule does not depend on the client.

Each connection's reader has its own slice, so with several saturated
connections one loop turn is up to a slice per connection (the gate keeps them
all off the loop while a command is being carried out).

A separate ingest thread would still share the GIL and the feeds' books with
the engine's tick (a data race on every book read), and a separate ingest
process means moving books across a process boundary — both far riskier than a
cooperative slice and a cheap discard. Frames wait in the websocket client's
bounded queue (``max_queue``) and then in the kernel: the venue sees
backpressure, never an unbounded buffer in our process.

The governor is pure state (no I/O, no clock of its own), so its rules are
tested with Hypothesis by feeding it times and queue lengths.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Final

NS: Final = 1_000_000_000
SLICE_S: Final = 0.002
"""The reader yields to the loop after this long of continuous frame work."""
SHED_AFTER_S: Final = 0.5
"""Behind (receive queue never empty) this long: start shedding."""
MIN_SHED_S: Final = 0.25
"""Shed at least this long: one resync per episode, not one per burst."""
WINDOW_S: Final = 0.25
"""Arrival rate and apply cost are measured over windows this long."""
RECOVER_DUTY: Final = 0.5
"""Stop shedding only if the arrivals would take at most this share of the loop."""

BEHIND_BYTES: Final = 64 * 1024
"""With the client's queue empty, more unread bytes than this in the kernel is still behind."""

NEVER_S: Final = 1e9
"""A ``shed_after_s`` at least this large means never shed."""

MAX_HOLD_S: Final = 0.25
"""Readers wait for a command at most this long (a stuck command never stops ingest)."""

SHED: Final = "shed"
RECOVER: Final = "recover"


class LagGovernor:
    """One connection's overload state: applying (normal) or shedding.

    The reader calls :meth:`applied` / :meth:`shed` per frame (counters only)
    and :meth:`observe` at every slice boundary and on the watchdog's tick,
    with how much is waiting (any positive count is behind: see *Behind* above).
    """

    __slots__ = (
        "behind_since",
        "busy_ns",
        "cost_ns",
        "episodes",
        "held",
        "min_shed_ns",
        "rate",
        "recover_duty",
        "shed_after_ns",
        "shed_since",
        "shedding",
        "win_applied",
        "win_frames",
        "win_start",
    )

    def __init__(
        self,
        shed_after_s: float = SHED_AFTER_S,
        min_shed_s: float = MIN_SHED_S,
        recover_duty: float = RECOVER_DUTY,
    ) -> None:
        # An infinite threshold never sheds (a bench measuring the ceiling).
        self.shed_after_ns = int(shed_after_s * NS) if shed_after_s < NEVER_S else 1 << 62
        self.min_shed_ns = int(min_shed_s * NS)
        self.recover_duty = recover_duty
        self.shedding = False
        self.behind_since = 0
        """Monotonic ns since which the queue has not been seen empty (0: caught up)."""
        self.shed_since = 0
        self.episodes = 0
        self.held = 0
        """Frames the reader has taken from the client but not handled yet (a batch
        cut by its slice): still behind, though no longer in the client's queue."""
        self.win_start = 0
        self.win_frames = 0
        self.win_applied = 0
        self.busy_ns = 0
        self.rate = 0.0
        """Frames a second that arrived over the last full window."""
        self.cost_ns = 0.0
        """What applying one frame costs (ns), measured while applying."""

    def applied(self, busy_ns: int) -> None:
        """A frame was parsed and applied, taking ``busy_ns``."""
        self.win_frames += 1
        self.win_applied += 1
        self.busy_ns += busy_ns

    def shed(self, n: int = 1) -> None:
        """``n`` frames were dropped unparsed."""
        self.win_frames += n

    def caught_up(self) -> None:
        """The receive queue is empty: whatever lag there was is gone."""
        self.behind_since = 0

    def observe(self, now: int, pending: int) -> str:
        """The reader's verdict now: :data:`SHED`, :data:`RECOVER` or ``""``."""
        self._roll(now)
        if pending > 0:
            if not self.behind_since:
                self.behind_since = now
        else:
            self.behind_since = 0
        if not self.shedding:
            if self.behind_since and now - self.behind_since >= self.shed_after_ns:
                self.shedding = True
                self.shed_since = now
                self.episodes += 1
                return SHED
            return ""
        if pending or now - self.shed_since < self.min_shed_ns:
            return ""
        if self.rate * self.cost_ns / NS > self.recover_duty:
            return ""  # caught up only because discarding is cheap: applying would fall behind
        self.shedding = False
        self.behind_since = 0
        return RECOVER

    def lag_s(self, now: int) -> float:
        """How long the connection has been behind (0 when caught up)."""
        return (now - self.behind_since) / NS if self.behind_since else 0.0

    def _roll(self, now: int) -> None:
        if not self.win_start:
            self.win_start = now
            return
        span = now - self.win_start
        if span < WINDOW_S * NS:
            return
        self.rate = self.win_frames * NS / span
        if self.win_applied >= 16:
            self.cost_ns = self.busy_ns / self.win_applied
        self.win_start = now
        self.win_frames = self.win_applied = self.busy_ns = 0


class Priority:
    """Commands ahead of frames: while one is held, readers wait at their slice boundary.

    Futures rather than an :class:`asyncio.Event`: one process-wide instance
    serves whatever event loop runs the engine (tests run many loops).
    """

    def __init__(self) -> None:
        self.held = 0
        self._waiters: list[asyncio.Future[None]] = []

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        self.held += 1
        try:
            yield
        finally:
            self.held -= 1
            if not self.held:
                waiters, self._waiters = self._waiters, []
                for fut in waiters:
                    with contextlib.suppress(RuntimeError):  # its loop is gone
                        if not fut.done():
                            fut.set_result(None)

    async def turn(self) -> None:
        """A reader's slice is over: let the loop run, and commands finish first."""
        if not self.held:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(fut, MAX_HOLD_S)


PRIORITY: Final = Priority()
"""The engine process's one priority gate (held by :meth:`Controller.execute`)."""
