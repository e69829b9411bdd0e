"""What a websocket connection to a venue is, whatever client library carries it.

The interface and the library-independent errors live here, apart from the
choice of client (:mod:`adapters.transport`), so that each client module
(:mod:`adapters.transport_websockets`, :mod:`adapters.transport_picows`)
imports this and :mod:`adapters.transport` imports the clients: no cycle.
"""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Callable, Sequence
from typing import Protocol

try:  # POSIX: how many received bytes the kernel holds for a socket
    import fcntl
    import termios
except ImportError:  # pragma: no cover - Windows: no FIONREAD through fcntl
    fcntl = termios = None  # type: ignore[assignment]


class ConnectFailed(Exception):
    """Connecting failed (refused, timed out, handshake rejected); the text says how."""


class Closed(Exception):
    """The connection ended; the text is why, as the supervisor reports it."""


class Connection(Protocol):
    """One open websocket to a venue."""

    @property
    def close_reason(self) -> str:
        """The reason in the close frame, once there was one ("" otherwise)."""
        ...

    async def recv(self) -> bytes:
        """The next whole message (text or binary) as bytes; raises :class:`Closed`."""
        ...

    async def take(self) -> Sequence[bytes]:
        """Every whole message received so far (at least one; waits for one), in order;
        raises :class:`Closed`. What the supervisor's reader uses: a burst read from
        the socket at once costs one wake-up, not one per message."""
        ...

    def drop(self, on: bool) -> None:
        """While on, whole text/binary messages may be counted instead of copied and
        queued (the reader is shedding and would only count them): a client that can
        does so as it parses them; :meth:`take` then also returns (perhaps empty)
        when the count moves, so the reader sees the connection alive."""
        ...

    def dropped(self) -> int:
        """How many messages were counted and dropped (see :meth:`drop`) so far."""
        ...

    def pending(self) -> int:
        """How many received messages wait in the client's queue (not yet taken)."""
        ...

    def unread(self) -> int:
        """How many bytes the kernel holds for this connection that the client has not
        read yet (0 where the platform cannot say). With :meth:`pending`, what
        "behind" means to the supervisor's lag governor (:mod:`adapters.lag`)."""
        ...

    async def send(self, frame: str) -> None:
        """Send one text frame; raises :class:`Closed` if the connection is gone."""
        ...

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close with a close frame and wait (briefly) for the peer's answer."""
        ...


def unread_counter(sock: _HasFileno | None) -> Callable[[], int]:
    """A cheap probe (one ``ioctl``) of the bytes waiting in ``sock``'s receive queue.

    Hand-written because no client library reports it: under overload the
    backlog lives in the kernel (the client stops reading at its queue bound),
    where neither client's own queue shows it.
    """
    if sock is None or fcntl is None:
        return _nothing
    fileno = sock.fileno
    ioctl, fionread = fcntl.ioctl, termios.FIONREAD
    blank = bytes(4)

    def unread() -> int:
        # The descriptor is asked for each time: a closed socket's is -1 (an
        # OSError here), never a number since reused by another socket.
        with contextlib.suppress(OSError, ValueError):
            n: int = struct.unpack("i", ioctl(fileno(), fionread, blank))[0]
            return n
        return 0

    return unread


class _HasFileno(Protocol):
    def fileno(self) -> int: ...


def _nothing() -> int:
    return 0


class Options:
    """What the supervisor asks of every connection, in the library's own terms later."""

    __slots__ = (
        "close_timeout",
        "max_queue",
        "max_size",
        "open_timeout",
        "ping_interval",
        "ping_timeout",
        "user_agent",
    )

    def __init__(
        self,
        open_timeout: float = 10.0,
        ping_interval: float = 20.0,
        ping_timeout: float = 20.0,
        close_timeout: float = 2.0,
        max_size: int = 64 * 1024 * 1024,
        max_queue: int = 1024,
        user_agent: str = "venuewatch",
    ) -> None:
        self.open_timeout = open_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.close_timeout = close_timeout
        self.max_size = max_size
        self.max_queue = max_queue
        """Messages received but not yet taken before reading from the socket pauses."""
        self.user_agent = user_agent
