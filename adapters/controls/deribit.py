"""Deribit: JSON-RPC over a websocket, ``client_signature`` auth, cancel-on-disconnect.

From Deribit's documentation (docs.deribit.com, "Authentication", "public/auth",
"private/cancel_all", "private/enable_cancel_on_disconnect", "public/set_heartbeat"):

- ``public/auth`` with ``grant_type`` "client_signature": ``signature`` = hex
  HMAC-SHA256(client secret, timestamp + "\\n" + nonce + "\\n" + data); the
  authentication belongs to the websocket connection.
- ``private/cancel_all`` cancels every order of the account, all currencies and
  kinds; the answer is how many.
- The backstop is ``private/enable_cancel_on_disconnect``: ``scope``
  "connection" (default: only that connection's orders) or "account". It fires
  when the connection drops — not on ``private/logout``. With
  ``public/set_heartbeat`` (interval ≥ 10 s) the venue also drops a connection
  that stops answering its ``test_request``s, so a hung engine is covered too.
  The engine keeps this connection open; the orders it protects by default
  are the whole account's (``options.cod_scope``, default "account"), since the
  orders to protect are usually placed by another connection (the OMS).
- Errors: ``{"error": {"code": 13004, "message": "invalid_credentials"}}``;
  10028 ``too_many_requests`` (out of credits: the session may be closed).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import secrets
import time
from collections.abc import Sequence
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from adapters.controls.base import Call, OpenOrder, Step, VenueError, clip, now_ms, scrub
from adapters.controls.client import DryRun, VenueControl

RETRYABLE = {10028, 11094, 10040, 10041, 10047}


def sign(secret: str, timestamp: int, nonce: str, data: str) -> str:
    """Deribit's client_signature."""
    text = f"{timestamp}\n{nonce}\n{data}"
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


class Deribit(VenueControl):
    name = "deribit"
    default_url = "wss://www.deribit.com/ws/api/v2"
    has_deadman = True
    scope = "cancel_all: whole account; cancel-on-disconnect: this connection (account scope)"

    _ws: ClientConnection | None = None
    _reader: asyncio.Task[None] | None = None
    _cod = False

    def _start(self) -> None:
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)

    async def _connect(self) -> ClientConnection:
        if self._ws is not None:
            return self._ws
        if not hasattr(self, "_pending"):
            self._start()
        try:
            ws = await connect(self.base, open_timeout=self.settings.timeout_s)
        except (OSError, TimeoutError, WebSocketException) as exc:
            raise VenueError(f"deribit: cannot connect: {type(exc).__name__}", True) from None
        self._reader = asyncio.get_running_loop().create_task(self._read(ws))
        ts, nonce = now_ms(), secrets.token_hex(8)
        try:
            await self.rpc(
                "public/auth",
                {
                    "grant_type": "client_signature",
                    "client_id": self.creds.key,
                    "timestamp": ts,
                    "nonce": nonce,
                    "data": "",
                    "signature": sign(self.creds.secret, ts, nonce, ""),
                },
                ws,
            )
        except VenueError:
            await ws.close()  # never keep an unauthenticated connection around
            raise
        self._ws, self._cod = ws, False
        return ws

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                msg = json.loads(raw)
                if msg.get("method") == "heartbeat":
                    if (msg.get("params") or {}).get("type") == "test_request":
                        await ws.send(
                            json.dumps(
                                {"jsonrpc": "2.0", "id": 0, "method": "public/test", "params": {}}
                            )
                        )
                    continue
                fut = self._pending.pop(msg.get("id"), None)
                if fut is not None and not fut.done():
                    fut.set_result(msg)
        except (WebSocketException, ValueError):
            pass
        finally:
            if self._ws is ws:
                self._ws, self._cod = None, False
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("connection closed"))
            self._pending.clear()

    async def rpc(
        self, method: str, params: dict[str, Any], conn: ClientConnection | None = None
    ) -> Any:
        public = {
            "method": "WS",
            "target": method,
            "body": scrub(json.dumps(params), self.creds.values()),
            "headers": {},
        }
        if self.dry_run:
            self.calls.append(
                Call(request=public, status=None, answer="(dry run: not sent)", ms=0.0)
            )
            return None
        ws = conn or await self._connect()
        rid = next(self._ids)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        t0 = time.perf_counter()
        try:
            await ws.send(
                json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
            )
            msg = await asyncio.wait_for(fut, self.settings.timeout_s)
        except (TimeoutError, ConnectionError, WebSocketException) as exc:
            self._pending.pop(rid, None)
            err = "timeout (status unknown)" if isinstance(exc, TimeoutError) else "connection lost"
            self.calls.append(Call(request=public, status=None, answer="", ms=_ms(t0), error=err))
            raise VenueError(f"deribit: {method}: {err}", True) from None
        self.calls.append(
            Call(
                request=public,
                status=200 if "result" in msg else None,
                answer=clip(json.dumps(msg)),
                ms=_ms(t0),
            )
        )
        if "error" in msg:
            e = msg["error"] or {}
            code = int(e.get("code", 0))
            raise VenueError(f"deribit: {code} {e.get('message', '')}", code in RETRYABLE)
        return msg.get("result")

    async def open_orders(self) -> list[OpenOrder]:
        result = await self.rpc("private/get_open_orders", {})
        if result is None:
            raise DryRun()
        return [OpenOrder(str(o["instrument_name"]), str(o["order_id"])) for o in result]

    async def cancel_all(self, symbols: Sequence[str] = ()) -> Step:
        n = await self.rpc("private/cancel_all", {})
        note = " (account-wide: every currency and kind)" if symbols else ""
        return Step(
            ok=True,
            detail=f"accepted: {'?' if n is None else n} to cancel{note}",
            calls=self.take_calls(),
        )

    async def arm(self, timeout_s: float, symbols: Sequence[str] = ()) -> Step:
        if self._cod and self._ws is not None:  # the keeper's heartbeat: is it still alive?
            await self.rpc("public/test", {})
            return Step(
                ok=True, detail="connection alive, cancel-on-disconnect on", calls=self.take_calls()
            )
        scope = str(self.settings.options.get("cod_scope", "account"))
        await self.rpc("public/set_heartbeat", {"interval": max(10, int(timeout_s))})
        await self.rpc("private/enable_cancel_on_disconnect", {"scope": scope})
        self._cod = not self.dry_run
        return Step(
            ok=True,
            detail=f"cancel-on-disconnect on (scope {scope}); fires when this connection drops",
            calls=self.take_calls(),
        )

    async def disarm(self, symbols: Sequence[str] = ()) -> Step:
        await self.rpc("private/disable_cancel_on_disconnect", {})
        self._cod = False
        return Step(ok=True, detail="cancel-on-disconnect off", calls=self.take_calls())

    async def account(self) -> Step:
        await self.rpc("private/get_account_summary", {"currency": "BTC"})
        return Step(ok=True, detail="authenticated read OK", calls=self.take_calls())

    async def aclose(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await super().aclose()


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 1)
