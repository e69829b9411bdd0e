"""OKX v5: ``OK-ACCESS-SIGN`` (HMAC-SHA256, base64), list + batch cancel, cancel-all-after.

From OKX's documentation (okx.com/docs-v5, "REST Authentication", "Cancel
multiple orders", "Cancel All After"):

- Headers ``OK-ACCESS-KEY``, ``OK-ACCESS-SIGN``, ``OK-ACCESS-TIMESTAMP`` (ISO
  8601 UTC with milliseconds, e.g. ``2020-12-08T09:08:57.715Z``) and
  ``OK-ACCESS-PASSPHRASE``; sign = base64(HMAC-SHA256(secret, timestamp +
  METHOD + requestPath (with ``?query`` for GET) + body)).
- There is no account cancel-all for ordinary orders: list
  ``GET /api/v5/trade/orders-pending`` and cancel with
  ``POST /api/v5/trade/cancel-batch-orders``, at most 20 orders a request.
  ``sCode`` "0" per order means the cancel was *accepted*, not that it is done.
- ``POST /api/v5/trade/cancel-all-after`` ``timeOut`` "0" (off) or 10–120 s;
  1 request a second; it "may take a few seconds" to act. Not for spread trading.
- Errors: ``{"code": "50113", "msg": "Invalid Sign", "data": []}``; code
  "1"/"2" for a batch means all/some orders failed (see each ``sCode``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

from adapters.controls.base import OpenOrder, Request, Step, now_ms
from adapters.controls.client import DryRun, VenueControl

BATCH = 20
RATE_LIMITED = "50011"


def sign(secret: str, timestamp: str, method: str, request_path: str, body: str) -> str:
    """OKX's OK-ACCESS-SIGN for one request."""
    prehash = timestamp + method.upper() + request_path + body
    return base64.b64encode(
        hmac.new(secret.encode(), prehash.encode(), hashlib.sha256).digest()
    ).decode()


def timestamp(epoch_ms: int) -> str:
    dt = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


class Okx(VenueControl):
    name = "okx"
    default_url = "https://www.okx.com"
    has_cancel_all = False
    has_deadman = True
    scope = "whole account: pending orders listed and batch-cancelled (not spread trading)"

    def request(self, method: str, path: str, query: str = "", payload: Any = None) -> Request:
        body = "" if payload is None else msgspec.json.encode(payload).decode()
        target = path + (f"?{query}" if query else "")
        ts = timestamp(now_ms())
        return Request(
            method=method,
            base=self.base,
            path=path,
            query=query,
            body=body,
            headers={
                "OK-ACCESS-KEY": self.creds.key,
                "OK-ACCESS-SIGN": sign(self.creds.secret, ts, method, target, body),
                "OK-ACCESS-TIMESTAMP": ts,
                "OK-ACCESS-PASSPHRASE": self.creds.passphrase,
                "Content-Type": "application/json",
            },
        )

    async def call(
        self, method: str, path: str, query: str = "", payload: Any = None, partial: bool = False
    ) -> Any:
        ans = await self.send(self.request(method, path, query, payload))
        if ans.dry_run:
            return None
        data = self.json(ans)
        code = str(data.get("code", "")) if isinstance(data, dict) else ""
        if code == "0" or (partial and code in ("1", "2")):
            return data
        exc = self.fail(ans, f"{code or ans.status} {data.get('msg', '') if code else ''}".strip())
        exc.retryable = exc.retryable or code == RATE_LIMITED
        raise exc

    async def open_orders(self) -> list[OpenOrder]:
        found: list[OpenOrder] = []
        after = ""
        inst_type = str(self.settings.options.get("inst_type", ""))
        while True:
            parts = [
                f"instType={inst_type}" if inst_type else "",
                f"after={after}" if after else "",
            ]
            q = "&".join([p for p in parts if p] + ["limit=100"])
            data = await self.call("GET", "/api/v5/trade/orders-pending", q)
            if data is None:
                raise DryRun()
            page = [OpenOrder(str(o["instId"]), str(o["ordId"])) for o in data.get("data", [])]
            found.extend(page)
            if len(page) < 100:
                return found
            after = page[-1].order_id

    async def cancel_all(self, symbols: Sequence[str] = ()) -> Step:
        try:
            orders = await self.open_orders()
        except DryRun:
            return Step(
                ok=True,
                detail="dry run: would list, then cancel in batches of 20",
                calls=self.take_calls(),
            )
        if symbols:
            orders = [o for o in orders if o.symbol in symbols]
        accepted, refused = 0, []
        for i in range(0, len(orders), BATCH):
            batch = [{"instId": o.symbol, "ordId": o.order_id} for o in orders[i : i + BATCH]]
            data = await self.call(
                "POST", "/api/v5/trade/cancel-batch-orders", payload=batch, partial=True
            )
            for r in data.get("data", []):
                if str(r.get("sCode")) == "0":
                    accepted += 1
                else:
                    refused.append(f"{r.get('ordId')}: {r.get('sCode')} {r.get('sMsg', '')}")
        calls = self.take_calls()
        if refused:
            return Step(
                ok=False,
                detail=f"accepted {accepted}, refused {len(refused)}: " + "; ".join(refused[:5]),
                calls=calls,
                retryable=True,
            )
        return Step(ok=True, detail=f"accepted {accepted} of {len(orders)} (sCode 0)", calls=calls)

    async def arm(self, timeout_s: float, symbols: Sequence[str] = ()) -> Step:
        secs = min(120, max(10, int(timeout_s)))
        data = await self.call(
            "POST", "/api/v5/trade/cancel-all-after", payload={"timeOut": str(secs)}
        )
        detail = f"armed: {secs}s" + (" (OKX allows 10–120 s)" if secs != int(timeout_s) else "")
        step = Step(ok=True, detail=detail, calls=self.take_calls())
        fires = (data or {}).get("data", [{}])[0].get("triggerTime") if data else None
        # The documented example answers in seconds; elsewhere OKX uses ms: accept both.
        if fires and str(fires).isdigit() and int(fires) > 0:
            step.fires_at_ms = int(fires) * (1 if len(str(fires)) > 11 else 1000)
        else:
            step.fires_at_ms = now_ms() + secs * 1000
        return step

    async def disarm(self, symbols: Sequence[str] = ()) -> Step:
        await self.call("POST", "/api/v5/trade/cancel-all-after", payload={"timeOut": "0"})
        return Step(ok=True, detail="disarmed", calls=self.take_calls())

    async def account(self) -> Step:
        await self.call("GET", "/api/v5/account/balance")
        return Step(ok=True, detail="authenticated read OK", calls=self.take_calls())
