"""A console's connection to an engine: attach, follow, send commands.

Used by the Textual app and by tests alike; it knows nothing about screens.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import ssl
from collections.abc import Callable

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from tui.console import protocol as p
from tui.console.model import ConsoleModel
from tui.console.tls import ClientTLS, TLSError
from tui.control.commands import Outcome
from tui.errors import UserError


class AttachError(UserError):
    """The engine refused this console or could not be reached; the message says why."""


class ConsoleClient:
    def __init__(
        self, url: str, token: str, user: str = "console", tls: ClientTLS | None = None
    ) -> None:
        self.url = url
        self.tls = tls or ClientTLS()
        self.token = token
        self.user = user
        self.model = ConsoleModel()
        self.ws: ClientConnection | None = None
        self._pending: dict[str, asyncio.Future[Outcome]] = {}
        self.listeners: list[Callable[[p.Down], None]] = []
        self.refusals: list[str] = []
        self.frames = 0
        self._sending: set[asyncio.Task[None]] = set()

    async def connect(self, timeout: float = 10.0) -> p.Welcome:
        secure = self.url.startswith("wss://")
        try:
            ctx = self.tls.context() if secure else None
            self.ws = await connect(
                self.url,
                open_timeout=timeout,
                max_size=64 << 20,
                compression=None,
                ping_interval=20,
                ssl=ctx,
            )
        except TLSError as exc:
            raise AttachError(str(exc)) from None
        except ssl.SSLCertVerificationError as exc:
            raise AttachError(
                f"{self.url}: the engine's certificate is not trusted ({exc.verify_message}); "
                "give --cafile CERT or --pin SHA256"
            ) from None
        except (OSError, TimeoutError) as exc:
            raise AttachError(f"cannot reach the engine at {self.url}: {exc}") from None
        if secure:
            obj = self.ws.transport.get_extra_info("ssl_object")
            try:
                self.tls.check_peer(obj.getpeercert(binary_form=True) if obj else None)
            except TLSError as exc:
                await self.ws.close()
                raise AttachError(str(exc)) from None
        await self.ws.send(p.encode(p.Hello(token=self.token, user=self.user)))
        try:
            raw = await asyncio.wait_for(self.ws.recv(), timeout)
        except ConnectionClosed as exc:
            raise AttachError(
                f"the engine closed the connection: {exc.rcvd and exc.rcvd.reason}"
            ) from None
        frame = p.decode_down(raw)
        if isinstance(frame, p.Refusal):
            await self.ws.close()
            raise AttachError(f"the engine refused this console: {frame.reason}")
        if not isinstance(frame, p.Welcome):
            raise AttachError(f"expected a Welcome, got {type(frame).__name__}")
        self.model.apply(frame)
        return frame

    async def run(self) -> None:
        """Receive frames until the connection ends."""
        assert self.ws is not None
        try:
            async for raw in self.ws:
                try:
                    frame = p.decode_down(raw)
                except (msgspec.DecodeError, msgspec.ValidationError):
                    continue  # a newer engine's frame this console does not know
                self.frames += 1
                self._on_frame(frame)
        except ConnectionClosed:
            pass
        finally:
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(AttachError("connection to the engine lost"))

    def _on_frame(self, frame: p.Down) -> None:
        if isinstance(frame, p.Ack):
            fut = self._pending.pop(frame.outcome.id, None)
            if fut is not None and not fut.done():
                fut.set_result(frame.outcome)
        elif isinstance(frame, p.Refusal):
            self.refusals.append(frame.reason)
            fut = self._pending.pop(frame.request_id, None) if frame.request_id else None
            if fut is not None and not fut.done():
                fut.set_exception(AttachError(frame.reason))
        self.model.apply(frame)
        for fn in self.listeners:
            fn(frame)

    def start(self, action: str, reason: str = "", **args: str) -> asyncio.Future[Outcome]:
        """Send a command *now*, in the caller's own step; the future is its outcome.

        A key handler calls this directly, so the command is on the wire before the
        handler returns. Awaiting ``ws.send`` from a task would first wait for the
        task's turn on the loop — behind whatever repaint is queued, hundreds of
        milliseconds on a busy console.
        """
        if self.ws is None:
            raise AttachError("not attached")
        rid = secrets.token_hex(6)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Outcome] = loop.create_future()
        self._pending[rid] = fut
        data = p.encode(p.CommandRequest(id=rid, action=action, args=args, reason=reason))
        if not self._write_now(self.ws, data):
            task = loop.create_task(self._send_later(rid, data))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)
        return fut

    @staticmethod
    def _write_now(ws: ClientConnection, data: bytes) -> bool:
        """Frame ``data`` and hand it to the transport at once (False: not possible now).

        The same two steps ``ws.send`` takes before its first await (the Sans-I/O
        protocol frames it, the transport writes it); done here so nothing waits for
        a turn of the loop. Only on an open connection with a writable transport:
        otherwise the caller falls back to ``ws.send``, which waits or raises.
        """
        transport = ws.transport
        if ws.protocol.state is not State.OPEN or transport is None or transport.is_closing():
            return False
        ws.protocol.send_binary(data)
        for chunk in ws.protocol.data_to_send():
            transport.write(chunk)
        return True

    async def _send_later(self, rid: str, data: bytes) -> None:
        assert self.ws is not None
        try:
            await self.ws.send(data)
        except ConnectionClosed:
            # The connection dropped under the key press: the caller (the app's
            # source) turns this into a notice, never an exit.
            fut = self._pending.pop(rid, None)
            if fut is not None and not fut.done():
                fut.set_exception(AttachError("connection to the engine lost while sending"))

    async def command(self, action: str, reason: str = "", **args: str) -> Outcome:
        """Send a command and wait for its outcome (journal seq or refusal)."""
        return await self.start(action, reason, **args)

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
