"""Slack incoming webhook: one readable Block Kit message per command, trip or critical alert.

The body is what Slack's incoming-webhook documentation describes: a
top-level ``text`` (the notification fallback) and ``blocks`` — a ``header``
(plain text, at most 150 characters), a ``section`` with mrkdwn text and up
to 10 ``fields``, and a ``context`` line. Text from venues or consoles is
escaped for mrkdwn (``&``, ``<``, ``>``) so it cannot forge links or mentions.
The webhook URL is a credential: it comes from the keyring by name and only
its host is ever shown.

An alert message (firing, escalated, resolved) is not posted while a silence
covers the alert; it is journalled as muted. Commands, breaker trips and the
journal's own outage are always posted.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

from tui.control.delivery import Request
from tui.control.sinks import SinkSettings
from tui.integrations.base import AlertSink, clip
from tui.secrets import Secret

HEADER_MAX: Final = 150
TEXT_MAX: Final = 3000
FIELD_MAX: Final = 2000
FIELDS_MAX: Final = 10


def escape(text: object) -> str:
    """mrkdwn-safe text: Slack's three control characters escaped, control chars dropped."""
    s = "".join(ch for ch in str(text) if ch.isprintable() or ch == "\n")
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def message(title: str, body: str, fields: dict[str, object], context: str) -> dict[str, Any]:
    shown = {k: v for k, v in fields.items() if v not in (None, "")}
    return {
        "text": clip(f"{title}: {body}", TEXT_MAX),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": clip(title, HEADER_MAX)}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": clip(escape(body), TEXT_MAX)},
                "fields": [
                    {"type": "mrkdwn", "text": clip(f"*{escape(k)}*\n{escape(v)}", FIELD_MAX)}
                    for k, v in list(shown.items())[:FIELDS_MAX]
                ],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": escape(context)}]},
        ],
    }


class SlackSink(AlertSink):
    kind = "slack"
    default_severity = "critical"

    def __init__(self, settings: SinkSettings, webhook_url: Secret) -> None:
        super().__init__(settings, "slack:incoming-webhook")
        self._url = webhook_url

    def _request(self, body: dict[str, Any]) -> Request:
        return Request(self._url.reveal(), msgspec.json.encode(body))

    async def dispatch(self, entry: dict[str, Any]) -> str:
        if entry.get("kind") == "system":
            return await self._journal_health(entry)
        if not self.settings.wants(entry):
            return "skipped (action not subscribed)"
        args = entry.get("args") or {}
        target = " ".join(str(v) for v in args.values())
        title = f"venuewatch: {entry.get('action')} {target}".strip()
        body = str(entry.get("outcome") or entry.get("summary") or "")
        fields = {
            "Action": entry.get("action"),
            "By": entry.get("actor"),
            "Reason": entry.get("reason"),
            **{k.capitalize(): v for k, v in args.items()},
        }
        context = f"journal seq {entry.get('seq')} · {entry.get('ts')} · id {entry.get('id')}"
        return await self.outbox.send(self._request(message(title, body, fields, context)))

    def notice(self, entry: dict[str, Any]) -> None:
        kind = entry.get("kind")
        context = f"journal seq {entry.get('seq')} · {entry.get('ts')}"
        if kind == "breaker":
            title = f"Breaker tripped: {entry.get('breaker')} on {entry.get('venue')}"
            fields = {
                "Breaker": entry.get("breaker"),
                "Venue": entry.get("venue"),
                "Action": entry.get("action"),
            }
            msg = message(title, str(entry.get("reason", "")), fields, context)
            self.send(self._request(msg), f"breaker {entry.get('breaker')}")
        elif kind == "alert" and self.wants_alert(str(entry.get("severity"))):
            what = entry.get("what")
            if what not in ("firing", "escalated", "resolved"):
                return
            key = str(entry.get("key"))
            if self.mute(key, f"alert {what}: {key}"):
                return
            word = {"firing": "FIRING", "escalated": "ESCALATED", "resolved": "RESOLVED"}[what]
            title = f"{word} {entry.get('severity')}: {entry.get('rule')} on {entry.get('venue')}"
            fields = {
                "Venue": entry.get("venue"),
                "Instrument": entry.get("instrument") or "*",
                "Severity": entry.get("severity"),
                "Rule": entry.get("rule"),
                "Inhibited": "yes (venue isolated)" if entry.get("inhibited") else "",
            }
            msg = message(title, str(entry.get("summary", "")), fields, context)
            self.send(self._request(msg), f"alert {what}: {key}")

    async def _journal_health(self, entry: dict[str, Any]) -> str:
        event = entry.get("event")
        if event == "journal-unwritable":
            title = "Journal unwritable: commands are refused"
            body = str(entry.get("reason", ""))
        elif event == "journal-writable":
            title = "Journal writable again"
            body = "Commands are accepted again."
        else:
            return "skipped (not for people)"
        fields = {"Journal": entry.get("journal"), "Since": entry.get("since")}
        msg = message(title, body, fields, "sent directly: the journal could not hold this")
        return await self.outbox.send(self._request(msg))
