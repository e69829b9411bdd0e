"""PagerDuty Events API v2: trigger, acknowledge and resolve, one dedup_key per alert.

The event shapes follow PagerDuty's Events API v2 documentation (developer
docs, "Send Alert Events"): ``routing_key``, ``event_action`` (``trigger`` /
``acknowledge`` / ``resolve``), ``dedup_key``, and for a trigger a ``payload``
with ``summary`` (at most 1024 characters), ``source`` and ``severity``
(``critical``, ``error``, ``warning`` or ``info``). The routing key comes from
the keyring by name; it is never logged or journalled.

The dedup_key is ``venuewatch/<rule>|<venue>|<instrument>``: the same alert
always maps to the same PagerDuty alert, so an escalation updates it and the
resolve closes it. Pages still open when the engine stopped are read back from
the journal on start; one whose alert has not fired again ``resend_s`` later is
resolved, so a restart never leaves a page open forever. A responder acting on
a venue (isolating it, or acknowledging an alert) acknowledges its open pages:
someone has it.

A silenced alert (``ctl silence``) does not trigger or escalate a page; the
result is journalled as muted. A page opened before the silence is still
resolved when its alert ends: closing a page is not a notification, and
leaving it open would keep paging after the incident.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any, Final

import msgspec

from tui.control.delivery import Request, SinkError, host_only
from tui.control.sinks import SinkSettings
from tui.integrations.base import AlertSink, Context, clip
from tui.secrets import Secret

SUMMARY_MAX: Final = 1024
DEDUP_MAX: Final = 255
ACK_ACTIONS: Final = frozenset({"ack", "acknowledge"})
JOURNAL_RULE: Final = "journal-unwritable"


def dedup_key(alert_key: str) -> str:
    return clip(f"venuewatch/{alert_key}", DEDUP_MAX)


class PagerDutySink(AlertSink):
    kind = "pagerduty"
    default_severity = "critical"

    def __init__(self, settings: SinkSettings, routing_key: Secret) -> None:
        super().__init__(settings, f"pagerduty:{host_only(settings.endpoint)}")
        self.url = settings.endpoint
        self._routing_key = routing_key
        self.open: dict[str, str] = {}
        """Alert key -> venue, for the alerts triggered and not yet resolved."""
        self._recovered: set[str] = set()
        self._sweeper: asyncio.Task[None] | None = None

    def recover(self, prior: list[dict[str, Any]]) -> None:
        for e in prior:
            if e.get("kind") != "sink" or e.get("sink") != self.name or not e.get("ok"):
                continue
            if str(e.get("detail", "")).startswith("muted"):
                continue  # a silenced trigger never opened a page
            verb, _, key = str(e.get("about", "")).partition(" ")
            if verb == "trigger":
                self.open[key] = key.split("|")[1] if key.count("|") >= 2 else ""
            elif verb == "resolve":
                self.open.pop(key, None)
        self._recovered = set(self.open)

    def start(self, ctx: Context) -> None:
        super().start(ctx)
        if self._recovered:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_recovered())

    async def _sweep_recovered(self) -> None:
        await asyncio.sleep(self.settings.resend_s)
        if self.ctx is None:
            return
        firing = {a.key for a in self.ctx.firing()}
        for key in sorted(self._recovered - firing):
            if self.open.pop(key, None) is not None:
                self.send(Request(self.url, self.event("resolve", key)), f"resolve {key}")

    async def aclose(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        await super().aclose()

    def event(self, action: str, alert_key: str, **trigger: Any) -> bytes:
        body: dict[str, Any] = {
            "routing_key": self._routing_key.reveal(),
            "event_action": action,
            "dedup_key": dedup_key(alert_key),
        }
        if action == "trigger":
            body["payload"] = trigger["payload"]
            body["client"] = "venuewatch"
            if self.ctx is not None and self.ctx.console_url:
                body["client_url"] = self.ctx.console_url
        return msgspec.json.encode(body)

    def notice(self, entry: dict[str, Any]) -> None:
        if entry.get("kind") != "alert":
            return
        key = str(entry.get("key", ""))
        what = entry.get("what")
        if what == "resolved":
            if self.open.pop(key, None) is not None:
                self.send(Request(self.url, self.event("resolve", key)), f"resolve {key}")
            return
        if what not in ("firing", "escalated") or not self.wants_alert(str(entry["severity"])):
            return
        if self.mute(key, f"trigger {key}"):
            return
        venue = str(entry.get("venue", ""))
        instrument = str(entry.get("instrument") or "")
        payload = {
            "summary": clip(f"{venue}: {entry.get('summary', '')}", SUMMARY_MAX),
            "source": venue,
            "severity": "critical" if entry.get("severity") == "critical" else "warning",
            "timestamp": entry.get("ts"),
            "component": instrument or venue,
            "group": venue,
            "class": str(entry.get("rule", "")),
            "custom_details": {
                "rule": entry.get("rule"),
                "venue": venue,
                "instrument": instrument or "*",
                "inhibited": bool(entry.get("inhibited")),
                "journal_seq": entry.get("seq"),
            },
        }
        self.open[key] = venue
        self.send(Request(self.url, self.event("trigger", key, payload=payload)), f"trigger {key}")

    async def dispatch(self, entry: dict[str, Any]) -> str:
        if entry.get("kind") == "system":
            return await self._journal_health(entry)
        action = entry.get("action")
        args = entry.get("args") or {}
        if action in ACK_ACTIONS:
            keys = [k for k in (args.get("key"), args.get("alert")) if k in self.open]
        elif action == "isolate":
            keys = [k for k, v in self.open.items() if v == args.get("venue")]
        else:
            return "skipped (not an acknowledgement)"
        if not keys:
            return "skipped (no open page to acknowledge)"
        results = []
        for key in keys:
            try:
                await self.outbox.send(Request(self.url, self.event("acknowledge", key)))
                results.append(key)
            except SinkError as exc:
                raise SinkError(f"acknowledge {key}: {exc}") from None
        return f"acknowledged: {', '.join(results)}"

    async def _journal_health(self, entry: dict[str, Any]) -> str:
        """The journal going down cannot be journalled as an alert: it pages directly."""
        key = f"{JOURNAL_RULE}|engine|"
        if entry.get("event") == JOURNAL_RULE:
            payload = {
                "summary": clip(
                    f"venuewatch journal unwritable: {entry.get('reason', '')}; "
                    "commands are refused",
                    SUMMARY_MAX,
                ),
                "source": "venuewatch",
                "severity": "critical",
                "timestamp": datetime.now(UTC).isoformat(),
                "component": "journal",
                "class": JOURNAL_RULE,
                "custom_details": {"journal": entry.get("journal"), "since": entry.get("since")},
            }
            self.open[key] = "engine"
            return await self.outbox.send(
                Request(self.url, self.event("trigger", key, payload=payload))
            )
        if entry.get("event") == "journal-writable" and self.open.pop(key, None) is not None:
            return await self.outbox.send(Request(self.url, self.event("resolve", key)))
        return "skipped (not a page)"
