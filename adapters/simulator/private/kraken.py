"""Simulated Kraken private REST (``/0/private/*``), verified as documented.

API-Sign = base64(HMAC-SHA512(base64-decoded secret, path + SHA256(nonce +
POST data))); the nonce must increase per key. Errors are ``{"error": [...]}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from adapters.simulator.private.common import Backend, Incoming, Reply


def _err(*errors: str, status: int = 200) -> Reply:
    return Reply(status, {"error": list(errors)})


def _iso(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class KrakenBackend(Backend):
    venue = "kraken"
    last_nonce = 0

    def unavailable(self) -> Reply:
        return _err("EService:Unavailable", status=503)

    def rate_limited(self) -> Reply:
        return _err("EAPI:Rate limit exceeded")

    async def handle(self, req: Incoming) -> Reply:
        if req.method != "POST" or not req.path.startswith("/0/private/"):
            return _err("EGeneral:Unknown method", status=404)
        fault = self.transport_fault()
        if fault:
            return fault
        if req.headers.get("api-key") != self.key.key:
            return _err("EAPI:Invalid key")
        params = dict(parse_qsl(req.body))
        nonce = params.get("nonce", "")
        inner = hashlib.sha256((nonce + req.body).encode()).digest()
        mac = hmac.new(base64.b64decode(self.key.secret), req.path.encode() + inner, hashlib.sha512)
        if not hmac.compare_digest(
            base64.b64encode(mac.digest()).decode(), req.headers.get("api-sign", "")
        ):
            return _err("EAPI:Invalid signature")
        if not nonce.isdigit() or int(nonce) <= self.last_nonce:
            return _err("EAPI:Invalid nonce")
        self.last_nonce = int(nonce)
        acct = self.account
        method = req.path.rsplit("/", 1)[1]
        if method == "Balance":
            return Reply(200, {"error": [], "result": {"ZUSD": "1000.0000"}})
        if method == "OpenOrders":
            return Reply(
                200,
                {
                    "error": [],
                    "result": {
                        "open": {
                            f"O{o.order_id}": {
                                "status": "open",
                                "descr": {
                                    "pair": o.symbol,
                                    "type": o.side,
                                    "ordertype": "limit",
                                    "price": str(o.price),
                                },
                                "vol": str(o.qty),
                            }
                            for o in acct.open()
                        }
                    },
                },
            )
        if method == "CancelAll":
            orders = acct.open()
            acct.cancel(orders)
            return Reply(200, {"error": [], "result": {"count": len(orders)}})
        if method == "CancelAllOrdersAfter":
            if not params.get("timeout", "").isdigit():
                return _err("EGeneral:Invalid arguments:timeout")
            timeout = int(params["timeout"])
            fires = acct.set_timer("*", timeout)
            now = acct.now_ms() / 1000
            return Reply(
                200,
                {
                    "error": [],
                    "result": {
                        "currentTime": _iso(now),
                        "triggerTime": _iso(fires) if timeout else "0",
                    },
                },
            )
        return _err("EGeneral:Unknown method", status=404)
