"""Coinbase Advanced Trade: a JWT (ES256) per request; no cancel-all, no dead-man timer.

From Coinbase's documentation (docs.cdp.coinbase.com, "JWT authentication";
Advanced Trade API reference):

- ``Authorization: Bearer <JWT>``, signed ES256 with the key's EC P-256
  private key (PEM; stored on one line with ``\\n`` escaped, as Coinbase's key
  file has it). Header ``alg`` ES256, ``kid`` = key name, a random ``nonce``,
  ``typ`` JWT; claims ``sub`` = key name, ``iss`` = "cdp", ``nbf`` = now,
  ``exp`` = now + 120 s, ``uri`` = "METHOD host path". A JWT lives two minutes.
- No cancel-all: list ``GET /api/v3/brokerage/orders/historical/batch
  ?order_status=OPEN``, then ``POST /api/v3/brokerage/orders/batch_cancel``
  ``{"order_ids": [...]}``, which *initiates* cancels and answers per order.
- No dead-man timer: the halt's backstop layer is empty here.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from adapters.controls.base import OpenOrder, Request, Step, VenueError
from adapters.controls.client import DryRun, VenueControl

BATCH = 100
JWT_LIFETIME_S = 120


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def private_key(pem: str) -> ec.EllipticCurvePrivateKey:
    key = load_pem_private_key(pem.replace("\\n", "\n").encode(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("a Coinbase ES256 key must be an EC (P-256) private key")
    return key


def jwt(key_name: str, pem: str, method: str, host: str, path: str, now: int, nonce: str) -> str:
    """The Coinbase REST JWT for one request (ES256: raw r||s, base64url)."""
    header = {"alg": "ES256", "kid": key_name, "nonce": nonce, "typ": "JWT"}
    claims = {
        "sub": key_name,
        "iss": "cdp",
        "nbf": now,
        "exp": now + JWT_LIFETIME_S,
        "uri": f"{method.upper()} {host}{path}",
    }
    signing = (
        _b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64url(json.dumps(claims, separators=(",", ":")).encode())
    )
    der = private_key(pem).sign(signing.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return signing + "." + _b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


class Coinbase(VenueControl):
    name = "coinbase"
    default_url = "https://api.coinbase.com"
    has_cancel_all = False
    has_deadman = False
    scope = "whole account: open orders listed, then batch-cancelled; no dead-man timer"

    def request(self, method: str, path: str, query: str = "", payload: Any = None) -> Request:
        host = urlsplit(self.base).netloc
        try:
            token = jwt(
                self.creds.key,
                self.creds.secret,
                method,
                host,
                path,
                int(time.time()),
                secrets.token_hex(16),
            )
        except (ValueError, TypeError):
            # Our words, not the library's: nothing of the key may be echoed.
            raise VenueError(
                "coinbase: the stored secret is not a PEM EC (P-256) private key "
                "(store it again: venuewatch keys set coinbase)",
                False,
            ) from None
        return Request(
            method=method,
            base=self.base,
            path=path,
            query=query,
            body="" if payload is None else json.dumps(payload),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )

    async def call(self, method: str, path: str, query: str = "", payload: Any = None) -> Any:
        ans = await self.send(self.request(method, path, query, payload))
        if ans.dry_run:
            return None
        data = self.json(ans)
        if ans.status != 200:
            d = data if isinstance(data, dict) else {}
            raise self.fail(ans, f"HTTP {ans.status} {d.get('error', '')}: {d.get('message', '')}")
        return data

    async def open_orders(self) -> list[OpenOrder]:
        found: list[OpenOrder] = []
        cursor = ""
        while True:
            q = "order_status=OPEN" + (f"&cursor={cursor}" if cursor else "")
            data = await self.call("GET", "/api/v3/brokerage/orders/historical/batch", q)
            if data is None:
                raise DryRun()
            found += [
                OpenOrder(str(o["product_id"]), str(o["order_id"])) for o in data.get("orders", [])
            ]
            cursor = str(data.get("cursor") or "") if data.get("has_next") else ""
            if not cursor:
                return found

    async def cancel_all(self, symbols: Sequence[str] = ()) -> Step:
        try:
            orders = await self.open_orders()
        except DryRun:
            return Step(
                ok=True,
                detail="dry run: would list open orders, then batch_cancel",
                calls=self.take_calls(),
            )
        if symbols:
            orders = [o for o in orders if o.symbol in symbols]
        initiated, refused = 0, []
        for i in range(0, len(orders), BATCH):
            ids = [o.order_id for o in orders[i : i + BATCH]]
            data = await self.call(
                "POST", "/api/v3/brokerage/orders/batch_cancel", payload={"order_ids": ids}
            )
            for r in data.get("results", []):
                if r.get("success"):
                    initiated += 1
                else:
                    refused.append(f"{r.get('order_id')}: {r.get('failure_reason')}")
        calls = self.take_calls()
        if refused:
            return Step(
                ok=False,
                detail=f"initiated {initiated}, refused {len(refused)}: " + "; ".join(refused[:5]),
                calls=calls,
                retryable=True,
            )
        return Step(ok=True, detail=f"initiated {initiated} of {len(orders)}", calls=calls)

    async def account(self) -> Step:
        await self.call("GET", "/api/v3/brokerage/accounts")
        return Step(ok=True, detail="authenticated read OK", calls=self.take_calls())
