"""Control sinks: telling the outside world what the controller did.

The journal is always the first sink (the controller writes it before
anything takes effect). These are the others. A sink's result — delivered,
failed, with the status — is journalled by the controller, so a webhook that
never arrived is visible in the incident timeline, not silently lost.

The webhook body is signed with HMAC-SHA256 over ``<timestamp>.<body>`` using
a secret from the keyring (or its 0600 fallback), so the receiver can reject
forgeries and replays; the secret itself never appears in logs or journals.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
import urllib.error
import urllib.request
from typing import Any, Final

import msgspec

from tui.secrets import Secret
from tui.text import redact_url

SIGNATURE_HEADER: Final = "X-Venuewatch-Signature"
TIMESTAMP_HEADER: Final = "X-Venuewatch-Timestamp"


class SinkSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One ``[[sinks]]`` entry of the configuration."""

    kind: str
    """``webhook`` (the only kind so far)."""
    url: str
    secret: str = ""
    """Name of the HMAC secret in the keyring; empty sends unsigned (not recommended)."""
    timeout_s: float = 5.0
    retries: int = 2
    actions: list[str] = []
    """Only these command actions are sent (empty: every command but notes)."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class SinkError(Exception):
    pass


class WebhookSink:
    """POSTs each command entry as JSON to a URL."""

    def __init__(self, settings: SinkSettings, secret: Secret | None = None) -> None:
        self.settings = settings
        # The URL may embed a secret: only its redacted form is journalled or logged.
        self.name = f"webhook:{redact_url(settings.url)}"
        self._secret = secret

    def wants(self, entry: dict[str, Any]) -> bool:
        action = entry.get("action")
        if self.settings.actions:
            return action in self.settings.actions
        return action != "note"

    async def dispatch(self, entry: dict[str, Any]) -> str:
        if not self.wants(entry):
            return "skipped (action not subscribed)"
        body = msgspec.json.encode({"source": "venuewatch", "entry": entry})
        last = ""
        for attempt in range(self.settings.retries + 1):
            if attempt:
                await asyncio.sleep(min(2.0, 0.25 * 2**attempt))
            try:
                status = await asyncio.to_thread(self._post, body)
                return f"delivered: HTTP {status}" + (
                    f" after {attempt} retries" if attempt else ""
                )
            except SinkError as exc:
                last = str(exc)
        raise SinkError(f"not delivered after {self.settings.retries + 1} attempts: {last}")

    def _post(self, body: bytes) -> int:
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "venuewatch",
            TIMESTAMP_HEADER: ts,
        }
        if self._secret is not None:
            headers[SIGNATURE_HEADER] = sign(self._secret.reveal(), ts, body)
        req = urllib.request.Request(self.settings.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.settings.timeout_s) as resp:
                status: int = resp.status
        except urllib.error.HTTPError as exc:
            raise SinkError(f"HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            raise SinkError(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from None
        if not 200 <= status < 300:
            raise SinkError(f"HTTP {status}")
        return status


def build(settings: list[SinkSettings]) -> list[WebhookSink]:
    from tui.secrets import load_secret

    sinks = []
    for s in settings:
        if s.kind != "webhook":
            raise ValueError(f"sinks: unknown kind {s.kind!r} (known: webhook)")
        secret = load_secret(s.secret) if s.secret else None
        if s.secret and secret is None:
            raise ValueError(
                f"sinks: secret {s.secret!r} not found in the keyring "
                "(store it first; it never goes in the config file)"
            )
        sinks.append(WebhookSink(s, secret))
    return sinks
