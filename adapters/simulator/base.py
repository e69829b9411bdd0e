"""What a simulated venue is: its wire format over a generic loopback server.

A :class:`SimVenue` subclass knows one venue's protocol: how clients
subscribe, what a snapshot and a delta frame look like (field names, sequence
numbers, checksums), what heartbeats it sends and what REST it answers. The
:class:`~adapters.simulator.server.Simulator` owns the market, the faults and
the sockets, and asks the venue for frames.

Every frame for a connection goes through that connection's queue, enqueued
synchronously with the book change it describes, so a snapshot and the deltas
around it can never be reordered by the event loop.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import time
from collections.abc import Mapping, Sequence
from typing import ClassVar, Protocol

from websockets.asyncio.server import ServerConnection

from adapters.simulator.faults import VenueFaults
from adapters.simulator.market import Changes, SimBook
from adapters.tasks import spawn


class SimHost(Protocol):
    """What a venue needs from the server that hosts it (the server imports this
    module, so the venue names the server by what it uses, not by its class)."""

    @property
    def faults(self) -> Mapping[str, VenueFaults]: ...


class SimConn:
    """One client connection to a simulated venue."""

    def __init__(self, venue: SimVenue, ws: ServerConnection, path: str) -> None:
        self.venue = venue
        self.ws = ws
        self.path = path
        self.subs: set[str] = set()
        self.seq = 0
        """Per-connection counter for venues that number every message (Coinbase)."""
        self.state: dict[str, object] = {}
        """Venue-specific per-connection state (published views, heartbeat settings)."""
        self.queue: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        self.sent = 0

    def push(self, frame: str | bytes | None) -> None:
        """Enqueue a frame (``None`` closes the writer)."""
        self.queue.put_nowait(frame)

    async def writer(self) -> None:
        q = self.queue
        ws = self.ws
        faults = self.venue.sim.faults[self.venue.name]
        while True:
            frame = await q.get()
            if frame is None:
                return
            # A stalled venue is frozen: nothing leaves it (not even a subscription
            # acknowledgement) until the stall ends, then everything queued does.
            while faults.stalled():  # noqa: ASYNC110 - the stall ends at a deadline, not an event
                await asyncio.sleep(min(0.1, max(0.0, faults.stall_until - time.monotonic())))
            await ws.send(frame)
            self.sent += 1


class SimVenue(abc.ABC):
    """A venue's wire format. Subclasses fill in the protocol."""

    url_path: ClassVar[str] = ""
    """Appended to the server's base URL to make the adapter's URL."""
    heartbeat_s: ClassVar[float] = 0.0
    """Send :meth:`heartbeat` to every connection this often (0: never)."""
    has_checksum: ClassVar[bool] = False

    def __init__(self, sim: SimHost, name: str, books: dict[str, SimBook]) -> None:
        self.sim = sim
        self.name = name
        self.books = books
        self.conns: set[SimConn] = set()

    def adapter_settings(self) -> dict[str, object]:
        """Extra adapter settings this venue needs (e.g. an adapter or options)."""
        return {}

    # -- the protocol ---------------------------------------------------------------------

    def on_open(self, conn: SimConn) -> Sequence[str]:
        """Frames to send when a client connects (subscriptions named in the URL)."""
        return ()

    @abc.abstractmethod
    def on_message(self, conn: SimConn, text: str) -> None:
        """Handle a client frame (subscribe, ping, ...), pushing replies to ``conn``."""

    @abc.abstractmethod
    def delta_frame(
        self, conn: SimConn, book: SimBook, changes: Changes, bad_checksum: bool
    ) -> str | None:
        """The frame that tells ``conn`` about ``changes`` (None: nothing to say)."""

    def advance(self, book: SimBook, changes: Changes) -> None:
        """Advance the venue's sequence numbers for one update (once, not per conn)."""
        book.seq += 1

    def heartbeat(self, conn: SimConn) -> str | None:
        return None

    def http(self, path: str, query: dict[str, str]) -> tuple[int, bytes] | None:
        """Answer a REST request, or None if this venue has no such endpoint."""
        return None

    def expected_book(self, symbol: str) -> tuple[dict[float, float], dict[float, float]]:
        """The book a correct client holds for ``symbol`` (the full book unless
        the venue publishes a limited depth)."""
        return self.books[symbol].as_floats()

    def expected_seq(self, symbol: str) -> int | None:
        """The sequence number a synced client's last update carries, if the
        venue numbers per instrument (None: no per-instrument numbering)."""
        return self.books[symbol].seq

    # -- helpers for subclasses --------------------------------------------------------------

    def subscribers(self, symbol: str) -> list[SimConn]:
        return [c for c in self.conns if symbol in c.subs]

    def close_all(self, code: int = 1012, reason: str = "service restart") -> int:
        n = 0
        for c in list(self.conns):
            n += 1
            c.push(None)
            with contextlib.suppress(RuntimeError):  # no running loop: nothing to close
                spawn(c.ws.close(code, reason), "simulator: close")
        return n

    def abort_all(self) -> int:
        """Drop every connection without a close frame (a network failure)."""
        n = 0
        for c in list(self.conns):
            n += 1
            c.push(None)
            transport = c.ws.transport
            if transport is not None:
                transport.abort()
        return n
