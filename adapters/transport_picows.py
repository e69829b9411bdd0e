"""The fast transport: the ``picows`` client behind :class:`~adapters.transport.Connection`.

picows parses frames in Cython and calls :meth:`_Listener.on_ws_frame` for
each one straight from ``data_received``. The listener appends whole messages
to a deque and wakes the reader only when it is waiting, so a burst of frames
read in one socket read costs one wake-up, not one future per frame (what
makes ``websockets`` ~2x slower on small market-data frames).

What ``websockets`` does for us and picows leaves to its user is done here:
answering the venue's close frame, reassembling fragmented messages, bounding
the queue (reading from the socket pauses at ``max_queue`` messages and
resumes at a quarter of it, as ``websockets`` does) and the close reasons the
supervisor reports, worded as :mod:`adapters.transport_websockets` words them.

And one thing picows does that a loop shared with commands cannot afford: it
doubles its read buffer whenever a read fills it, and parses a whole read in
one callback. An engine that falls behind leaves megabytes in the kernel, so
its reads grew to megabytes, tens of thousands of frames parsed in one go,
holding the loop for hundreds of milliseconds. :class:`_CappedReads` hands
picows at most :data:`READ_BYTES` a read, so one read is a bounded number of
frames (``READ_BYTES`` over the smallest frame) and the backlog stays in the
kernel, where :meth:`PicowsConnection.unread` sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import Any, Final

import picows
from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport

from adapters.connection import Closed, ConnectFailed, Options, unread_counter

READ_BYTES: Final = 64 * 1024
"""The most one socket read hands picows: ~270 of a ~240-byte market-data frame,
a fraction of a millisecond of parsing; at most ~9,000 of the smallest frames."""


class _Listener(WSListener):
    def __init__(self, options: Options) -> None:
        self.messages: deque[bytes] = deque()
        self.waiter: asyncio.Future[None] | None = None
        self.transport: WSTransport | None = None
        self.high = max(1, options.max_queue)
        self.low = max(1, self.high // 4)
        self.max_size = options.max_size
        self.paused = False
        self.parts: list[bytes] = []
        self.closed: str | None = None
        """Why the connection ended, once it has."""
        self.dropping = False
        """Shedding: whole messages are counted, not copied or queued."""
        self.dropped = 0

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind is _TEXT or kind is _BINARY:
            if frame.fin:
                if self.dropping:
                    self.dropped += 1
                    waiter = self.waiter  # the reader counts them (and the silence clock)
                    if waiter is not None:
                        self.waiter = None
                        if not waiter.done():
                            waiter.set_result(None)
                    return
                self._push(frame.get_payload_as_bytes())
            else:
                self.parts = [frame.get_payload_as_bytes()]
        elif kind is WSMsgType.CONTINUATION:
            self.parts.append(frame.get_payload_as_bytes())
            if sum(map(len, self.parts)) > self.max_size:
                self.parts.clear()
                transport.send_close(WSCloseCode.MESSAGE_TOO_BIG, b"message too big")
                transport.disconnect()
            elif frame.fin:
                self._push(b"".join(self.parts))
                self.parts.clear()
        elif kind is WSMsgType.CLOSE:
            # Answer the venue's close frame with its own code, then hang up.
            transport.send_close(frame.get_close_code(), frame.get_close_message())
            transport.disconnect()

    def _push(self, payload: bytes) -> None:
        self.messages.append(payload)
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)
        if not self.paused and len(self.messages) >= self.high and self.transport is not None:
            self.paused = True
            self.transport.underlying_transport.pause_reading()

    def resume_if_drained(self) -> None:
        if self.paused and len(self.messages) <= self.low and self.transport is not None:
            self.paused = False
            with contextlib.suppress(Exception):  # the socket may be closing
                self.transport.underlying_transport.resume_reading()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.closed = _reason(transport)
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)


_TEXT: Final = WSMsgType.TEXT
_BINARY: Final = WSMsgType.BINARY


class _CappedReads(asyncio.BufferedProtocol):
    """Between the socket transport and picows's protocol: reads of at most READ_BYTES.

    picows offers no bound on its read buffer (only its initial size), so the
    buffer it offers is cut here; it then stops growing at about twice the cap.
    Costs one Python call per read, not per frame.
    """

    def __init__(self, inner: Any, listener: _Listener) -> None:
        self.inner = inner
        self.listener = listener
        self.most_per_read = 0
        """The most frames one read has handed the reader so far."""

    def get_buffer(self, sizehint: int) -> memoryview:
        buf: memoryview = self.inner.get_buffer(sizehint)
        return buf[:READ_BYTES] if len(buf) > READ_BYTES else buf

    def buffer_updated(self, nbytes: int) -> None:
        messages = self.listener.messages
        before = len(messages)
        self.inner.buffer_updated(nbytes)
        # Nothing takes from the queue during the call: the growth is this read's.
        n = len(messages) - before
        if n > self.most_per_read:
            self.most_per_read = n

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.inner.connection_lost(exc)

    def eof_received(self) -> bool | None:
        result: bool | None = self.inner.eof_received()
        return result

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()


class PicowsConnection:
    __slots__ = ("close_timeout", "listener", "reads", "seen", "transport", "unread")

    def __init__(self, transport: WSTransport, listener: _Listener, close_timeout: float) -> None:
        self.transport = transport
        self.listener = listener
        self.close_timeout = close_timeout
        under = transport.underlying_transport
        self.reads = _CappedReads(under.get_protocol(), listener)
        under.set_protocol(self.reads)
        self.seen = 0
        """The listener's drop count when the reader last took."""
        self.unread = unread_counter(under.get_extra_info("socket"))
        """Bytes waiting in the kernel (see :func:`~adapters.connection.unread_counter`)."""

    @property
    def close_reason(self) -> str:
        hs = self.transport.close_handshake
        if hs is None:
            return ""
        info = hs.recv or hs.sent
        return info.reason if info is not None and info.reason else ""

    async def recv(self) -> bytes:
        listener = self.listener
        while not listener.messages:
            if listener.closed is not None:
                raise Closed(listener.closed)
            waiter = listener.waiter = asyncio.get_running_loop().create_future()
            await waiter
        frame = listener.messages.popleft()
        if listener.paused:
            listener.resume_if_drained()
        return frame

    async def take(self) -> deque[bytes]:
        """Every message queued now: one wake-up for a whole read. Empty only when
        messages were dropped (see :meth:`drop`) and none queued."""
        listener = self.listener
        messages = listener.messages
        while not messages and listener.dropped == self.seen:
            if listener.closed is not None:
                raise Closed(listener.closed)
            waiter = listener.waiter = asyncio.get_running_loop().create_future()
            await waiter
            messages = listener.messages
        self.seen = listener.dropped
        listener.messages = deque()  # the listener fills a fresh queue meanwhile
        if listener.paused:
            listener.resume_if_drained()
        return messages

    def drop(self, on: bool) -> None:
        self.listener.dropping = on

    def dropped(self) -> int:
        return self.listener.dropped

    def pending(self) -> int:
        return len(self.listener.messages)

    async def send(self, frame: str) -> None:
        if self.listener.closed is not None or self.transport.is_close_frame_sent:
            raise Closed(self.listener.closed or _reason(self.transport))
        self.transport.send(WSMsgType.TEXT, frame.encode())

    async def close(self, code: int = 1000, reason: str = "") -> None:
        transport = self.transport
        if self.listener.closed is None:
            if not transport.is_close_frame_sent:
                transport.send_close(WSCloseCode(code), reason.encode()[:120])
            # Wait briefly for the venue's answer (or its hang-up), then hang up ourselves.
            with contextlib.suppress(TimeoutError, Exception):
                await asyncio.wait_for(transport.wait_disconnected(), self.close_timeout)
        transport.disconnect()


def _reason(transport: WSTransport) -> str:
    hs = transport.close_handshake
    if hs is not None and hs.recv is not None:
        return f"closed by venue: {_code(hs.recv.code)} {hs.recv.reason}".rstrip()
    if hs is not None and hs.sent is not None:
        return f"closed: {_code(hs.sent.code)} {hs.sent.reason}".rstrip()
    return "connection lost (no close frame)"


def _code(code: Any) -> int:
    return int(getattr(code, "value", code))


async def connect(url: str, options: Options) -> PicowsConnection:
    def factory() -> _Listener:
        return _Listener(options)

    try:
        transport, listener = await asyncio.wait_for(
            picows.ws_connect(
                factory,
                url,
                websocket_handshake_timeout=options.open_timeout,
                enable_auto_ping=options.ping_interval > 0,
                auto_ping_idle_timeout=options.ping_interval or 20.0,
                auto_ping_reply_timeout=options.ping_timeout or 20.0,
                max_frame_size=options.max_size,
                extra_headers={"User-Agent": options.user_agent},
            ),
            options.open_timeout,
        )
    except (OSError, TimeoutError, picows.WSError, picows.WSInvalidURL) as exc:
        raise ConnectFailed(f"{type(exc).__name__}: {exc}") from None
    assert isinstance(listener, _Listener)
    return PicowsConnection(transport, listener, options.close_timeout)
