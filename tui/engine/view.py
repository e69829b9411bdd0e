"""The engine's state as consoles see it: rows of plain values.

Rows are msgspec Structs compared by value, so the publisher sends only rows
that changed since the last frame. Values are rounded to what a person can
read, which also keeps noise (a latency wobbling in the fifth digit) from
defeating that diff.
"""

from __future__ import annotations

import math

import msgspec

from tui.engine.alerts import Alert
from tui.engine.engine import Engine
from tui.engine.health import NS


class VenueRow(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    state: str
    connected: bool
    msgs_per_s: float
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    silent_s: float
    gaps: int
    checksum_failures: int
    resyncs: int
    reconnects_5m: int
    parse_errors_60s: int
    alerts: int
    worst: str
    """Worst severity firing on the venue ("" if none)."""
    note: str = ""
    """Why it is isolated, or how long its probation still runs."""
    halt: str = ""
    """The venue-side halt: REQUESTED, ACKED, CONFIRMED (0 open) or FAILED."""
    deadman: str = ""
    """The venue's dead-man timer kept by the engine: armed, last heartbeat, fires at."""


class InstrumentRow(msgspec.Struct, frozen=True, kw_only=True):
    venue: str
    symbol: str
    instrument: str
    kind: str
    synced: bool
    halted: bool
    bid: float | None
    ask: float | None
    mid: float | None
    spread_bps: float | None
    spread_base_bps: float | None
    spread_ratio: float | None
    """The 10 s average spread over its baseline (what the spread alert judges)."""
    deviation_bps: float | None
    deviation_z: float | None
    staleness_s: float | None
    latency_p99_ms: float | None
    updates: int
    worst: str
    spread_warn_bps: float | None = None
    """Where the spread alert starts (baseline × the warn ratio, at least the floor)."""
    spread_limit_bps: float | None = None
    """The absolute limit (critical whatever the baseline), if the class has one."""
    lagging: bool = False
    """Frames for this book are being shed (overload): not current, resynced afterwards."""


class ConsensusRow(msgspec.Struct, frozen=True, kw_only=True):
    instrument: str
    price: float | None
    references: list[str]
    blame: bool
    split_bps: float | None
    excluded: dict[str, str] = {}
    """Venue -> why it is not a reference for this instrument."""
    note: str = ""
    """Why there is no reference (fewer than two trusted venues)."""


class RouteRow(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    instrument: str
    venues: list[str]
    active: str | None
    previous: str | None
    armed: bool
    reason: str
    changed_ns: int


class BreakerRow(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    rule: str
    action: str
    armed: bool
    tripped: dict[str, str]
    """Venue -> why it tripped."""


class EngineState(msgspec.Struct, kw_only=True):
    ts_ns: int
    venues: list[VenueRow]
    instruments: list[InstrumentRow]
    consensus: list[ConsensusRow]
    routes: list[RouteRow]
    breakers: list[BreakerRow]
    alerts: list[Alert]


def _r(x: float | None, places: int = 2) -> float | None:
    if x is None or math.isnan(x) or math.isinf(x):
        return None
    return round(x, places)


def _worst(alerts: list[Alert]) -> str:
    if any(a.severity == "critical" for a in alerts):
        return "critical"
    return "warning" if alerts else ""


def _warn_at(engine: Engine, kind: str, baseline: float | None) -> float | None:
    rules = engine.rules_for(kind)
    if baseline is None or not rules.spread_ratio.enabled:
        return None
    return _r(max(rules.spread_floor_bps, baseline * rules.spread_ratio.warn))


def build(engine: Engine) -> EngineState:
    now = engine.clock()
    facts = engine.facts
    firing = engine.alerts.firing(include_inhibited=True)
    venues = []
    for name, vh in engine.venues.items():
        mine = [a for a in firing if a.venue == name]
        feed = engine.feeds[name]
        note = facts.isolated.get(name, "")
        if name in facts.recovering:
            since = facts.recovering[name]
            left = engine.settings.probation_s - ((now - since) / NS if since else 0.0)
            note = f"probation {max(0.0, left):.0f}s left" if since else "probation: not healthy"
        venues.append(
            VenueRow(
                name=name,
                state=engine.state(name),
                connected=vh.connected,
                msgs_per_s=round(vh.msgs_per_s, 1),
                latency_p50_ms=_r(vh.latency_p50_ms, 1),
                latency_p99_ms=_r(vh.latency_p99_ms, 1),
                silent_s=round(vh.silent_s, 1),
                gaps=sum(st.gaps for st in feed.instruments.values()),
                checksum_failures=sum(st.checksum_failures for st in feed.instruments.values()),
                resyncs=sum(st.resyncs for st in feed.instruments.values()),
                reconnects_5m=vh.reconnects.count(now, 300 * NS),
                parse_errors_60s=vh.parse_errors.count(now, 60 * NS),
                alerts=len(mine),
                worst=_worst(mine),
                note=note,
                halt=facts.venue_halt.get(name, ""),
                deadman=facts.deadman.get(name, ""),
            )
        )
    instruments = []
    for (name, sym), ih in engine.instruments.items():
        st = engine.feeds[name].instruments[sym]
        mine = [a for a in firing if a.venue == name and a.instrument == ih.canonical]
        instruments.append(
            InstrumentRow(
                venue=name,
                symbol=sym,
                instrument=ih.canonical,
                kind=ih.kind,
                synced=ih.synced,
                lagging=ih.lagging,
                halted=facts.is_halted(name, ih.canonical),
                bid=ih.bid,
                ask=ih.ask,
                mid=ih.mid,
                spread_bps=_r(ih.spread_bps),
                spread_base_bps=_r(ih.spread_slow),
                spread_ratio=_r(ih.spread_ratio),
                deviation_bps=_r(ih.deviation_bps, 1),
                deviation_z=_r(ih.deviation_z, 1),
                staleness_s=_r(ih.staleness_s, 1),
                latency_p99_ms=_r(ih.latency_p99_ms, 1),
                updates=st.updates,
                worst=_worst(mine),
                spread_warn_bps=_warn_at(engine, ih.kind, ih.spread_slow),
                spread_limit_bps=engine.rules_for(ih.kind).spread_abs_bps or None,
            )
        )
    consensus = [
        ConsensusRow(
            instrument=c.instrument,
            price=c.price,
            references=list(c.references),
            blame=c.blame,
            split_bps=_r(c.spread_bps, 1),
            excluded=dict(c.excluded),
            note=c.note,
        )
        for c in engine.consensus.values()
    ]
    routes = [
        RouteRow(
            name=n,
            instrument=engine.settings.routes[n].instrument,
            venues=list(engine.settings.routes[n].venues),
            active=rs.active,
            previous=rs.previous,
            armed=rs.armed,
            reason=rs.reason,
            changed_ns=rs.changed_ns,
        )
        for n, rs in facts.routes.items()
    ]
    breakers = []
    for n, b in facts.breakers.items():
        rule = engine.settings.breakers[n]
        text = (
            f"{rule.metric} {rule.op} {rule.threshold:g} for {rule.for_s:g}s "
            f"on {rule.venue}/{rule.instrument}"
        )
        breakers.append(
            BreakerRow(
                name=n,
                rule=text,
                action=rule.action,
                armed=b.armed,
                tripped={v: t.reason for v, t in b.tripped.items()},
            )
        )
    return EngineState(
        ts_ns=engine.wall(),
        venues=venues,
        instruments=instruments,
        consensus=consensus,
        routes=routes,
        breakers=breakers,
        # Copies: the manager mutates its alerts in place (pending -> firing), and a
        # state kept for diffing must not change under the publisher's feet.
        alerts=[
            msgspec.structs.replace(a)
            for a in sorted(engine.alerts.active(), key=lambda a: -a.started_ns)
        ],
    )
