"""Control sinks: telling the outside world what the controller did.

The journal is always the first sink (the controller writes it before
anything takes effect). These are the others. A sink's result — delivered,
failed, with the status — is journalled by the controller, so a webhook that
never arrived is visible in the incident timeline, not silently lost.

Every sink sends through its own :class:`~tui.control.delivery.Outbox`
(bounded queue, one worker, timeouts, jittered retries): a slow receiver never
delays a command. The alerting sinks (Alertmanager, PagerDuty, Slack) live in
:mod:`tui.integrations`; this module holds the settings they share and the
signed webhook.

The webhook body is signed with HMAC-SHA256 over ``<timestamp>.<body>`` using
a secret from the keyring (or its 0600 fallback), so the receiver can reject
forgeries and replays; the secret itself never appears in logs or journals.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any, Final

import msgspec

from tui.control.delivery import Outbox, Request, SinkError, host_only
from tui.secrets import Secret

__all__ = ["KINDS", "SinkError", "SinkSettings", "WebhookSink", "build", "sign"]

SIGNATURE_HEADER: Final = "X-Venuewatch-Signature"
TIMESTAMP_HEADER: Final = "X-Venuewatch-Timestamp"
KINDS: Final = ("webhook", "alertmanager", "pagerduty", "slack")
PAGERDUTY_EVENTS_URL: Final = "https://events.pagerduty.com/v2/enqueue"


class SinkSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One ``[[sinks]]`` entry of the configuration."""

    kind: str
    """``webhook``, ``alertmanager``, ``pagerduty`` or ``slack``."""
    url: str = ""
    """Webhook: where to POST. Alertmanager: its base URL (``http://127.0.0.1:9093``).
    PagerDuty: the Events API v2 endpoint (default the public one). Slack: unused —
    the incoming-webhook URL is itself a credential and lives in the keyring."""
    secret: str = ""
    """NAME of a keyring entry, never a value. Webhook: the HMAC key (empty sends
    unsigned). PagerDuty: the integration's routing key. Slack: the webhook URL.
    Alertmanager: an optional bearer token."""
    timeout_s: float = 5.0
    retries: int = 2
    queue: int = 1000
    """Requests waiting for this sink at most; beyond it they are dropped, counted, journalled."""
    actions: list[str] = []
    """Only these command actions are sent (empty: every command but notes)."""
    severity: str = ""
    """Least severity of alerts sent (``warning`` or ``critical``); empty: the kind's
    default (Alertmanager every alert, PagerDuty and Slack critical only)."""
    resend_s: float = 60.0
    """Alertmanager: how often firing alerts are sent again (its own resolve_timeout
    would otherwise resolve them). PagerDuty: how long after a restart a page left
    open must see its alert fire again before it is resolved."""
    generator_url: str = ""
    """Alertmanager: the link back to venuewatch on each alert (default: the console URL)."""

    @property
    def endpoint(self) -> str:
        if self.kind == "pagerduty":
            return self.url or PAGERDUTY_EVENTS_URL
        return self.url

    def outbox(self, name: str) -> Outbox:
        return Outbox(name, timeout_s=self.timeout_s, retries=self.retries, queue_size=self.queue)

    def wants(self, entry: dict[str, Any]) -> bool:
        action = entry.get("action")
        if self.actions:
            return action in self.actions
        return action != "note"

    def check(self, where: str) -> list[str]:
        """Problems the types cannot express, each naming ``where`` (``sinks[0]``)."""
        problems = []
        if self.kind not in KINDS:
            problems.append(f"{where}.kind: expected one of {', '.join(KINDS)}, got {self.kind!r}")
            return problems
        needs_url = self.kind in ("webhook", "alertmanager")
        if (needs_url or self.url) and not self.url.startswith(("http://", "https://")):
            problems.append(f"{where}.url: expected an http(s) URL")
        if self.kind == "slack" and self.url:
            problems.append(
                f"{where}.url: a Slack webhook URL is a credential: store it in the keyring "
                "and name it in secret"
            )
        if self.kind in ("pagerduty", "slack") and not self.secret:
            what = "routing key" if self.kind == "pagerduty" else "webhook URL"
            problems.append(f"{where}.secret: name the keyring entry holding the {what}")
        if self.severity not in ("", "warning", "critical"):
            problems.append(f"{where}.severity: expected warning or critical")
        if self.timeout_s <= 0 or self.retries < 0 or self.queue < 1:
            problems.append(f"{where}: timeout_s > 0, retries >= 0 and queue >= 1 expected")
        if self.resend_s < 1:
            problems.append(f"{where}.resend_s: expected at least 1 second")
        return problems


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookSink:
    """POSTs each command entry as JSON to a URL."""

    def __init__(self, settings: SinkSettings, secret: Secret | None = None) -> None:
        self.settings = settings
        # The URL may embed a secret: only its redacted form is journalled or logged.
        self.name = f"webhook:{host_only(settings.url)}"
        self._secret = secret
        self.outbox = settings.outbox(self.name)

    def wants(self, entry: dict[str, Any]) -> bool:
        return self.settings.wants(entry)

    async def dispatch(self, entry: dict[str, Any]) -> str:
        if not self.wants(entry):
            return "skipped (action not subscribed)"
        body = msgspec.json.encode({"source": "venuewatch", "entry": entry})
        return await self.outbox.send(Request(self.settings.url, body, sign=self._headers))

    def _headers(self, body: bytes) -> dict[str, str]:
        # Signed per attempt: a retry carries a fresh timestamp, not a stale one.
        ts = str(int(time.time()))
        headers = {TIMESTAMP_HEADER: ts}
        if self._secret is not None:
            headers[SIGNATURE_HEADER] = sign(self._secret.reveal(), ts, body)
        return headers

    async def aclose(self) -> None:
        await self.outbox.aclose()


def secret_for(settings: SinkSettings, where: str) -> Secret | None:
    """The sink's named secret from the keyring; ValueError naming it if absent."""
    from tui.secrets import load_secret

    if not settings.secret:
        return None
    secret = load_secret(settings.secret)
    if secret is None:
        raise ValueError(
            f"{where}: secret {settings.secret!r} not found in the keyring "
            "(store it first; it never goes in the config file)"
        )
    return secret


def build(settings: list[SinkSettings]) -> list[WebhookSink]:
    """The webhook sinks of a configuration (the other kinds: :mod:`tui.integrations.sinks`)."""
    sinks = []
    for i, s in enumerate(settings):
        if s.kind != "webhook":
            continue
        sinks.append(WebhookSink(s, secret_for(s, f"sinks[{i}]")))
    return sinks
