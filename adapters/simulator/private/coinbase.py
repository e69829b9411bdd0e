"""Simulated Coinbase Advanced Trade private REST, verified as documented.

Every request carries ``Authorization: Bearer <JWT>``: ES256 over
``header.claims`` with the key's P-256 key (checked here with the *public*
key), ``kid``/``sub`` the key name, ``iss`` "cdp", ``nbf`` ≤ now < ``exp`` (at
most 120 s apart), ``uri`` = "METHOD host path" of this very request.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from adapters.simulator.private.common import Backend, Incoming, Reply


def _err(status: int, error: str, message: str) -> Reply:
    return Reply(status, {"error": error, "error_details": message, "message": message})


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class CoinbaseBackend(Backend):
    venue = "coinbase"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        key = load_pem_private_key(self.key.secret.replace("\\n", "\n").encode(), None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        self.public = key.public_key()

    def unavailable(self) -> Reply:
        return _err(503, "UNAVAILABLE", "service unavailable")

    def rate_limited(self) -> Reply:
        return _err(429, "RATE_LIMIT_EXCEEDED", "Too many requests")

    def _auth(self, req: Incoming) -> Reply | None:
        auth = req.headers.get("authorization", "")
        parts = auth.removeprefix("Bearer ").split(".")
        if not auth.startswith("Bearer ") or len(parts) != 3:
            return _err(401, "UNAUTHENTICATED", "missing or malformed JWT")
        try:
            header, claims = json.loads(_unb64(parts[0])), json.loads(_unb64(parts[1]))
            sig = _unb64(parts[2])
        except ValueError:
            return _err(401, "UNAUTHENTICATED", "malformed JWT")
        if header.get("alg") != "ES256" or header.get("kid") != self.key.key:
            return _err(401, "UNAUTHENTICATED", "unknown key")
        if len(sig) != 64:
            return _err(401, "UNAUTHENTICATED", "invalid signature")
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        try:
            self.public.verify(der, f"{parts[0]}.{parts[1]}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return _err(401, "UNAUTHENTICATED", "invalid signature")
        now = self.account.now_ms() // 1000
        nbf, exp = int(claims.get("nbf", 0)), int(claims.get("exp", 0))
        if claims.get("iss") != "cdp" or claims.get("sub") != self.key.key:
            return _err(401, "UNAUTHENTICATED", "bad claims")
        if not nbf <= now < exp or exp - nbf > 120:
            return _err(401, "UNAUTHENTICATED", "JWT expired or not yet valid")
        if claims.get("uri") != f"{req.method} {req.headers.get('host', '')}{req.path}":
            return _err(401, "UNAUTHENTICATED", "JWT uri does not match the request")
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
        if route == ("GET", "/api/v3/brokerage/accounts"):
            return Reply(200, {"accounts": [], "has_next": False, "cursor": ""})
        if route == ("GET", "/api/v3/brokerage/orders/historical/batch"):
            return Reply(
                200,
                {
                    "orders": [
                        {
                            "order_id": o.order_id,
                            "product_id": o.symbol,
                            "side": o.side.upper(),
                            "status": "OPEN",
                        }
                        for o in acct.open()
                    ],
                    "has_next": False,
                    "cursor": "",
                },
            )
        if route == ("POST", "/api/v3/brokerage/orders/batch_cancel"):
            ids = json.loads(req.body or "{}").get("order_ids", [])
            by_id = {o.order_id: o for o in acct.open()}
            found = [by_id[i] for i in ids if i in by_id]
            acct.cancel(found)
            return Reply(
                200,
                {
                    "results": [
                        {
                            "success": i in by_id,
                            "order_id": i,
                            "failure_reason": "UNKNOWN_CANCEL_FAILURE_REASON"
                            if i not in by_id
                            else "",
                        }
                        for i in ids
                    ]
                },
            )
        return _err(404, "NOT_FOUND", f"unknown endpoint {req.method} {req.path}")
