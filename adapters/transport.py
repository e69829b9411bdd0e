"""How the supervisor talks to a venue's websocket, whatever client library carries it.

The supervisor needs five things of a connection: open it, receive a whole
message as bytes, send a text frame, close it with a code and reason, and say
why it ended. :class:`Connection` is that interface; two clients implement it:

* ``websockets`` (:mod:`adapters.transport_websockets`): pure Python, the
  design card's portable path, everywhere the project runs;
* ``picows`` (:mod:`adapters.transport_picows`): a Cython client whose
  frame parser hands each message to a callback without an asyncio future per
  frame. On our frames it receives about twice as fast (``venuewatch bench
  --peer`` measures both), so it is the default where it is installed.

``VENUEWATCH_TRANSPORT=websockets`` (or ``picows``) forces one; the console's
own protocol always uses ``websockets`` (it is not on the hot path).

Errors cross this boundary as two library-independent exceptions:
:class:`ConnectFailed` (no connection was made) and :class:`Closed` (the
connection ended; its text is the reason the supervisor reports).
"""

from __future__ import annotations

import importlib.util
import os
from typing import Final, Protocol

from adapters.registry import AdapterError

NAMES: Final = ("picows", "websockets")
ENV: Final = "VENUEWATCH_TRANSPORT"


class TransportChoiceError(AdapterError):
    """An unknown or uninstalled transport was asked for (the CLI prints it as one line)."""


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

    def pending(self) -> int:
        """How many received messages wait to be read (what "behind" means to the
        supervisor's lag governor, :mod:`adapters.lag`)."""
        ...

    async def send(self, frame: str) -> None:
        """Send one text frame; raises :class:`Closed` if the connection is gone."""
        ...

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close with a close frame and wait (briefly) for the peer's answer."""
        ...


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


def available(name: str) -> bool:
    if name == "websockets":
        return True
    return name == "picows" and importlib.util.find_spec("picows") is not None


def choose(name: str | None = None) -> str:
    """The transport to use: ``name``, else ``$VENUEWATCH_TRANSPORT``, else the fastest installed.

    Raises :class:`TransportChoiceError` for an unknown or uninstalled name.
    """
    wanted = name or os.environ.get(ENV, "").strip().lower()
    if wanted:
        if wanted not in NAMES:
            raise TransportChoiceError(f"{ENV}={wanted!r}: choose one of {', '.join(NAMES)}")
        if not available(wanted):
            raise TransportChoiceError(
                f"{ENV}={wanted!r}: {wanted} is not installed (pip install {wanted})"
            )
        return wanted
    return "picows" if available("picows") else "websockets"


async def connect(url: str, options: Options, transport: str) -> Connection:
    """Open ``url`` with the named transport (see :func:`choose`)."""
    if transport == "picows":
        from adapters import transport_picows

        return await transport_picows.connect(url, options)
    from adapters import transport_websockets

    return await transport_websockets.connect(url, options)
