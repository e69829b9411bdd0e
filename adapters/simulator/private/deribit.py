"""Simulated Deribit private JSON-RPC over websocket, checked as documented.

``public/auth`` with ``grant_type`` "client_signature": signature = hex
HMAC-SHA256(client secret, timestamp + "\\n" + nonce + "\\n" + data), the
timestamp within 60 s. Authentication belongs to the connection. Cancel on
disconnect (``private/enable_cancel_on_disconnect``) fires when the connection
that enabled it closes — not on ``private/logout``. Orders here come from the
order flow (another connection, like an OMS's), so ``scope: connection`` does
not cover them; ``scope: account`` does: the documented caveat, made concrete.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

from adapters.simulator.private.account import Account, Firing
from adapters.simulator.private.common import TestKey


def _error(rid: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}}


def _ok(rid: Any, result: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rid, "result": result}


class DeribitSession:
    def __init__(self, account: Account, key: TestKey) -> None:
        self.account, self.key = account, key
        self.authed = False
        self.cod: str | None = None
        """Cancel-on-disconnect scope enabled on this connection ("connection"/"account")."""

    def handle(self, msg: dict[str, Any]) -> dict[str, Any] | None:
        acct, rid = self.account, msg.get("id")
        method, p = str(msg.get("method", "")), msg.get("params") or {}
        acct.received("WS", method)
        if acct.take("5xx"):
            return _error(rid, 11094, "internal_server_error")
        if acct.take("ratelimit"):
            return _error(rid, 10028, "too_many_requests")
        if method == "public/test":
            return _ok(rid, {"version": "1.2.26"})
        if method == "public/set_heartbeat":
            if int(p.get("interval", 0)) < 10:
                return _error(rid, -32602, "Invalid params: interval must be >= 10")
            return _ok(rid, "ok")
        if method == "public/auth":
            return self._auth(rid, p)
        if not method.startswith("private/"):
            return _error(rid, -32601, "Method not found")
        if not self.authed:
            return _error(rid, 13009, "unauthorized")
        if method == "private/get_account_summary":
            return _ok(rid, {"currency": p.get("currency", "BTC"), "equity": 1.0})
        if method == "private/get_open_orders":
            return _ok(
                rid,
                [
                    {
                        "order_id": f"ETH-{o.order_id}",
                        "instrument_name": o.symbol,
                        "direction": o.side,
                        "price": o.price,
                        "amount": o.qty,
                        "order_state": "open",
                    }
                    for o in acct.open()
                ],
            )
        if method == "private/cancel_all":
            orders = acct.open()
            acct.cancel(orders)
            return _ok(rid, len(orders))
        if method == "private/enable_cancel_on_disconnect":
            self.cod = str(p.get("scope", "connection"))
            return _ok(rid, "ok")
        if method == "private/disable_cancel_on_disconnect":
            self.cod = None
            return _ok(rid, "ok")
        if method == "private/logout":
            self.authed = False  # documented: logout does not trigger cancel on disconnect
            return None
        return _error(rid, -32601, "Method not found")

    def _auth(self, rid: Any, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("grant_type") != "client_signature" or p.get("client_id") != self.key.key:
            return _error(rid, 13004, "invalid_credentials")
        ts, nonce, data = (
            str(p.get("timestamp", "")),
            str(p.get("nonce", "")),
            str(p.get("data", "")),
        )
        want = hmac.new(
            self.key.secret.encode(), f"{ts}\n{nonce}\n{data}".encode(), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(want, str(p.get("signature", ""))):
            return _error(rid, 13004, "invalid_credentials")
        if not ts.isdigit() or abs(self.account.now_ms() - int(ts)) > 60_000:
            return _error(rid, 13004, "invalid_credentials")  # stale timestamp
        self.authed = True
        return _ok(
            rid,
            {
                "access_token": "sim-token",
                "expires_in": 31536000,
                "refresh_token": "sim-refresh",
                "scope": "session",
                "token_type": "bearer",
            },
        )

    def disconnected(self) -> None:
        if self.cod == "account":
            doomed = self.account.open()
            self.account.cancel(doomed)
            self.account.firings.append(Firing("cancel-on-disconnect", len(doomed), time.time_ns()))


def handler(
    account: Account, key: TestKey
) -> Callable[[web.Request], Awaitable[web.WebSocketResponse]]:
    async def ws(request: web.Request) -> web.WebSocketResponse:
        sock = web.WebSocketResponse()
        await sock.prepare(request)
        session = DeribitSession(account, key)
        try:
            async for msg in sock:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    await sock.send_json(_error(None, -32700, "Parse error"))
                    continue
                if account.take("timeout"):
                    continue  # never answered: the client's status is unknown
                reply = session.handle(data)
                if reply is not None:
                    await sock.send_json(reply)
        finally:
            session.disconnected()
        return sock

    return ws
