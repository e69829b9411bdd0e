"""Binance spot and USD-M futures: signed REST (HMAC-SHA256), per-symbol cancel-all.

From Binance's documentation (developers.binance.com, "Request Security" and
"SIGNED endpoint examples"):

- ``signature`` = hex HMAC-SHA256 of the query string (and body), keyed by the
  secret; the key goes in the ``X-MBX-APIKEY`` header; ``timestamp`` (ms) is
  mandatory and ``recvWindow`` (≤ 60000, 5000 recommended) bounds its age.
- Spot cancels per symbol, ``DELETE /api/v3/openOrders?symbol=`` (no symbol-less
  form), and has no dead-man timer: list ``GET /api/v3/openOrders`` first.
- USD-M: ``DELETE /fapi/v1/allOpenOrders?symbol=`` per symbol, and the dead-man
  ``POST /fapi/v1/countdownCancelAll`` per symbol (``countdownTime`` ms, 0 stops
  it; the docs suggest calling every 30 s with 120000; checked ~every 10 ms).
- An HTTP 5xx means the status is *unknown*: the cancel may have happened.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any, ClassVar
from urllib.parse import urlencode

from adapters.controls.base import OpenOrder, Request, Step, VenueError, now_ms
from adapters.controls.client import DryRun, VenueControl

UNKNOWN_ORDER = -2011
"""Spot's answer to cancelling a symbol with nothing open: nothing to do, not a failure."""


def sign(secret: str, payload: str) -> str:
    """Binance HMAC-SHA256 signature (hex) of the exact query/body text sent."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def signed_query(
    secret: str, params: dict[str, Any], timestamp_ms: int, recv_window_ms: int
) -> str:
    """``params&recvWindow=..&timestamp=..&signature=..`` in the order signed."""
    query = urlencode({**params, "recvWindow": recv_window_ms, "timestamp": timestamp_ms})
    return f"{query}&signature={sign(secret, query)}"


class _Binance(VenueControl):
    prefix: ClassVar[str] = ""

    def request(self, method: str, path: str, params: dict[str, Any] | None = None) -> Request:
        query = signed_query(
            self.creds.secret, params or {}, now_ms(), self.settings.recv_window_ms
        )
        return Request(
            method=method,
            base=self.base,
            path=path,
            query=query,
            headers={"X-MBX-APIKEY": self.creds.key},
        )

    async def call(self, method: str, path: str, params: dict[str, Any] | None = None) -> Any:
        ans = await self.send(self.request(method, path, params))
        if ans.dry_run:
            return None
        data = self.json(ans)
        if ans.status != 200 and isinstance(data, dict) and "code" in data:
            raise self.fail(ans, f"{data.get('code')} {data.get('msg', '')}")
        if ans.status != 200:
            raise self.fail(ans, f"HTTP {ans.status}")
        return data

    async def open_orders(self) -> list[OpenOrder]:
        data = await self.call("GET", f"{self.prefix}/openOrders")
        if data is None:
            raise DryRun()
        return [OpenOrder(str(o["symbol"]), str(o["orderId"])) for o in data]

    async def _symbols(self, symbols: Sequence[str]) -> list[str]:
        if symbols:
            return list(symbols)
        try:
            return sorted({o.symbol for o in await self.open_orders()})
        except DryRun:
            return list(self.settings.symbols)

    async def account(self) -> Step:
        await self.call("GET", self.account_path)
        return Step(ok=True, detail="authenticated read OK", calls=self.take_calls())

    account_path: ClassVar[str] = ""


class BinanceSpot(_Binance):
    name = "binance"
    default_url = "https://api.binance.com"
    prefix = "/api/v3"
    account_path = "/api/v3/account"
    has_deadman = False
    scope = "per symbol: every symbol with open orders is cancelled; spot has no dead-man timer"

    async def cancel_all(self, symbols: Sequence[str] = ()) -> Step:
        done, failed = [], []
        for sym in await self._symbols(symbols):
            try:
                await self.call("DELETE", "/api/v3/openOrders", {"symbol": sym})
                done.append(sym)
            except VenueError as exc:
                if str(UNKNOWN_ORDER) in exc.reason:
                    done.append(sym)
                    continue
                failed.append(exc)
        return _summary(self, done, failed)


class BinanceFutures(_Binance):
    name = "binance-futures"
    default_url = "https://fapi.binance.com"
    prefix = "/fapi/v1"
    account_path = "/fapi/v2/account"
    has_deadman = True
    scope = "per symbol: cancel-all and the countdown timer each cover one symbol"

    async def cancel_all(self, symbols: Sequence[str] = ()) -> Step:
        done, failed = [], []
        for sym in await self._symbols(symbols):
            try:
                await self.call("DELETE", "/fapi/v1/allOpenOrders", {"symbol": sym})
                done.append(sym)
            except VenueError as exc:
                failed.append(exc)
        return _summary(self, done, failed)

    async def _countdown(self, ms: int, symbols: Sequence[str]) -> Step:
        syms = sorted(set(symbols) | set(self.settings.symbols))
        if not syms:
            return Step(ok=False, detail="no symbols configured for the countdown timer")
        done, failed = [], []
        for sym in syms:
            try:
                await self.call(
                    "POST", "/fapi/v1/countdownCancelAll", {"symbol": sym, "countdownTime": ms}
                )
                done.append(sym)
            except VenueError as exc:
                failed.append(exc)
        step = _summary(self, done, failed)
        if step.ok and ms:
            step.fires_at_ms = now_ms() + ms
        return step

    async def arm(self, timeout_s: float, symbols: Sequence[str] = ()) -> Step:
        return await self._countdown(int(timeout_s * 1000), symbols)

    async def disarm(self, symbols: Sequence[str] = ()) -> Step:
        return await self._countdown(0, symbols)


def _summary(ctl: VenueControl, done: list[str], failed: list[VenueError]) -> Step:
    calls = ctl.take_calls()
    if failed:
        return Step(
            ok=False,
            detail=f"accepted for {', '.join(done) or 'none'}; failed: "
            + "; ".join(e.reason for e in failed),
            calls=calls,
            retryable=all(e.retryable for e in failed),
        )
    return Step(ok=True, detail=f"accepted for {', '.join(done) or 'no symbols'}", calls=calls)
