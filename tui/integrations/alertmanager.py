"""Alertmanager (API v2): firing and resolved alerts, resent as Alertmanager expects.

Per Alertmanager's client contract (prometheus.io/docs/alerting/clients):
labels identify an alert, annotations are whatever was sent last; a client
re-sends active alerts continuously, and an alert whose ``endsAt`` has passed
is resolved. So a firing alert is sent at once and then every ``resend_s``
with ``endsAt`` four resend periods ahead (Prometheus's own margin): if
venuewatch dies, Alertmanager resolves it by itself a few minutes later
instead of paging forever. A resolved alert is sent once with ``endsAt`` now.

Labels: ``alertname`` (the rule), ``venue``, ``instrument`` (``*`` for a
venue-wide alert: an empty label would vanish), ``severity``, ``source``. A
severity change changes the labels, so the old identity is resolved as the new
one fires. Inhibited alerts (isolated venue) are still sent, marked in an
annotation: Alertmanager's routing decides whether they page.

A venuewatch silence (``ctl silence``) is honoured by no longer telling
Alertmanager about the alert: it is neither sent nor resent, and one already
told is not resolved either — its last ``endsAt`` simply passes and
Alertmanager expires it, as it would for a client that stopped reporting. An
annotation such as ``silenced_by`` would not mute anything (Alertmanager
routes and silences match labels), and a label would change the alert's
identity (a resolve of the old one, a new page for the new one); mirroring it
as an Alertmanager silence would need write access to its silences API and
their lifecycle kept in step — not worth it for a mute both sides can see. When
the silence expires and the alert still fires it is sent again at once (next
journal event or resend).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime
from typing import Any, Final

import msgspec

from tui.control.delivery import Request, host_only
from tui.control.sinks import SinkSettings
from tui.engine.alerts import Alert
from tui.integrations.base import AlertSink, Context
from tui.secrets import Secret

RESEND_MARGIN: Final = 4
"""``endsAt`` of a firing alert is this many resend periods ahead."""


def rfc3339(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def labels_of(rule: str, venue: str, instrument: str, severity: str) -> dict[str, str]:
    return {
        "alertname": rule,
        "venue": venue,
        "instrument": instrument or "*",
        "severity": severity,
        "source": "venuewatch",
    }


class AlertmanagerSink(AlertSink):
    kind = "alertmanager"
    default_severity = "warning"

    def __init__(
        self,
        settings: SinkSettings,
        token: Secret | None = None,
        clock: Any = time.time_ns,
    ) -> None:
        super().__init__(settings, f"alertmanager:{host_only(settings.url)}")
        self.url = settings.url.rstrip("/") + "/api/v2/alerts"
        self._token = token
        self.clock = clock
        self.told: dict[str, dict[str, str]] = {}
        """Alert key -> the labels last sent as firing."""
        self._resender: asyncio.Task[None] | None = None
        self._ok: bool | None = None

    def start(self, ctx: Context) -> None:
        super().start(ctx)
        self._resender = asyncio.get_running_loop().create_task(self._resend_forever())

    async def aclose(self) -> None:
        if self._resender is not None:
            self._resender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._resender
        await super().aclose()

    @property
    def generator_url(self) -> str:
        if self.settings.generator_url:
            return self.settings.generator_url
        return self.ctx.console_url if self.ctx else ""

    # -- what is sent --------------------------------------------------------------------

    def _item(
        self,
        labels: dict[str, str],
        summary: str,
        starts_ns: int,
        ends_ns: int,
        inhibited: bool = False,
    ) -> dict[str, Any]:
        item: dict[str, Any] = {
            "labels": labels,
            "annotations": {
                "summary": summary,
                "inhibited": "true" if inhibited else "false",
            },
            "startsAt": rfc3339(starts_ns),
            "endsAt": rfc3339(ends_ns),
        }
        if self.generator_url:
            item["generatorURL"] = self.generator_url
        return item

    def firing_items(self, alerts: list[Alert]) -> list[dict[str, Any]]:
        """Every firing alert this sink takes, as Alertmanager items; updates what was told.

        Keys told before but no longer firing (or whose severity changed) are
        resolved in the same batch.
        """
        now = self.clock()
        ends = now + int(RESEND_MARGIN * self.settings.resend_s * 1e9)
        items = []
        current: dict[str, dict[str, str]] = {}
        muted: set[str] = set()
        for a in alerts:
            if a.state != "firing" or not self.wants_alert(a.severity):
                continue
            if self.silence_for(a.key) is not None:
                muted.add(a.key)  # not resent: left to expire (module docstring)
                continue
            labels = labels_of(a.rule, a.venue, a.instrument, a.severity)
            current[a.key] = labels
            items.append(self._item(labels, a.summary, a.fired_ns or now, ends, a.inhibited))
        for key, labels in self.told.items():
            if key in muted or self.silence_for(key) is not None:
                continue  # a silenced alert is neither resent nor resolved: it expires
            if current.get(key) != labels:
                items.append(self._item(labels, "resolved", now, now))
        self.told = current
        return items

    def _post(self, items: list[dict[str, Any]], about: str, journal: bool) -> None:
        if not items:
            return
        self.send(
            Request(self.url, msgspec.json.encode(items), self._auth_headers()), about, journal
        )

    # -- events --------------------------------------------------------------------------

    def notice(self, entry: dict[str, Any]) -> None:
        if entry.get("kind") != "alert" or self.ctx is None:
            return
        what = entry.get("what")
        key = str(entry.get("key"))
        if what in ("firing", "escalated") or (what == "resolved" and key in self.told):
            if self.mute(key, f"alert {what}: {key}"):
                # Dropped from what was told without a resolve: Alertmanager expires it.
                self.told.pop(key, None)
                return
            # The engine's firing set is the truth: one batch brings Alertmanager up
            # to date, this alert included (and a resolved one ended now).
            items = self.firing_items(self.ctx.firing())
            self._post(items, f"alert {what}: {key}", journal=True)

    async def _resend_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.resend_s)
            if self.ctx is None:
                continue
            items = self.firing_items(self.ctx.firing())
            if not items:
                continue
            fut = self.outbox.submit(
                Request(self.url, msgspec.json.encode(items), self._auth_headers())
            )
            if fut is None:
                self._overflowed("resend")
                continue
            fut.add_done_callback(self._resent)

    def _auth_headers(self) -> dict[str, str]:
        if self._token is None:
            return {}
        return {"Authorization": f"Bearer {self._token.reveal()}"}

    def _resent(self, fut: asyncio.Future[str]) -> None:
        # Resends are journalled only when delivery changes between working and
        # failing: one line a minute per sink would bury the incident timeline.
        if fut.cancelled():
            return
        ok = fut.exception() is None
        if ok != self._ok:
            detail = fut.result() if ok else str(fut.exception())
            if self._ok is not None or not ok:
                self._record(ok=ok, about="resend of firing alerts", detail=detail)
            self._ok = ok
