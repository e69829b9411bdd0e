"""What the alerting sinks share: the service's context, journalled results, overflow.

The alerting sinks hear about alerts and breaker trips from the journal (an
entry reaches them only once it is durable, the same order as commands) and
about commands through the controller's Sink protocol. Their deliveries go
through an :class:`~tui.control.delivery.Outbox`; results are journalled as
``sink`` entries so a page that never left is visible in the timeline.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Final

from tui.control.controller import Silence
from tui.control.delivery import Request, SinkError
from tui.control.sinks import SinkSettings
from tui.engine.alerts import SEVERITIES, Alert

log = logging.getLogger("venuewatch.sinks")

OVERFLOW_JOURNAL_EVERY: Final = 100
"""After the first drop, one journal entry per this many more (a dead sink must not fill a disk)."""


@dataclass
class Context:
    """What an alerting sink may use of the running service, and nothing more."""

    record: Callable[..., Coroutine[Any, Any, dict[str, Any]]]
    """Journal an entry (the controller's ``record``)."""
    firing: Callable[[], list[Alert]]
    """The alerts firing now, inhibited ones included."""
    silenced: Callable[[str], Silence | None] = lambda _key: None
    """The silence muting an alert key at this moment (the controller's ``silenced``)."""
    console_url: str = ""
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)


def rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


class AlertSink:
    """Base of the Alertmanager, PagerDuty and Slack sinks."""

    kind = ""
    default_severity = "critical"

    def __init__(self, settings: SinkSettings, name: str) -> None:
        self.settings = settings
        self.name = name
        self.outbox = settings.outbox(name)
        self.ctx: Context | None = None
        self.min_rank = rank(settings.severity or self.default_severity)
        self._dropped_journalled = 0
        self.muted = 0
        """Alert notifications not sent because a silence covered the alert."""

    def start(self, ctx: Context) -> None:
        self.ctx = ctx

    def recover(self, prior: list[dict[str, Any]]) -> None:
        """The journal before this start (this sink's own results are in it)."""

    def wants_alert(self, severity: str) -> bool:
        return rank(severity) >= self.min_rank

    def silence_for(self, alert_key: str) -> Silence | None:
        """The silence covering ``alert_key`` now, if any (looked up per notification, so
        an expired silence stops muting by itself)."""
        return self.ctx.silenced(alert_key) if self.ctx is not None else None

    def mute(self, alert_key: str, about: str) -> bool:
        """Whether an alert notification is muted; if so it is counted and journalled.

        Only alert notifications ask: commands, breaker trips and the journal's own
        outage are never muted (a silence is about alerts, Alertmanager's practice).
        """
        hit = self.silence_for(alert_key)
        if hit is None:
            return False
        self.muted += 1
        self._record(
            ok=True,
            about=about,
            detail=f"muted (silenced by {hit.actor}, silence seq {hit.seq})",
        )
        return True

    def notice(self, entry: dict[str, Any]) -> None:
        """A journal entry (alert, breaker, ...): queue what this sink sends for it."""

    async def dispatch(self, entry: dict[str, Any]) -> str:
        """A command (the controller's Sink protocol); default: not this sink's business."""
        return "skipped (commands are not sent to this sink)"

    def send(self, request: Request, about: str, journal: bool = True) -> None:
        """Queue a delivery; journal its result (and any overflow) without waiting."""
        fut = self.outbox.submit(request)
        if fut is None:
            self._overflowed(about)
            return
        if journal:
            fut.add_done_callback(lambda f: self._journal_result(f, about))
        else:
            fut.add_done_callback(_consume)

    def _overflowed(self, about: str) -> None:
        dropped = self.outbox.dropped
        if self._dropped_journalled and dropped - self._dropped_journalled < OVERFLOW_JOURNAL_EVERY:
            return
        self._dropped_journalled = dropped
        log.warning("sink %s: queue full, %s dropped (%d so far)", self.name, about, dropped)
        self._record(
            ok=False,
            about=about,
            detail=f"queue full ({self.settings.queue}): dropped, {dropped} so far",
        )

    def _journal_result(self, fut: asyncio.Future[str], about: str) -> None:
        if fut.cancelled():
            return
        exc = fut.exception()
        if exc is None:
            self._record(ok=True, about=about, detail=fut.result())
        else:
            detail = str(exc) if isinstance(exc, SinkError) else type(exc).__name__
            log.warning("sink %s failed for %s: %s", self.name, about, detail)
            self._record(ok=False, about=about, detail=detail)

    def _record(self, ok: bool, about: str, detail: str) -> None:
        if self.ctx is None:
            return
        task = asyncio.get_running_loop().create_task(
            self.ctx.record("sink", sink=self.name, about=about, ok=ok, detail=detail)
        )
        self.ctx.tasks.add(task)
        task.add_done_callback(self.ctx.tasks.discard)

    async def aclose(self) -> None:
        await self.outbox.aclose()


def _consume(fut: asyncio.Future[str]) -> None:
    if not fut.cancelled():
        fut.exception()  # retrieved: a failure is counted by the outbox, not raised into the loop


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
