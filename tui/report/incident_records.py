"""What a rebuilt incident holds: alert episodes, actions, breaker trips, state spans.

Plain data, filled in by :func:`tui.report.incident.rebuild` from the journal and
read by the report's renderers; the measures here (seconds in each state, overlap
with an interval, trips still latched) are what the impact tables are made of.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from tui.report.times import iso

NS = 1_000_000_000
STATES = ("LIVE", "DEGRADED", "ISOLATED", "RECOVERING")


@dataclass
class AlertEpisode:
    key: str
    rule: str
    venue: str
    instrument: str
    severity: str
    summary: str
    onset_ns: int
    fired_ns: int
    fired_seq: int
    inhibited: bool
    """Fired on a venue already isolated: recorded, not news."""
    value: float | None = None
    escalated_ns: int | None = None
    acked_ns: int | None = None
    acked_by: str = ""
    silenced_ns: int | None = None
    mitigated_ns: int | None = None
    mitigated_by: str = ""
    mitigation_seq: int | None = None
    resolved_ns: int | None = None

    def as_dict(self, end_ns: int) -> dict[str, Any]:
        def since_onset(ns: int | None) -> float | None:
            return None if ns is None else round((ns - self.onset_ns) / NS, 6)

        d = asdict(self)
        d.update(
            onset=iso(self.onset_ns),
            fired=iso(self.fired_ns),
            acked=iso(self.acked_ns) if self.acked_ns else None,
            mitigated=iso(self.mitigated_ns) if self.mitigated_ns else None,
            resolved=iso(self.resolved_ns) if self.resolved_ns else None,
            still_firing=self.resolved_ns is None,
            ttd_s=since_onset(self.fired_ns),
            tta_s=since_onset(self.acked_ns),
            ttm_s=since_onset(self.mitigated_ns),
            ttr_s=since_onset(self.resolved_ns),
            firing_s=round(((self.resolved_ns or end_ns) - self.fired_ns) / NS, 6),
        )
        return d


@dataclass
class Action:
    seq: int
    ts: str
    actor: str
    action: str
    args: dict[str, Any]
    reason: str
    summary: str
    id: str
    ok: bool | None = None
    detail: str = ""
    outcome_seq: int | None = None
    by_breaker: bool = False
    undone_by_seq: int | None = None
    undoes_seq: int | None = None
    effect: dict[str, Any] | None = None

    @property
    def breaker_undone(self) -> bool:
        return self.by_breaker and self.undone_by_seq is not None


@dataclass
class Trip:
    seq: int
    ts_ns: int
    breaker: str
    venue: str
    action: str
    reason: str
    cleared_ns: int | None = None
    cleared_by: str = ""


@dataclass
class Incident:
    """Everything a review asks, in plain data (see :func:`rebuild`)."""

    start_ns: int = 0
    end_ns: int = 0
    venues: list[str] = field(default_factory=list)
    spans: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    """venue -> [(from ns, to ns, state)], covering start..end."""
    alerts: list[AlertEpisode] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    trips: list[Trip] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    halts: dict[tuple[str, str], list[tuple[int, int | None, str]]] = field(default_factory=dict)
    """(venue or *, instrument) -> [(from, to or None while halted, why)]."""
    isolations: dict[str, list[tuple[int, int | None, str, str]]] = field(default_factory=dict)
    """venue -> [(from, to or None, by, why)]."""
    routes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """route -> its moves, oldest first."""
    captures: list[str] = field(default_factory=list)
    acks_unmatched: list[dict[str, Any]] = field(default_factory=list)


def latched(inc: Incident) -> list[Trip]:
    """Breaker trips still latched at the end: nobody restored what they isolated."""
    return [t for t in inc.trips if t.cleared_ns is None]


def state_at_end(inc: Incident) -> dict[str, str]:
    return {v: spans[-1][2] for v, spans in inc.spans.items()}


def time_in_states(spans: list[tuple[int, int, str]], lo: int, hi: int) -> dict[str, float]:
    """Seconds in each state within [lo, hi]."""
    out = dict.fromkeys(STATES, 0.0)
    for a, b, state in spans:
        a, b = max(a, lo), min(b, hi)
        if b > a:
            out[state] = out.get(state, 0.0) + (b - a) / NS
    return {k: round(v, 6) for k, v in out.items()}


def overlap_s(intervals: list[tuple[int, int | None]], lo: int, hi: int) -> float:
    total = 0
    for a, b in intervals:
        a, b2 = max(a, lo), min(b if b is not None else hi, hi)
        if b2 > a:
            total += b2 - a
    return round(total / NS, 6)
