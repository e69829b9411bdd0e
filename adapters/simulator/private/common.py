"""What the simulated private venues share: the request as received, replies, test keys."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from adapters.simulator.private.account import Account


@dataclass(frozen=True)
class TestKey:
    """A generated key pair for the simulator only: it unlocks nothing anywhere else."""

    key: str
    secret: str
    passphrase: str = ""

    def __repr__(self) -> str:
        return "TestKey(<redacted>)"

    @classmethod
    def generate(cls, venue: str) -> TestKey:
        if venue == "kraken":  # Kraken secrets are base64 of 64 bytes
            return cls(
                base64.b64encode(secrets.token_bytes(40)).decode()[:56],
                base64.b64encode(secrets.token_bytes(64)).decode(),
            )
        if venue == "coinbase":  # an EC P-256 key, PEM on one line with \n escaped
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import ec

            pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
            name = f"organizations/{secrets.token_hex(8)}/apiKeys/{secrets.token_hex(8)}"
            return cls(name, pem.decode().replace("\n", "\\n"))
        if venue == "okx":
            return cls(
                secrets.token_hex(16), secrets.token_hex(16).upper(), secrets.token_urlsafe(12)
            )
        return cls(secrets.token_urlsafe(48)[:64], secrets.token_urlsafe(48)[:64])


@dataclass
class Incoming:
    method: str
    path: str
    query: str
    """The raw query string, exactly as sent (signatures cover the bytes, not a parse)."""
    headers: dict[str, str]
    body: str


@dataclass
class Reply:
    status: int
    payload: Any
    headers: dict[str, str] | None = None


class Backend:
    """One venue's private REST: subclasses implement ``handle``."""

    venue = ""

    def __init__(self, account: Account, key: TestKey) -> None:
        self.account = account
        self.key = key

    async def handle(self, req: Incoming) -> Reply:
        raise NotImplementedError

    # Faults that do not depend on the venue's grammar, in the order a venue meets them.
    def transport_fault(self) -> Reply | None:
        if self.account.take("5xx"):
            return self.unavailable()
        if self.account.take("ratelimit"):
            return self.rate_limited()
        return None

    def unavailable(self) -> Reply:
        raise NotImplementedError

    def rate_limited(self) -> Reply:
        raise NotImplementedError
