"""What every venue control adapter shares: credentials, requests, answers, steps.

A request is built and signed by the venue module (pure functions, tested
against the venues' documented examples), then sent by a :class:`Transport`
(httpx) or, in dry-run, only recorded. What is journalled about a request is
its :meth:`Request.public` form: every credential value scrubbed out of the
URL, headers and body, so neither a key nor a passphrase reaches the journal;
the signature stays (it is single use and proves what would be sent).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, Final

import msgspec

MAX_BODY: Final = 600
"""A venue's answer is kept to this many characters in the journal."""


class ControlSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One ``[controls.<venue>]`` table: how to reach and halt a venue's account."""

    adapter: str = ""
    """Entry point in ``venuewatch.controls`` (default: the table's name)."""
    url: str = ""
    """REST base URL (default: the venue's production endpoint)."""
    account: str = "default"
    """Which stored credentials (``venuewatch keys set VENUE --account NAME``)."""
    symbols: list[str] = []
    """Symbols the dead-man timer covers where it is per symbol (Binance USD-M)."""
    options: dict[str, Any] = {}
    """Venue specifics: Bybit ``categories``/``settle_coin``, OKX ``inst_type``."""
    dry_run: bool = False
    """Journal the signed calls a halt would make, send none."""
    in_isolate: bool = True
    """Isolating the venue also halts at the venue."""
    keep_alive: bool = False
    """The engine arms the venue's dead-man timer and keeps it alive."""
    deadman_s: float = 60.0
    """Dead-man timeout while the engine keeps it alive."""
    heartbeat_s: float = 20.0
    halt_deadman_s: float = 10.0
    """Dead-man timeout armed (shortened) by a halt, as the backstop."""
    verify_timeout_s: float = 10.0
    verify_interval_s: float = 0.5
    retries: int = 2
    retry_backoff_s: float = 0.1
    """First retry after this, doubling, at most 2 s."""
    timeout_s: float = 5.0
    recv_window_ms: int = 5000


class Credentials:
    """Key, secret and (OKX) passphrase; never printed, never pickled."""

    __slots__ = ("account", "key", "passphrase", "secret")

    def __init__(self, key: str, secret: str, passphrase: str = "", account: str = "") -> None:
        self.key = key
        self.secret = secret
        self.passphrase = passphrase
        self.account = account

    def values(self) -> list[str]:
        return [v for v in (self.key, self.secret, self.passphrase) if v]

    def __repr__(self) -> str:
        return f"Credentials(account={self.account!r}, <redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("credentials cannot be pickled")


def scrub(text: str, secrets: Iterable[str]) -> str:
    for s in secrets:
        if s:
            text = text.replace(s, "<redacted>")
    return text


class Request(msgspec.Struct, kw_only=True):
    method: str
    base: str
    path: str
    query: str = ""
    body: str = ""
    headers: dict[str, str] = {}

    @property
    def url(self) -> str:
        return self.base.rstrip("/") + self.path + (f"?{self.query}" if self.query else "")

    def public(self, secrets: Iterable[str]) -> dict[str, Any]:
        """The request as it may be journalled: credential values scrubbed out."""
        hidden = list(secrets)
        target = self.path + (f"?{self.query}" if self.query else "")
        return {
            "method": self.method,
            "target": scrub(target, hidden),
            "body": scrub(self.body, hidden),
            "headers": {k: scrub(v, hidden) for k, v in self.headers.items()},
        }


class Answer(msgspec.Struct, kw_only=True):
    """What came back (or did not): HTTP status, body, elapsed time."""

    status: int | None
    body: str = ""
    ms: float = 0.0
    error: str = ""
    """Transport failure (timeout, refused); empty when a status came back."""
    dry_run: bool = False


class Call(msgspec.Struct, kw_only=True):
    """One request and its answer, as journalled."""

    request: dict[str, Any]
    status: int | None
    answer: str
    ms: float
    error: str = ""


class VenueError(Exception):
    """A venue call that did not do what was asked; ``retryable`` if trying again may help."""

    def __init__(self, reason: str, retryable: bool, calls: list[Call] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.calls = calls or []


class Step(msgspec.Struct, kw_only=True):
    """The result of one layer's venue action: accepted (not: done) and what was said."""

    ok: bool
    detail: str
    calls: list[Call] = []
    retryable: bool = False
    """Not ok, and trying again may help (5xx, timeout, rate limit)."""
    fires_at_ms: int | None = None
    """For a dead-man arm: when the venue says it fires (epoch ms), if it says."""


class OpenOrder(msgspec.Struct, frozen=True):
    symbol: str
    order_id: str


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def clip(body: str) -> str:
    return body if len(body) <= MAX_BODY else body[:MAX_BODY] + f"… ({len(body)} chars)"
