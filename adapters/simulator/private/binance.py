"""Simulated Binance private REST (spot ``/api/v3``, USD-M ``/fapi``), verified as documented.

Signature: hex HMAC-SHA256 over the raw query string (without ``&signature=``)
followed by the raw body; ``timestamp`` must satisfy ``serverTime - recvWindow
<= timestamp <= serverTime + 1000``; ``recvWindow`` at most 60000.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl

from adapters.simulator.private.account import Order
from adapters.simulator.private.common import Backend, Incoming, Reply


def _err(status: int, code: int, msg: str) -> Reply:
    return Reply(status, {"code": code, "msg": msg})


class BinanceBackend(Backend):
    venue = "binance"
    futures = False

    def unavailable(self) -> Reply:
        return _err(503, -1001, "Internal error; unable to process your request. Please try again.")

    def rate_limited(self) -> Reply:
        return Reply(
            429,
            {
                "code": -1003,
                "msg": "Too much request weight used; current limit "
                "is 6000 request weight per 1 MINUTE.",
            },
            {"Retry-After": "1"},
        )

    def _auth(self, req: Incoming) -> tuple[dict[str, str], Reply | None]:
        if req.headers.get("x-mbx-apikey") != self.key.key:
            return {}, _err(401, -2015, "Invalid API-key, IP, or permissions for action.")
        raw = req.query
        signed, sep, signature = raw.rpartition("&signature=")
        if not sep:
            return {}, _err(
                400,
                -1102,
                "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
            )
        expect = hmac.new(self.key.secret.encode(), (signed + req.body).encode(), hashlib.sha256)
        if not hmac.compare_digest(expect.hexdigest(), signature.lower()):
            return {}, _err(400, -1022, "Signature for this request is not valid.")
        params = dict(parse_qsl(signed + ("&" + req.body if req.body else "")))
        recv = int(params.get("recvWindow", 5000))
        if recv > 60000:
            return {}, _err(400, -1131, "recvWindow must be less than 60000")
        ts, now = int(params.get("timestamp", 0)), self.account.now_ms()
        if not now - recv <= ts <= now + 1000:
            return {}, _err(400, -1021, "Timestamp for this request is outside of the recvWindow.")
        return params, None

    def _order(self, o: Order) -> dict[str, object]:
        return {
            "symbol": o.symbol,
            "orderId": int(o.order_id),
            "side": o.side.upper(),
            "price": str(o.price),
            "origQty": str(o.qty),
            "status": "NEW",
        }

    async def handle(self, req: Incoming) -> Reply:
        prefix = "/fapi" if self.futures else "/api/v3"
        if not req.path.startswith(prefix):
            return _err(404, -1000, "Not found")
        fault = self.transport_fault()
        if fault:
            return fault
        params, bad = self._auth(req)
        if bad:
            return bad
        acct = self.account
        route = (req.method, req.path)
        sym = params.get("symbol")
        if route in (("GET", "/api/v3/openOrders"), ("GET", "/fapi/v1/openOrders")):
            return Reply(200, [self._order(o) for o in acct.open(sym)])
        if route in (("GET", "/api/v3/account"), ("GET", "/fapi/v2/account")):
            return Reply(200, {"canTrade": True, "assets": []})
        if route == ("DELETE", "/api/v3/openOrders") and not self.futures:
            if not sym:
                return _err(
                    400,
                    -1102,
                    "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
                )
            orders = acct.open(sym)
            if not orders:
                return _err(400, -2011, "Unknown order sent.")
            return Reply(
                200, [{**self._order(o), "status": "CANCELED"} for o in acct.cancel(orders)]
            )
        if route == ("DELETE", "/fapi/v1/allOpenOrders") and self.futures:
            if not sym:
                return _err(
                    400,
                    -1102,
                    "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
                )
            acct.cancel(acct.open(sym))
            return Reply(
                200, {"code": 200, "msg": "The operation of cancel all open order is done."}
            )
        if route == ("POST", "/fapi/v1/countdownCancelAll") and self.futures:
            if not sym or "countdownTime" not in params:
                return _err(
                    400, -1102, "Mandatory parameter was not sent, was empty/null, or malformed."
                )
            acct.set_timer(sym, int(params["countdownTime"]) / 1000)
            return Reply(200, {"symbol": sym, "countdownTime": params["countdownTime"]})
        return _err(404, -1000, f"unknown endpoint {req.method} {req.path}")


class BinanceFuturesBackend(BinanceBackend):
    venue = "binance-futures"
    futures = True
