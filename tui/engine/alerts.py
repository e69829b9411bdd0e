"""Alerts with a lifecycle like Prometheus Alertmanager's.

A detector reports *conditions* at every evaluation. A condition that is new
starts a **pending** alert; one that has held for its ``for`` becomes
**firing**; a firing alert whose condition has been gone for ``keep_firing``
becomes **resolved** (the hysteresis that stops flapping). A pending alert
whose condition goes away simply disappears: it never paged anyone.

A condition that keeps coming back is damped the way route flaps are: an alert
that starts again within ``FLAP_WINDOW_S`` of resolving counts a flap, and each
flap doubles how long it keeps firing after its condition clears (up to
``KEEP_FIRING_MAX_S``). A flapping feed then fires once and stays firing through
its short recoveries, instead of paging a fire/resolve pair every minute; the
alert's ``flaps`` says it is flapping.

Alerts of an isolated venue are **inhibited**: still evaluated, still shown
(marked), still in the record, but not what drives the venue's state — the
responder has already acted on that venue.
"""

from __future__ import annotations

from collections import deque
from typing import Final

import msgspec

SEVERITIES: Final = ("warning", "critical")
HISTORY: Final = 500
FLAP_WINDOW_S: Final = 120.0
"""An alert back within this long of resolving is the same trouble flapping."""
KEEP_FIRING_MAX_S: Final = 120.0
"""Damping never keeps an alert firing longer than this after its condition cleared."""


class Condition(msgspec.Struct, frozen=True):
    """What a detector saw this evaluation."""

    rule: str
    venue: str
    instrument: str
    severity: str
    summary: str
    value: float | None = None
    for_s: float = 0.0
    keep_firing_s: float = 5.0

    @property
    def key(self) -> str:
        return f"{self.rule}|{self.venue}|{self.instrument}"


class Alert(msgspec.Struct, kw_only=True):
    """An alert as consoles and reports see it. Times are UTC ns."""

    key: str
    rule: str
    venue: str
    instrument: str
    severity: str
    state: str
    """``pending``, ``firing`` or ``resolved``."""
    summary: str
    value: float | None = None
    inhibited: bool = False
    started_ns: int = 0
    """When the condition was first seen."""
    fired_ns: int = 0
    resolved_ns: int = 0
    peak_severity: str = "warning"
    peak_summary: str = ""
    """The summary at the peak severity (what a resolved alert shows beside it)."""
    flaps: int = 0
    """How many times it came back soon after resolving (damped: see the module)."""


class Transition(msgspec.Struct, frozen=True):
    """A change worth telling people about: fired, escalated or resolved."""

    what: str
    alert: Alert


class _Live:
    __slots__ = ("alert", "clear_mono", "for_ns", "keep_ns", "since_mono")

    def __init__(self, alert: Alert, since_mono: int, for_ns: int, keep_ns: int) -> None:
        self.alert = alert
        self.since_mono = since_mono
        self.clear_mono = 0
        self.for_ns = for_ns
        self.keep_ns = keep_ns


class AlertManager:
    def __init__(self) -> None:
        self._live: dict[str, _Live] = {}
        self.history: deque[Alert] = deque(maxlen=HISTORY)
        """Resolved alerts, newest last."""
        self._resolved_at: dict[str, tuple[int, int]] = {}
        """Key -> (monotonic ns it last resolved, flaps so far): the damping memory."""

    def evaluate(
        self, conditions: list[Condition], now_mono: int, now_ns: int, isolated: set[str]
    ) -> list[Transition]:
        out: list[Transition] = []
        seen: set[str] = set()
        for c in conditions:
            key = c.key
            seen.add(key)
            live = self._live.get(key)
            if live is None:
                flaps = self._flaps(key, now_mono)
                keep_ns = int(min(KEEP_FIRING_MAX_S, c.keep_firing_s * 2 ** min(flaps, 16)) * 1e9)
                alert = Alert(
                    key=key,
                    rule=c.rule,
                    venue=c.venue,
                    instrument=c.instrument,
                    severity=c.severity,
                    state="pending",
                    summary=c.summary,
                    value=c.value,
                    started_ns=now_ns,
                    peak_severity=c.severity,
                    peak_summary=c.summary,
                    flaps=flaps,
                )
                live = self._live[key] = _Live(alert, now_mono, int(c.for_s * 1e9), keep_ns)
            a = live.alert
            a.inhibited = c.venue in isolated
            live.clear_mono = 0
            escalated = a.state == "firing" and _rank(c.severity) > _rank(a.severity)
            a.severity = c.severity
            if _rank(c.severity) > _rank(a.peak_severity):
                a.peak_severity = c.severity
            if _rank(c.severity) >= _rank(a.peak_severity):
                a.peak_summary = c.summary  # the latest words at the worst level
            a.summary = c.summary
            a.value = c.value
            if a.state == "pending" and now_mono - live.since_mono >= live.for_ns:
                a.state = "firing"
                a.fired_ns = now_ns
                out.append(Transition("firing", _copy(a)))
            elif escalated:
                out.append(Transition("escalated", _copy(a)))
        for key in [k for k in self._live if k not in seen]:
            live = self._live[key]
            a = live.alert
            a.inhibited = a.venue in isolated
            if a.state == "pending":
                del self._live[key]
                continue
            if not live.clear_mono:
                live.clear_mono = now_mono
            if now_mono - live.clear_mono >= live.keep_ns:
                del self._live[key]
                self._resolved_at[key] = (now_mono, a.flaps)
                a.state = "resolved"
                a.resolved_ns = now_ns
                self.history.append(a)
                out.append(Transition("resolved", _copy(a)))
        return out

    def _flaps(self, key: str, now_mono: int) -> int:
        """Flaps of an alert starting now: one more than last time if it resolved
        within the flap window, else none (and old memories are dropped)."""
        window = int(FLAP_WINDOW_S * 1e9)
        if len(self._resolved_at) > HISTORY:
            for k in [k for k, (t, _) in self._resolved_at.items() if now_mono - t > window]:
                del self._resolved_at[k]
        last = self._resolved_at.get(key)
        if last is None or now_mono - last[0] > window:
            return 0
        return last[1] + 1

    def active(self) -> list[Alert]:
        """Pending and firing alerts."""
        return [live.alert for live in self._live.values()]

    def firing(self, venue: str | None = None, include_inhibited: bool = False) -> list[Alert]:
        return [
            live.alert
            for live in self._live.values()
            if live.alert.state == "firing"
            and (venue is None or live.alert.venue == venue)
            and (include_inhibited or not live.alert.inhibited)
        ]


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


def _copy(a: Alert) -> Alert:
    return msgspec.structs.replace(a)
