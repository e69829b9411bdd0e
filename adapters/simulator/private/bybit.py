"""Simulated Bybit v5 private REST, verified as documented.

X-BAPI-SIGN = hex HMAC-SHA256(timestamp + key + recv_window + (query | body));
accepted when ``server_time - recv_window <= timestamp < server_time + 1000``.
Errors are ``retCode`` ≠ 0 with HTTP 200.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import parse_qsl

from adapters.simulator.private.account import Order
from adapters.simulator.private.common import Backend, Incoming, Reply


def _ret(code: int, msg: str, result: Any = None, status: int = 200) -> Reply:
    return Reply(
        status,
        {"retCode": code, "retMsg": msg, "result": result or {}, "retExtInfo": {}, "time": 0},
    )


def _covered(o: Order, p: dict[str, Any]) -> bool:
    return "symbol" not in p or o.symbol == p["symbol"]


class BybitBackend(Backend):
    venue = "bybit"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.dcp: dict[str, int] = {}
        """Product -> DCP window (s). It fires only on a dropped private websocket,
        which this simulator does not serve: the window is recorded, not run."""

    def unavailable(self) -> Reply:
        return _ret(10016, "Server error.", status=503)

    def rate_limited(self) -> Reply:
        return _ret(10006, "Too many visits!")

    def _auth(self, req: Incoming) -> Reply | None:
        h = req.headers
        key, ts, rw = (
            h.get("x-bapi-api-key", ""),
            h.get("x-bapi-timestamp", ""),
            h.get("x-bapi-recv-window", "5000"),
        )
        if key != self.key.key:
            return _ret(10003, "API key is invalid.")
        payload = req.query if req.method == "GET" else req.body
        mac = hmac.new(self.key.secret.encode(), (ts + key + rw + payload).encode(), hashlib.sha256)
        if not hmac.compare_digest(mac.hexdigest(), h.get("x-bapi-sign", "")):
            return _ret(10004, "error sign! origin_string[<omitted>]")
        now = self.account.now_ms()
        if not ts.isdigit() or not now - int(rw) <= int(ts) < now + 1000:
            return _ret(
                10002, "invalid request, please check your server timestamp or recv_window param"
            )
        return None

    async def handle(self, req: Incoming) -> Reply:
        fault = self.transport_fault()
        if fault:
            return fault
        bad = self._auth(req)
        if bad:
            return bad
        acct = self.account
        p: dict[str, Any] = (
            dict(parse_qsl(req.query)) if req.method == "GET" else json.loads(req.body or "{}")
        )
        route = (req.method, req.path)
        if route == ("GET", "/v5/account/wallet-balance"):
            return _ret(0, "OK", {"list": [{"accountType": "UNIFIED", "totalEquity": "1000"}]})
        cat = p.get("category")
        if route[1] in ("/v5/order/realtime", "/v5/order/cancel-all") and cat not in (
            "spot",
            "linear",
            "inverse",
            "option",
        ):
            return _ret(10001, "params error: category")
        if cat in ("linear", "inverse") and not ({"symbol", "settleCoin", "baseCoin"} & set(p)):
            return _ret(10001, "params error: symbol, baseCoin or settleCoin is required")
        if route == ("GET", "/v5/order/realtime"):
            orders = [o for o in acct.open() if _covered(o, p)]
            return _ret(
                0,
                "OK",
                {
                    "category": cat,
                    "nextPageCursor": "",
                    "list": [
                        {
                            "orderId": o.order_id,
                            "symbol": o.symbol,
                            "side": o.side.title(),
                            "price": str(o.price),
                            "qty": str(o.qty),
                            "orderStatus": "New",
                        }
                        for o in orders
                    ],
                },
            )
        if route == ("POST", "/v5/order/cancel-all"):
            orders = [o for o in acct.open() if _covered(o, p)]
            acct.cancel(orders)
            return _ret(
                0,
                "OK",
                {
                    "list": [{"orderId": o.order_id, "orderLinkId": ""} for o in orders],
                    "success": "1",
                },
            )
        if route == ("POST", "/v5/order/disconnected-cancel-all"):
            tw = p.get("timeWindow")
            if not isinstance(tw, int) or not 3 <= tw <= 300:
                return _ret(10001, "params error: timeWindow [3, 300]")
            self.dcp[str(p.get("product", "OPTIONS"))] = tw
            return _ret(0, "success")
        return _ret(10017, f"route not found: {req.method} {req.path}", status=404)
