"""Rolling health per venue and per (venue, instrument).

The feeds count on the hot path (plain integer increments); this module turns
those counters into health at the engine's tick: rates, latency percentiles,
staleness, windowed fault counts, spreads and their baselines. Rare events
(gaps, checksum failures, disconnects, parse errors) arrive as feed events and
are kept as timestamps, so a windowed count is exact without scanning frames.

Time is whatever clock the engine is given (monotonic ns live, receive time in
replay), so replays and tests evaluate exactly as live would.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Final

from adapters.feed import Feed, InstrumentState
from tui.engine.settings import METRICS as METRICS
from tui.engine.settings import ClassRules

NS: Final = 1_000_000_000
LATENCY_WINDOW_NS: Final = 10 * NS
LATENCY_SAMPLES_PER_TICK: Final = 128
RATE_TAU_S: Final = 2.0
UPDATE_RATE_TAU_S: Final = 60.0


def ewma(prev: float | None, value: float, dt_s: float, tau_s: float) -> float:
    if prev is None or math.isnan(prev):
        return value
    alpha = 1.0 - math.exp(-max(dt_s, 0.0) / tau_s)
    return prev + alpha * (value - prev)


def percentile(sorted_values: list[int] | list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in 0..100)."""
    if not sorted_values:
        return math.nan
    k = max(0, min(len(sorted_values) - 1, math.ceil(q / 100.0 * len(sorted_values)) - 1))
    return float(sorted_values[k])


class EventWindow:
    """Timestamps of one kind of event, for exact windowed counts."""

    __slots__ = ("times", "total")

    def __init__(self, maxlen: int = 10_000) -> None:
        self.times: deque[int] = deque(maxlen=maxlen)
        self.total = 0

    def add(self, mono: int) -> None:
        self.times.append(mono)
        self.total += 1

    def count(self, now: int, window_ns: int) -> int:
        cutoff = now - window_ns
        times = self.times
        while times and times[0] < cutoff - 300 * NS:
            times.popleft()  # nothing needs more than 5 minutes of history
        n = 0
        for t in reversed(times):  # newest first: stop at the window's edge
            if t < cutoff:
                break
            n += 1
        return n


class InstrumentHealth:
    """Health of one instrument on one venue, as of the last tick."""

    __slots__ = (
        "ask",
        "bid",
        "canonical",
        "checksum_failures",
        "consensus",
        "crossed",
        "deviation_bps",
        "deviation_z",
        "gaps",
        "kind",
        "lag_episodes",
        "lagging",
        "lat_seen",
        "latency_p50_ms",
        "latency_p99_ms",
        "mid",
        "parse_errors",
        "resyncs",
        "spread_bps",
        "spread_fast",
        "spread_ratio",
        "spread_since",
        "spread_slow",
        "stale_after_s",
        "staleness_s",
        "symbol",
        "synced",
        "unsynced_s",
        "update_rate",
        "updates_seen",
        "venue",
    )

    def __init__(self, venue: str, symbol: str, canonical: str, kind: str) -> None:
        self.venue = venue
        self.symbol = symbol
        self.canonical = canonical
        self.kind = kind
        self.synced = False
        self.lagging = False
        """Its connection is shedding frames: the book is not current (never shown as such)."""
        self.lag_episodes = 0
        self.unsynced_s = 0.0
        self.bid: float | None = None
        self.ask: float | None = None
        self.mid: float | None = None
        self.spread_bps: float | None = None
        self.spread_fast: float | None = None
        self.spread_slow: float | None = None
        self.spread_ratio: float | None = None
        self.spread_since = 0
        self.consensus: float | None = None
        self.deviation_bps: float | None = None
        self.deviation_z: float | None = None
        self.staleness_s = 0.0
        self.stale_after_s = 0.0
        self.update_rate: float | None = None
        self.updates_seen = 0
        self.lat_seen = 0
        self.latency_p50_ms = math.nan
        self.latency_p99_ms = math.nan
        self.gaps = EventWindow()
        self.checksum_failures = EventWindow()
        self.crossed = EventWindow()
        self.parse_errors = EventWindow()
        self.resyncs = EventWindow()

    def sample(
        self,
        st: InstrumentState,
        now: int,
        dt_s: float,
        rules: ClassRules,
        learn_baseline: bool,
        started: int = 0,
    ) -> None:
        """Read the feed's book and counters into this tick's health."""
        book = st.book
        self.synced = st.synced
        self.lagging = st.lagging
        self.lag_episodes = st.lag_episodes
        # A book whose connection has not started yet has no unsync time of its own:
        # it counts from the engine's start (as a venue's silence does), not from the
        # monotonic clock's zero — which read as "not synced for <the machine's uptime>"
        # and fired a critical alert for every instrument at every engine start.
        since = st.resync_since_mono or started
        self.unsynced_s = 0.0 if st.synced else (now - since) / NS
        self.bid = book.best_bid()
        self.ask = book.best_ask()
        self.mid = book.mid()
        spread = book.spread_bps() if st.synced else None
        self.spread_bps = spread
        if spread is not None:
            if not self.spread_since:
                self.spread_since = now
            self.spread_fast = ewma(self.spread_fast, spread, dt_s, rules.spread_fast_s)
            if learn_baseline or self.spread_slow is None:
                self.spread_slow = ewma(self.spread_slow, spread, dt_s, rules.spread_slow_s)
            warm = (now - self.spread_since) / NS >= rules.spread_warmup_s
            slow = self.spread_slow
            self.spread_ratio = self.spread_fast / slow if warm and slow and slow > 0 else None
        # Update rate (for the per-instrument stale threshold).
        new_updates = st.updates + st.snapshots - self.updates_seen
        self.updates_seen = st.updates + st.snapshots
        if dt_s > 0:
            self.update_rate = ewma(self.update_rate, new_updates / dt_s, dt_s, UPDATE_RATE_TAU_S)
        usual_gap = 1.0 / self.update_rate if self.update_rate and self.update_rate > 0 else 0.0
        self.stale_after_s = max(rules.stale_min_s, rules.stale_gap_factor * usual_gap)
        last = st.last_update_mono
        self.staleness_s = (now - last) / NS if last else math.inf
        # Latency from the feed's ring of exchange->receive samples.
        samples = st.latencies(self.lat_seen)
        self.lat_seen = st.lat_n
        if samples:
            samples.sort()
            self.latency_p50_ms = percentile(samples, 50) / 1e6
            self.latency_p99_ms = percentile(samples, 99) / 1e6


class VenueHealth:
    """Health of one venue, as of the last tick."""

    __slots__ = (
        "clock_offset_ms",
        "connected",
        "down_since",
        "frames_seen",
        "lat_seen",
        "latencies",
        "latency_p50_ms",
        "latency_p99_ms",
        "msgs_per_s",
        "name",
        "parse_errors",
        "reconnects",
        "silent_s",
    )

    def __init__(self, name: str) -> None:
        self.name = name
        self.msgs_per_s = 0.0
        self.frames_seen = 0
        self.silent_s = 0.0
        self.connected = False
        self.down_since = 0
        """Monotonic ns since which no connection has been up (0: up)."""
        self.latencies: deque[tuple[int, int]] = deque(maxlen=8192)
        self.lat_seen: dict[str, int] = {}
        self.latency_p50_ms = math.nan
        self.latency_p99_ms = math.nan
        self.clock_offset_ms = math.nan
        self.parse_errors = EventWindow()
        self.reconnects = EventWindow()

    def sample(self, feed: Feed, now: int, dt_s: float, started: int) -> None:
        frames = feed.frames
        if dt_s > 0:
            rate = (frames - self.frames_seen) / dt_s
            self.msgs_per_s = ewma(self.msgs_per_s, rate, dt_s, RATE_TAU_S)
        self.frames_seen = frames
        last = feed.last_frame_mono or started
        self.silent_s = max(0.0, (now - last) / NS)
        lat = self.latencies
        seen = self.lat_seen
        for sym, st in feed.instruments.items():
            new = st.lat_n
            before = seen.get(sym, 0)
            if new == before:
                continue
            seen[sym] = new
            # At most a bounded sample per tick: percentiles, not an archive.
            for v in st.latencies(max(before, new - LATENCY_SAMPLES_PER_TICK)):
                lat.append((now, v))
        cutoff = now - LATENCY_WINDOW_NS
        while lat and lat[0][0] < cutoff:
            lat.popleft()
        if lat:
            values = sorted(v for _, v in lat)
            self.latency_p50_ms = percentile(values, 50) / 1e6
            self.latency_p99_ms = percentile(values, 99) / 1e6
            self.clock_offset_ms = self.latency_p50_ms
        else:
            self.latency_p50_ms = self.latency_p99_ms = math.nan
