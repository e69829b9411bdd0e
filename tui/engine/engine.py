"""The engine: feeds in, health, consensus, alerts and venue states out.

:class:`Engine` does no I/O and owns no timers: ``on_event`` takes the feeds'
rare events, ``tick`` evaluates everything at the engine's rate from the feeds'
counters and books. The service around it (:mod:`tui.engine.service`) supplies
the clock, the schedule and the sockets; a replay supplies capture time; tests
call ``tick`` directly. The same code judges all three.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Final

from adapters.feed import Feed
from adapters.instruments import InstrumentMap, UnknownSymbol
from adapters.model import STATUSES, Event, FeedStatus, ParseError
from tui.engine import consensus as consensus_mod
from tui.engine import detectors
from tui.engine.alerts import AlertManager, Condition, Transition
from tui.engine.consensus import Consensus, consensus, deviation
from tui.engine.health import NS, InstrumentHealth, VenueHealth
from tui.engine.settings import KINDS, ClassRules, EngineSettings
from tui.engine.state import DEGRADED, ISOLATED, LIVE, RECOVERING, ControlFacts

FEED_EVENTS: Final = 300
"""Recent feed events kept for the consoles' timeline."""
TIMELINE_STATUSES: Final = STATUSES - {"connecting", "subscribed"}
"""Feed statuses worth a line in the consoles' timeline (not the routine ones)."""


def on_timeline(ev: FeedStatus) -> bool:
    """Whether a feed status belongs in the incident timeline.

    A book's first sync after a (re)connect is routine and would bury the
    interesting lines under one per instrument; a resync after a fault is not.
    """
    if ev.status == "resync_finished":
        return not ev.reason.startswith(("connecting", "disconnected"))
    return ev.status in TIMELINE_STATUSES


class Engine:
    def __init__(
        self,
        settings: EngineSettings,
        feeds: dict[str, Feed],
        instrument_map: InstrumentMap | None = None,
        clock: Callable[[], int] = time.monotonic_ns,
        wall: Callable[[], int] = time.time_ns,
    ) -> None:
        self.settings = settings
        self.rules = {k: settings.detectors.for_class(k) for k in KINDS}
        self.feeds = feeds
        self.map = instrument_map or InstrumentMap()
        self.clock = clock
        self.wall = wall
        self.facts = ControlFacts()
        self.alerts = AlertManager()
        self.venues: dict[str, VenueHealth] = {}
        self.instruments: dict[tuple[str, str], InstrumentHealth] = {}
        self.by_canonical: dict[str, list[InstrumentHealth]] = {}
        self.consensus: dict[str, Consensus] = {}
        self.states: dict[str, str] = {}
        self.feed_events: deque[Event] = deque(maxlen=FEED_EVENTS)
        self._up: dict[str, set[str]] = {}
        self._ever_up: set[str] = set()
        self.started = clock()
        self.last_tick = 0
        self.ticks = 0
        self.listeners: list[Callable[[list[Transition]], None]] = []
        self.condition_sources: list[Callable[[], list[Condition]]] = []
        """Conditions from outside the feeds (the journal's health), added at every tick."""
        self._discover()

    # -- structure -------------------------------------------------------------------

    def _discover(self) -> None:
        """Pick up venues and instruments (replay adds them as it reads)."""
        for name, feed in self.feeds.items():
            if name not in self.venues:
                vh = self.venues[name] = VenueHealth(name)
                vh.down_since = self.started
                self.states.setdefault(name, LIVE)
            for sym in feed.instruments:
                if (name, sym) in self.instruments:
                    continue
                try:
                    parsed = feed.venue.canonical(sym)
                except UnknownSymbol:
                    parsed = None
                canon, kind = self.map.resolve(name, sym, parsed)
                ih = InstrumentHealth(name, sym, canon, kind)
                self.instruments[(name, sym)] = ih
                self.by_canonical.setdefault(canon, []).append(ih)

    # -- events ------------------------------------------------------------------------

    def on_event(self, ev: Event) -> None:
        """A feed's rare event (status change, parse error)."""
        if isinstance(ev, FeedStatus):
            self._status(ev)
        elif isinstance(ev, ParseError):
            vh = self.venues.get(ev.venue)
            if vh is None:
                self._discover()
                vh = self.venues.get(ev.venue)
            if vh is not None:
                vh.parse_errors.add(ev.recv_mono)
            ih = self.instruments.get((ev.venue, ev.symbol))
            if ih is not None:
                ih.parse_errors.add(ev.recv_mono)
            self.feed_events.append(ev)

    def _status(self, ev: FeedStatus) -> None:
        if ev.venue not in self.venues:
            self._discover()
        vh = self.venues.get(ev.venue)
        if vh is None:
            return
        s = ev.status
        up = self._up.setdefault(ev.venue, set())
        if s == "connected":
            if ev.venue in self._ever_up:
                vh.reconnects.add(ev.recv_mono)
            self._ever_up.add(ev.venue)
            up.add(ev.conn)
            vh.connected = True
            vh.down_since = 0
        elif s == "disconnected":
            up.discard(ev.conn)
            if not up:
                vh.connected = False
                vh.down_since = vh.down_since or ev.recv_mono
        elif ev.symbol:
            ih = self.instruments.get((ev.venue, ev.symbol))
            if ih is None:
                self._discover()
                ih = self.instruments.get((ev.venue, ev.symbol))
            if ih is not None:
                if s == "gap":
                    ih.gaps.add(ev.recv_mono)
                elif s == "checksum_mismatch":
                    ih.checksum_failures.add(ev.recv_mono)
                elif s == "crossed":
                    ih.crossed.add(ev.recv_mono)
                elif s == "resync_started":
                    ih.resyncs.add(ev.recv_mono)
        if on_timeline(ev):
            self.feed_events.append(ev)

    # -- evaluation ----------------------------------------------------------------------

    def tick(self) -> list[Transition]:
        now = self.clock()
        now_ns = self.wall()
        dt_s = (now - self.last_tick) / NS if self.last_tick else 0.0
        self.last_tick = now
        self.ticks += 1
        self._discover()
        d = self.settings.detectors
        conditions: list[Condition] = []
        for name, vh in self.venues.items():
            vh.sample(self.feeds[name], now, dt_s, self.started)
            conditions.extend(detectors.venue_conditions(vh, d, now))
        spread_firing = {
            (a.venue, a.instrument)
            for a in self.alerts.firing(include_inhibited=True)
            if a.rule == "spread"
        }
        for (name, sym), ih in self.instruments.items():
            rules = self.rules_for(ih.kind)
            ih.sample(
                self.feeds[name].instruments[sym],
                now,
                dt_s,
                rules,
                (name, ih.canonical) not in spread_firing,
                self.started,
            )
        # Who may be a reference is decided per instrument: a venue-wide alert takes a
        # venue out of every consensus, an instrument's alert out of that one only.
        venue_faults: dict[str, str] = {}
        instrument_faults: dict[tuple[str, str], str] = {}
        for a in self.alerts.firing(include_inhibited=True):
            if not a.venue:
                continue
            if a.instrument:
                instrument_faults.setdefault((a.venue, a.instrument), f"{a.rule} alert")
            else:
                venue_faults.setdefault(a.venue, f"{a.rule} alert")
        facts = self.facts
        for canon, members in self.by_canonical.items():
            mids = {ih.venue: ih.mid for ih in members if ih.synced and ih.mid is not None}
            why = {
                v: consensus_mod.trusted(
                    v,
                    canon,
                    isolated=facts.isolated,
                    recovering=facts.recovering,
                    halted=facts.is_halted(v, canon),
                    venue_faults=venue_faults,
                    instrument_faults=instrument_faults,
                )
                for v in mids
            }
            refs = {v for v, w in why.items() if not w}
            c = self.consensus[canon] = consensus(canon, mids, refs, why)
            rules = self.rules_for(members[0].kind)
            conditions.extend(detectors.consensus_conditions(c, rules))
            for ih in members:
                if ih.mid is not None and ih.synced:
                    ih.deviation_bps, ih.deviation_z = deviation(ih.mid, c)
                    ih.consensus = c.price
                else:
                    ih.deviation_bps = ih.deviation_z = None
                    ih.consensus = c.price
                conditions.extend(
                    detectors.instrument_conditions(ih, d, rules, now, c, ih.venue in c.references)
                )
        for source in self.condition_sources:  # e.g. the journal's health (tui.service)
            conditions.extend(source())
        transitions = self.alerts.evaluate(conditions, now, now_ns, set(self.facts.isolated))
        self._update_states(now)
        for fn in self.listeners:
            fn(transitions)
        return transitions

    def _update_states(self, now: int) -> None:
        facts = self.facts
        probation = int(self.settings.probation_s * NS)
        unsynced = {v for (v, _), ih in self.instruments.items() if not ih.synced}
        for name in self.venues:
            if name in facts.isolated:
                self.states[name] = ISOLATED
                continue
            troubled = name in unsynced or bool(self.alerts.firing(name))
            if name in facts.recovering:
                since = facts.recovering[name]
                if troubled:
                    facts.recovering[name] = 0
                elif not since:
                    facts.recovering[name] = now
                elif now - since >= probation:
                    del facts.recovering[name]
                    self.states[name] = LIVE
                    continue
                self.states[name] = RECOVERING
                continue
            self.states[name] = DEGRADED if self.alerts.firing(name) else LIVE

    def rules_for(self, kind: str) -> ClassRules:
        return self.rules.get(kind) or self.rules["spot"]

    # -- queries -------------------------------------------------------------------------------

    def state(self, venue: str) -> str:
        return self.states.get(venue, LIVE)

    def venue_instruments(self, venue: str) -> list[InstrumentHealth]:
        return [ih for (v, _), ih in self.instruments.items() if v == venue]

    def metric(self, name: str, venue: str, instrument: str | None) -> float | None:
        """A breaker metric for a venue (and instrument, for instrument metrics)."""
        vh = self.venues.get(venue)
        if vh is None:
            return None
        now = self.clock()
        venue_metrics = {
            "venue_silent_s": lambda: vh.silent_s,
            "reconnects_5m": lambda: float(vh.reconnects.count(now, 300 * NS)),
            "parse_errors_60s": lambda: float(vh.parse_errors.count(now, 60 * NS)),
            "latency_p99_ms": lambda: vh.latency_p99_ms,
            "msgs_per_s": lambda: vh.msgs_per_s,
        }
        if name in venue_metrics:
            return venue_metrics[name]()
        values = []
        for ih in self.venue_instruments(venue):
            if instrument not in (None, "*", ih.canonical):
                continue
            v = {
                "deviation_bps": abs(ih.deviation_bps) if ih.deviation_bps is not None else None,
                "deviation_z": ih.deviation_z,
                "spread_bps": ih.spread_bps,
                "spread_ratio": ih.spread_ratio,
                "staleness_s": ih.staleness_s if ih.synced else None,
                "gaps_60s": float(ih.gaps.count(now, 60 * NS)),
                "checksum_failures_60s": float(ih.checksum_failures.count(now, 60 * NS)),
                "crossed_30s": float(ih.crossed.count(now, 30 * NS)),
            }.get(name)
            if v is not None:
                values.append(v)
        return max(values) if values else None
