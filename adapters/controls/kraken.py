"""Kraken spot: ``API-Sign`` (HMAC-SHA512), account-wide CancelAll and dead-man.

From Kraken's documentation (docs.kraken.com, "Spot REST Authentication",
"Cancel All Orders", "Cancel All Orders After X"):

- ``API-Sign`` = base64(HMAC-SHA512(base64-decoded secret, URI path +
  SHA256(nonce + POST data))); ``API-Key`` header; ``nonce`` in the form body,
  an always-increasing unsigned 64-bit integer. The docs give a worked example
  (private key, nonce 1616492376594, AddOrder) that our test reproduces.
- ``POST /0/private/CancelAll`` cancels every open order of the account
  (answer: ``count``): Kraken has no per-pair cancel-all.
- ``POST /0/private/CancelAllOrdersAfter`` ``timeout`` (s; 0 disables) is the
  dead man's switch: call every 15–30 s with 60. After firing it stays disabled
  until a new non-zero timeout is sent. Disable it before scheduled maintenance.
- Errors come as ``{"error": ["EAPI:Invalid signature"]}`` with HTTP 200.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from adapters.controls.base import OpenOrder, Request, Step, now_ms
from adapters.controls.client import DryRun, VenueControl

RETRYABLE = ("EAPI:Rate limit exceeded", "EService:", "EGeneral:Temporary lockout")


def sign(secret_b64: str, uri_path: str, nonce: str, post_data: str) -> str:
    """Kraken's API-Sign for one request."""
    digest = hashlib.sha256((nonce + post_data).encode()).digest()
    mac = hmac.new(base64.b64decode(secret_b64), uri_path.encode() + digest, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode()


class Kraken(VenueControl):
    name = "kraken"
    default_url = "https://api.kraken.com"
    has_deadman = True
    scope = "whole account: CancelAll and the dead-man cover every pair"

    _last_nonce = 0

    def _nonce(self) -> str:
        # Strictly increasing even when two calls land in the same millisecond.
        self._last_nonce = max(self._last_nonce + 1, now_ms())
        return str(self._last_nonce)

    def request(self, method: str, params: dict[str, Any] | None = None) -> Request:
        path = f"/0/private/{method}"
        nonce = self._nonce()
        body = urlencode({"nonce": nonce, **(params or {})})
        return Request(
            method="POST",
            base=self.base,
            path=path,
            body=body,
            headers={
                "API-Key": self.creds.key,
                "API-Sign": sign(self.creds.secret, path, nonce, body),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        ans = await self.send(self.request(method, params))
        if ans.dry_run:
            return None
        data = self.json(ans)
        errors = data.get("error") if isinstance(data, dict) else None
        if errors:
            err = "; ".join(str(e) for e in errors)
            exc = self.fail(ans, err)
            exc.retryable = exc.retryable or any(str(e).startswith(RETRYABLE) for e in errors)
            raise exc
        if ans.status != 200 or not isinstance(data, dict):
            raise self.fail(ans, f"HTTP {ans.status}")
        return data.get("result")

    async def open_orders(self) -> list[OpenOrder]:
        result = await self.call("OpenOrders")
        if result is None:
            raise DryRun()
        return [
            OpenOrder(str(o.get("descr", {}).get("pair", "")), str(txid))
            for txid, o in (result.get("open") or {}).items()
        ]

    async def cancel_all(self, symbols: Sequence[str] = ()) -> Step:
        result = await self.call("CancelAll")
        count = "?" if result is None else result.get("count", "?")
        note = " (account-wide: Kraken has no per-pair cancel-all)" if symbols else ""
        return Step(ok=True, detail=f"accepted: {count} to cancel{note}", calls=self.take_calls())

    async def arm(self, timeout_s: float, symbols: Sequence[str] = ()) -> Step:
        result = await self.call("CancelAllOrdersAfter", {"timeout": int(timeout_s)})
        step = Step(ok=True, detail=f"armed: {int(timeout_s)}s", calls=self.take_calls())
        if result and result.get("triggerTime"):
            step.detail += f", fires at {result['triggerTime']}"
        step.fires_at_ms = now_ms() + int(timeout_s * 1000)
        return step

    async def disarm(self, symbols: Sequence[str] = ()) -> Step:
        await self.call("CancelAllOrdersAfter", {"timeout": 0})
        return Step(ok=True, detail="disarmed", calls=self.take_calls())

    async def account(self) -> Step:
        await self.call("Balance")
        return Step(ok=True, detail="authenticated read OK", calls=self.take_calls())
