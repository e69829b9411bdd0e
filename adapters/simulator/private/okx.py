"""Simulated OKX v5 private REST, verified as documented.

sign = base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath(?query) +
body)); the ISO timestamp must be within 30 s of the server's clock; the
passphrase must match. Errors: ``{"code": "501xx", "msg": ..., "data": []}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime

from adapters.simulator.private.common import Backend, Incoming, Reply

TOLERANCE_MS = 30_000


def _err(status: int, code: str, msg: str) -> Reply:
    return Reply(status, {"code": code, "msg": msg, "data": []})


class OkxBackend(Backend):
    venue = "okx"

    def unavailable(self) -> Reply:
        return _err(503, "50001", "Service temporarily unavailable. Please try again later.")

    def rate_limited(self) -> Reply:
        return _err(
            429,
            "50011",
            "Rate limit reached. Please refer to API documentation and "
            "throttle requests accordingly.",
        )

    def _auth(self, req: Incoming) -> Reply | None:
        h = req.headers
        if h.get("ok-access-key") != self.key.key:
            return _err(401, "50111", "Invalid OK-ACCESS-KEY")
        if h.get("ok-access-passphrase") != self.key.passphrase:
            return _err(401, "50105", 'Request header "OK-ACCESS-PASSPHRASE" incorrect')
        ts = h.get("ok-access-timestamp", "")
        try:
            sent = datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000
        except ValueError:
            return _err(401, "50112", "Invalid OK-ACCESS-TIMESTAMP")
        target = req.path + (f"?{req.query}" if req.query else "")
        prehash = ts + req.method + target + req.body
        mac = hmac.new(self.key.secret.encode(), prehash.encode(), hashlib.sha256)
        if not hmac.compare_digest(
            base64.b64encode(mac.digest()).decode(), h.get("ok-access-sign", "")
        ):
            return _err(401, "50113", "Invalid Sign")
        if abs(self.account.now_ms() - sent) > TOLERANCE_MS:
            return _err(401, "50102", "Timestamp request expired")
        return None

    async def handle(self, req: Incoming) -> Reply:
        fault = self.transport_fault()
        if fault:
            return fault
        bad = self._auth(req)
        if bad:
            return bad
        acct = self.account
        route = (req.method, req.path)
        if route == ("GET", "/api/v5/account/balance"):
            return Reply(200, {"code": "0", "msg": "", "data": [{"totalEq": "1000"}]})
        if route == ("GET", "/api/v5/trade/orders-pending"):
            q = dict(p.split("=", 1) for p in req.query.split("&") if "=" in p)
            orders = sorted(acct.open(), key=lambda o: -int(o.order_id))
            if q.get("after"):
                orders = [o for o in orders if int(o.order_id) < int(q["after"])]
            limit = min(100, int(q.get("limit", 100)))
            return Reply(
                200,
                {
                    "code": "0",
                    "msg": "",
                    "data": [
                        {
                            "instId": o.symbol,
                            "ordId": o.order_id,
                            "side": o.side,
                            "px": str(o.price),
                            "sz": str(o.qty),
                            "state": "live",
                        }
                        for o in orders[:limit]
                    ],
                },
            )
        if route == ("POST", "/api/v5/trade/cancel-batch-orders"):
            items = json.loads(req.body or "[]")
            if not isinstance(items, list) or len(items) > 20:
                return _err(400, "51000", "Parameter orders error (at most 20 per request)")
            by_id = {o.order_id: o for o in acct.open()}
            found = [by_id[i["ordId"]] for i in items if i.get("ordId") in by_id]
            missing = [i.get("ordId", "") for i in items if i.get("ordId") not in by_id]
            acct.cancel(found)
            data = [{"ordId": o.order_id, "clOrdId": "", "sCode": "0", "sMsg": ""} for o in found]
            data += [
                {
                    "ordId": m,
                    "clOrdId": "",
                    "sCode": "51400",
                    "sMsg": "Cancellation failed as the order has been filled, canceled "
                    "or does not exist.",
                }
                for m in missing
            ]
            code = "0" if not missing else ("1" if not found else "2")
            return Reply(200, {"code": code, "msg": "", "data": data})
        if route == ("POST", "/api/v5/trade/cancel-all-after"):
            t = str(json.loads(req.body or "{}").get("timeOut", ""))
            if not t.isdigit() or not (int(t) == 0 or 10 <= int(t) <= 120):
                return _err(400, "51000", "Parameter timeOut error")
            fires = acct.set_timer("*", int(t))
            now = acct.now_ms() // 1000
            return Reply(
                200,
                {
                    "code": "0",
                    "msg": "",
                    "data": [
                        {
                            "triggerTime": str(int(fires)) if int(t) else "0",
                            "tag": "",
                            "ts": str(now),
                        }
                    ],
                },
            )
        return _err(404, "50000", f"unknown endpoint {req.method} {req.path}")
