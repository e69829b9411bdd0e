"""The portable transport: the ``websockets`` client behind ``transport.Connection``."""

from __future__ import annotations

from collections.abc import Sized

import websockets
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect

from adapters.connection import Closed, ConnectFailed, Options, unread_counter


class WebsocketsConnection:
    __slots__ = ("_queued", "unread", "ws")

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        # The client keeps received frames in its assembler's queue (bounded by
        # max_queue, then TCP backpressure), one queue for the connection's life:
        # found once here, since the reader asks its length after every frame. A
        # version that does not expose it reads as never behind: never shed, only
        # time-sliced.
        frames = getattr(getattr(ws, "recv_messages", None), "frames", None)
        self._queued: Sized = frames if isinstance(frames, Sized) else ()
        # Its reads are asyncio's (256 KiB at most), so only the kernel's count is added.
        self.unread = unread_counter(ws.transport.get_extra_info("socket"))

    @property
    def close_reason(self) -> str:
        return self.ws.close_reason or ""

    async def recv(self) -> bytes:
        try:
            return await self.ws.recv(decode=False)
        except websockets.exceptions.ConnectionClosed as exc:
            raise Closed(close_reason(exc)) from None

    async def take(self) -> tuple[bytes]:
        # The client hands out one message a call: a batch of one.
        return (await self.recv(),)

    def drop(self, on: bool) -> None:
        """The client copies and queues every message before it is taken: nothing to
        drop earlier (the reader sheds them in bulk as it takes them)."""

    def dropped(self) -> int:
        return 0

    def pending(self) -> int:
        return len(self._queued)

    async def send(self, frame: str) -> None:
        try:
            await self.ws.send(frame)
        except websockets.exceptions.ConnectionClosed as exc:
            raise Closed(close_reason(exc)) from None

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await self.ws.close(code, reason)


async def connect(url: str, options: Options) -> WebsocketsConnection:
    try:
        ws = await ws_connect(
            url,
            open_timeout=options.open_timeout,
            ping_interval=options.ping_interval,
            ping_timeout=options.ping_timeout,
            close_timeout=options.close_timeout,
            max_size=options.max_size,
            max_queue=options.max_queue,
            user_agent_header=options.user_agent,
        )
    except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as exc:
        raise ConnectFailed(f"{type(exc).__name__}: {exc}") from None
    return WebsocketsConnection(ws)


def close_reason(exc: websockets.exceptions.ConnectionClosed) -> str:
    rcvd = exc.rcvd
    sent = exc.sent
    if rcvd is not None:
        return f"closed by venue: {rcvd.code} {rcvd.reason}".rstrip()
    if sent is not None:
        return f"closed: {sent.code} {sent.reason}".rstrip()
    return "connection lost (no close frame)"
