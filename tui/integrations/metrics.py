"""Prometheus exposition of what the console shows.

A custom collector reads the engine's latest state when Prometheus scrapes:
nothing is updated on the ingest path, and a scrape costs one pass over the
venues and instruments (on the event loop, so it never races the engine).

Names follow Prometheus conventions: ``venuewatch_`` prefix, base units in
the name (``_seconds``), ``_total`` for counters. Spreads and deviations are
in basis points (``_bps``) as the desk and the detector thresholds speak of
them; a ratio is a plain ratio. ``METRICS`` below is the documented list (the
README table is generated from the same names, and a test checks a scrape
against it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from tui.engine.alerts import SEVERITIES
from tui.engine.engine import Engine
from tui.engine.state import VENUE_STATES

P: Final = "venuewatch_"
VL: Final = ["venue"]
IL: Final = ["venue", "instrument", "symbol"]

METRICS: Final[dict[str, tuple[str, str, list[str]]]] = {
    # name (without prefix): (type, help, labels)
    "venue_state": (
        "gauge",
        "1 for the venue's current state, 0 for the others",
        ["venue", "state"],
    ),
    "venue_connected": ("gauge", "1 while at least one connection to the venue is up", VL),
    "venue_messages_per_second": ("gauge", "Frames received per second (smoothed)", VL),
    "venue_frames_total": ("counter", "Frames received from the venue", VL),
    "venue_latency_seconds": (
        "gauge",
        "Exchange-to-receive latency over the last 10 s, by quantile",
        ["venue", "quantile"],
    ),
    "venue_silent_seconds": ("gauge", "Time since the venue last sent anything", VL),
    "venue_reconnects_total": ("counter", "Reconnections to the venue", VL),
    "venue_parse_errors_total": ("counter", "Frames from the venue that could not be parsed", VL),
    "instrument_synced": ("gauge", "1 while the local book is exact (synced)", IL),
    "instrument_halted": ("gauge", "1 while the instrument is halted on the venue", IL),
    "instrument_staleness_seconds": ("gauge", "Time since the book last changed", IL),
    "instrument_latency_seconds": (
        "gauge",
        "Exchange-to-receive latency of the instrument's recent updates, by quantile",
        [*IL, "quantile"],
    ),
    "instrument_gaps_total": ("counter", "Sequence gaps (the book was rebuilt)", IL),
    "instrument_checksum_failures_total": ("counter", "Book checksum mismatches", IL),
    "instrument_resyncs_total": ("counter", "Book resynchronisations started", IL),
    "instrument_crossed_total": ("counter", "Crossed or locked books seen", IL),
    "instrument_spread_bps": ("gauge", "Top-of-book spread in basis points", IL),
    "instrument_spread_widening_ratio": (
        "gauge",
        "Fast spread EWMA over its slow baseline (1 = usual)",
        IL,
    ),
    "instrument_deviation_bps": ("gauge", "Mid's deviation from the cross-venue consensus", IL),
    "instrument_deviation_zscore": ("gauge", "Robust (MAD) z-score of that deviation", IL),
    "alerts": ("gauge", "Active alerts by severity and state", ["severity", "state"]),
    "breaker_armed": ("gauge", "1 while the breaker is armed", ["breaker"]),
    "breaker_tripped": ("gauge", "Venues on which the breaker is tripped", ["breaker"]),
    "route_active": (
        "gauge",
        "1 for the venue the route uses now, 0 for its other venues",
        ["route", "venue"],
    ),
    "route_auto_failover_armed": ("gauge", "1 while automatic failover is armed", ["route"]),
    "journal_head_sequence": ("gauge", "Sequence number of the last journal entry", []),
    "journal_fsync_seconds": (
        "histogram",
        "Time from asking for a journal entry until it is written and fsynced",
        [],
    ),
    "consoles": ("gauge", "Consoles attached", []),
    "ingest_frames_per_second": ("gauge", "Frames per second over all venues (smoothed)", []),
    "ingest_frames_total": ("counter", "Frames received over all venues", []),
    "sink_queue_depth": ("gauge", "Deliveries waiting or in flight per sink", ["sink"]),
    "sink_dropped_total": (
        "counter",
        "Deliveries dropped because the sink's queue was full",
        ["sink"],
    ),
    "sink_deliveries_total": ("counter", "Deliveries by result", ["sink", "result"]),
    "sink_muted_total": (
        "counter",
        "Alert notifications not sent because a silence covered the alert",
        ["sink"],
    ),
}

FSYNC_BUCKETS: Final = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


def _num(x: float | None) -> float:
    """Prometheus's NaN for 'no value' (a gauge cannot be absent per sample and stay typed)."""
    if x is None or math.isinf(x):
        return math.nan
    return float(x)


@dataclass
class Sources:
    """What the collector reads, supplied by the service."""

    engine: Callable[[], Engine | None]
    journal_seq: Callable[[], int] = lambda: 0
    consoles: Callable[[], int] = lambda: 0
    sinks: Callable[[], list[Any]] = list


class EngineCollector(Collector):
    def __init__(self, sources: Sources) -> None:
        self.sources = sources

    def describe(self) -> Iterable[Metric]:
        return []  # unchecked collector: families are built per scrape

    def collect(self) -> Iterator[Metric]:
        fam: dict[str, GaugeMetricFamily | CounterMetricFamily] = {}
        for name, (kind, doc, labels) in METRICS.items():
            if kind == "gauge":
                fam[name] = GaugeMetricFamily(P + name, doc, labels=labels)
            elif kind == "counter":
                fam[name] = CounterMetricFamily(P + name, doc, labels=labels)
        engine = self.sources.engine()
        if engine is not None:
            self._engine(engine, fam)
        s = self.sources
        fam["journal_head_sequence"].add_metric([], s.journal_seq())
        fam["consoles"].add_metric([], s.consoles())
        for sink in s.sinks():
            box = getattr(sink, "outbox", None)
            if box is None:
                continue
            fam["sink_queue_depth"].add_metric([sink.name], box.depth)
            fam["sink_dropped_total"].add_metric([sink.name], box.dropped)
            fam["sink_deliveries_total"].add_metric([sink.name, "delivered"], box.delivered)
            fam["sink_deliveries_total"].add_metric([sink.name, "failed"], box.failed)
            fam["sink_muted_total"].add_metric([sink.name], getattr(sink, "muted", 0))
        yield from fam.values()

    def _engine(
        self, engine: Engine, fam: dict[str, GaugeMetricFamily | CounterMetricFamily]
    ) -> None:
        facts = engine.facts
        total_rate = 0.0
        total_frames = 0
        for name, vh in engine.venues.items():
            feed = engine.feeds[name]
            state = engine.state(name)
            for each in VENUE_STATES:
                fam["venue_state"].add_metric([name, each], 1.0 if each == state else 0.0)
            fam["venue_connected"].add_metric([name], 1.0 if vh.connected else 0.0)
            fam["venue_messages_per_second"].add_metric([name], vh.msgs_per_s)
            fam["venue_frames_total"].add_metric([name], feed.frames)
            for q, ms in (("0.5", vh.latency_p50_ms), ("0.99", vh.latency_p99_ms)):
                fam["venue_latency_seconds"].add_metric([name, q], _num(ms) / 1e3)
            fam["venue_silent_seconds"].add_metric([name], vh.silent_s)
            fam["venue_reconnects_total"].add_metric([name], vh.reconnects.total)
            fam["venue_parse_errors_total"].add_metric([name], vh.parse_errors.total)
            total_rate += vh.msgs_per_s
            total_frames += feed.frames
        for (venue, sym), ih in engine.instruments.items():
            st = engine.feeds[venue].instruments[sym]
            lab = [venue, ih.canonical, sym]
            fam["instrument_synced"].add_metric(lab, 1.0 if ih.synced else 0.0)
            halted = facts.is_halted(venue, ih.canonical)
            fam["instrument_halted"].add_metric(lab, 1.0 if halted else 0.0)
            fam["instrument_staleness_seconds"].add_metric(lab, _num(ih.staleness_s))
            for q, ms in (("0.5", ih.latency_p50_ms), ("0.99", ih.latency_p99_ms)):
                fam["instrument_latency_seconds"].add_metric([*lab, q], _num(ms) / 1e3)
            fam["instrument_gaps_total"].add_metric(lab, st.gaps)
            fam["instrument_checksum_failures_total"].add_metric(lab, st.checksum_failures)
            fam["instrument_resyncs_total"].add_metric(lab, st.resyncs)
            fam["instrument_crossed_total"].add_metric(lab, st.crossed)
            fam["instrument_spread_bps"].add_metric(lab, _num(ih.spread_bps))
            fam["instrument_spread_widening_ratio"].add_metric(lab, _num(ih.spread_ratio))
            fam["instrument_deviation_bps"].add_metric(lab, _num(ih.deviation_bps))
            fam["instrument_deviation_zscore"].add_metric(lab, _num(ih.deviation_z))
        counts = {(sev, state): 0 for sev in SEVERITIES for state in ("pending", "firing")}
        for a in engine.alerts.active():
            key = (a.severity, a.state)
            if key in counts:
                counts[key] += 1
        for (sev, state), n in counts.items():
            fam["alerts"].add_metric([sev, state], n)
        for bname, b in facts.breakers.items():
            fam["breaker_armed"].add_metric([bname], 1.0 if b.armed else 0.0)
            fam["breaker_tripped"].add_metric([bname], len(b.tripped))
        for rname, rs in facts.routes.items():
            for v in engine.settings.routes[rname].venues:
                fam["route_active"].add_metric([rname, v], 1.0 if rs.active == v else 0.0)
            fam["route_auto_failover_armed"].add_metric([rname], 1.0 if rs.armed else 0.0)
        fam["ingest_frames_per_second"].add_metric([], total_rate)
        fam["ingest_frames_total"].add_metric([], total_frames)


class Exporter:
    """The registry and its HTTP endpoint. Journal timing is observed through ``timed``."""

    def __init__(self, sources: Sources) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(EngineCollector(sources))
        self.fsync = Histogram(
            P + "journal_fsync_seconds",
            METRICS["journal_fsync_seconds"][1],
            buckets=FSYNC_BUCKETS,
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        return app

    async def _metrics(self, request: web.Request) -> web.Response:
        # Content negotiation as Prometheus does it (text 0.0.4 or OpenMetrics).
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        return web.Response(body=encoder(self.registry), headers={"Content-Type": content_type})


class TimedJournal:
    """A controller journal whose appends are timed into the fsync histogram."""

    def __init__(self, inner: Any, histogram: Histogram) -> None:
        self.inner = inner
        self.histogram = histogram

    async def append(self, kind: str, **fields: Any) -> dict[str, Any]:
        t0 = time.perf_counter()
        entry: dict[str, Any] = await self.inner.append(kind, **fields)
        self.histogram.observe(time.perf_counter() - t0)
        return entry
