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
from typing import Final

from adapters.connection import Closed, ConnectFailed, Connection, Options
from adapters.registry import AdapterError

NAMES: Final = ("picows", "websockets")
ENV: Final = "VENUEWATCH_TRANSPORT"


class TransportChoiceError(AdapterError):
    """An unknown or uninstalled transport was asked for (the CLI prints it as one line)."""


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


__all__ = [
    "ENV",
    "NAMES",
    "Closed",
    "ConnectFailed",
    "Connection",
    "Options",
    "TransportChoiceError",
    "available",
    "choose",
    "connect",
]
