"""Bybit v5: ``X-BAPI-SIGN`` (HMAC-SHA256 hex), cancel-all per category, DCP.

From Bybit's documentation (bybit-exchange.github.io/docs/v5, "Integration
Guidance", "Cancel All Orders", "Set Disconnect Cancel All"):

- Headers ``X-BAPI-API-KEY``, ``X-BAPI-TIMESTAMP`` (ms), ``X-BAPI-RECV-WINDOW``
  (default 5000) and ``X-BAPI-SIGN`` = hex HMAC-SHA256 of timestamp + key +
  recv_window + (query string for GET | raw JSON body for POST). The server
  accepts ``server_time - recv_window <= timestamp < server_time + 1000``.
- ``POST /v5/order/cancel-all`` per ``category`` (spot, linear, inverse,
  option); linear/inverse need a ``symbol``, ``baseCoin`` or ``settleCoin``.
- ``POST /v5/order/disconnected-cancel-all`` sets the DCP window (``timeWindow``
  3–300 s, ``product`` OPTIONS (default) / DERIVATIVES / SPOT). DCP must be
  enabled for the account by Bybit, and it fires only when a *private websocket
  subscribed to* ``dcp`` drops for longer than the window: it is not a timer an
  HTTP heartbeat keeps alive.
- Errors: ``retCode`` ≠ 0 (10004 bad sign, 10003 bad key, 10002 timestamp /
  recv_window, 10006 rate limit), usually with HTTP 200.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import msgspec

from adapters.controls.base import OpenOrder, Request, Step, VenueError, now_ms
from adapters.controls.client import DryRun, VenueControl

RETRYABLE_CODES = {10006, 10016, 10018}
PRODUCT = {"linear": "DERIVATIVES", "inverse": "DERIVATIVES", "spot": "SPOT", "option": "OPTIONS"}


def sign(secret: str, timestamp: str, api_key: str, recv_window: str, payload: str) -> str:
    """Bybit's X-BAPI-SIGN (HMAC variant) for one request."""
    text = timestamp + api_key + recv_window + payload
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


class Bybit(VenueControl):
    name = "bybit"
    default_url = "https://api.bybit.com"
    has_deadman = True
    scope = "per category (and settle coin); DCP fires only on a dropped private websocket"

    def request(self, method: str, path: str, params: dict[str, Any]) -> Request:
        ts, rw = str(now_ms()), str(self.settings.recv_window_ms)
        if method == "GET":
            query, body = urlencode(params), ""
            payload = query
        else:
            query, body = "", msgspec.json.encode(params).decode()
            payload = body
        return Request(
            method=method,
            base=self.base,
            path=path,
            query=query,
            body=body,
            headers={
                "X-BAPI-API-KEY": self.creds.key,
                "X-BAPI-TIMESTAMP": ts,
                "X-BAPI-RECV-WINDOW": rw,
                "X-BAPI-SIGN": sign(self.creds.secret, ts, self.creds.key, rw, payload),
                "Content-Type": "application/json",
            },
        )

    async def call(self, method: str, path: str, params: dict[str, Any]) -> Any:
        ans = await self.send(self.request(method, path, params))
        if ans.dry_run:
            return None
        data = self.json(ans)
        if not isinstance(data, dict) or ans.status != 200:
            code = data.get("retCode") if isinstance(data, dict) else None
            raise self.fail(ans, f"HTTP {ans.status}" + (f" retCode {code}" if code else ""))
        code = int(data.get("retCode", -1))
        if code != 0:
            exc = self.fail(ans, f"retCode {code} {data.get('retMsg', '')}")
            exc.retryable = exc.retryable or code in RETRYABLE_CODES
            raise exc
        return data.get("result") or {}

    def _scopes(self, symbols: Sequence[str] = ()) -> list[dict[str, Any]]:
        cats = list(self.settings.options.get("categories", ["linear"]))
        coin = str(self.settings.options.get("settle_coin", "USDT"))
        out: list[dict[str, Any]] = []
        for c in cats:
            if symbols:
                out.extend({"category": c, "symbol": s} for s in symbols)
            elif c in ("linear", "inverse"):
                out.append({"category": c, "settleCoin": coin})
            else:
                out.append({"category": c})
        return out

    async def open_orders(self) -> list[OpenOrder]:
        found: list[OpenOrder] = []
        for scope in self._scopes():
            cursor = ""
            while True:
                params = {**scope, "limit": 50, **({"cursor": cursor} if cursor else {})}
                result = await self.call("GET", "/v5/order/realtime", params)
                if result is None:
                    raise DryRun()
                found.extend(
                    OpenOrder(str(o["symbol"]), str(o["orderId"])) for o in result.get("list", [])
                )
                cursor = str(result.get("nextPageCursor") or "")
                if not cursor:
                    break
        return found

    async def cancel_all(self, symbols: Sequence[str] = ()) -> Step:
        accepted, failed = 0, []
        for scope in self._scopes(symbols):
            try:
                result = await self.call("POST", "/v5/order/cancel-all", scope)
                accepted += len((result or {}).get("list", []))
            except VenueError as exc:
                failed.append(exc)
        calls = self.take_calls()
        if failed:
            return Step(
                ok=False,
                detail="; ".join(e.reason for e in failed),
                calls=calls,
                retryable=all(e.retryable for e in failed),
            )
        return Step(
            ok=True, detail=f"accepted: {accepted} orders listed as cancelling", calls=calls
        )

    async def arm(self, timeout_s: float, symbols: Sequence[str] = ()) -> Step:
        secs = min(300, max(3, int(timeout_s)))
        products = sorted(
            {
                PRODUCT.get(c, "DERIVATIVES")
                for c in self.settings.options.get("categories", ["linear"])
            }
        )
        for product in products:
            await self.call(
                "POST",
                "/v5/order/disconnected-cancel-all",
                {"product": product, "timeWindow": secs},
            )
        return Step(
            ok=True,
            detail=f"DCP window set to {secs}s for {', '.join(products)} "
            "(fires only if a private websocket subscribed to dcp drops)",
            calls=self.take_calls(),
        )

    async def disarm(self, symbols: Sequence[str] = ()) -> Step:
        return Step(ok=True, detail="DCP is switched off only by Bybit (account manager)")

    async def account(self) -> Step:
        await self.call("GET", "/v5/account/wallet-balance", {"accountType": "UNIFIED"})
        return Step(ok=True, detail="authenticated read OK", calls=self.take_calls())
