"""Engine settings: detector thresholds, routes and breakers, as typed config.

Defaults are listed in the README ("Detection defaults"). Where no venue or regulator
publishes a number, the default is a proposal an incident responder would
accept, and it lives here (configurable), not in code. Every ``for_s`` default
is at most 4 s, so with a 4 Hz evaluation a fault reaches *firing* within
5 s (MiFID II RTS 6 art. 16(5) asks for alerts within 5 seconds).

Thresholds are per instrument class (``spot``, ``perp``, ``future``,
``option``): an option whose spread is always 5 % is judged against its own
baseline and a wide floor, so it does not page anyone.
"""

from __future__ import annotations

from typing import Final

import msgspec

KINDS = ("spot", "perp", "future", "option")


METRICS: Final = frozenset(
    {
        "deviation_bps",
        "deviation_z",
        "spread_bps",
        "spread_ratio",
        "staleness_s",
        "venue_silent_s",
        "gaps_60s",
        "checksum_failures_60s",
        "crossed_30s",
        "parse_errors_60s",
        "reconnects_5m",
        "latency_p99_ms",
        "msgs_per_s",
    }
)
"""Metric names usable in breaker rules."""


class Rule(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One detector's thresholds. ``crit`` of 0 disables the critical level."""

    enabled: bool = True
    warn: float
    crit: float = 0.0
    for_s: float = 0.0
    """How long the condition must hold before the alert fires (pending until then)."""
    keep_firing_s: float = 5.0
    """How long a firing alert stays firing after the condition clears (no flapping)."""


class ClassRules(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Thresholds that depend on the instrument class."""

    spread_ratio: Rule = msgspec.field(
        default_factory=lambda: Rule(warn=3.0, crit=5.0, for_s=3.0, keep_firing_s=10.0)
    )
    """Fast (10 s) over slow (10 min) EWMA of the spread in bps."""
    spread_floor_bps: float = 2.0
    """A widening below this many bps is not worth a page (one extra tick on BTC is 0.002 bps)."""
    spread_abs_bps: float = 100.0
    """A spread this wide is critical whatever the baseline (0 disables)."""
    deviation_bps: Rule = msgspec.field(
        default_factory=lambda: Rule(warn=25.0, crit=100.0, for_s=3.0, keep_firing_s=5.0)
    )
    """|mid − consensus| in bps; needs the robust z-score over ``deviation_z`` as well."""
    deviation_z: float = 3.5
    """Modified z-score 0.6745·|x − median|/MAD (Iglewicz & Hoaglin)."""
    spread_fast_s: float = 10.0
    """Time constant of the fast spread EWMA (what "now" means)."""
    spread_slow_s: float = 600.0
    """Time constant of the slow spread EWMA (the baseline)."""
    spread_warmup_s: float = 20.0
    """A spread baseline younger than this cannot call anything "wider than usual"."""
    stale_min_s: float = 5.0
    """An instrument is stale after max(stale_min_s, stale_gap_factor × its usual gap)."""
    stale_gap_factor: float = 10.0


class ClassOverride(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """What ``[engine.detectors.classes.<kind>]`` may change: any field left out keeps
    the class's built-in default (options keep their wide floor when you only
    change, say, their stale time)."""

    spread_ratio: Rule | None = None
    spread_floor_bps: float | None = None
    spread_abs_bps: float | None = None
    deviation_bps: Rule | None = None
    deviation_z: float | None = None
    spread_fast_s: float | None = None
    spread_slow_s: float | None = None
    spread_warmup_s: float | None = None
    stale_min_s: float | None = None
    stale_gap_factor: float | None = None


def _class_defaults() -> dict[str, ClassRules]:
    return {
        "spot": ClassRules(),
        "perp": ClassRules(),
        "future": ClassRules(spread_floor_bps=5.0, spread_abs_bps=200.0, stale_min_s=10.0),
        # Options books are thin and wide: judged against their own baseline,
        # a much wider floor and a looser consensus (few venues quote them).
        "option": ClassRules(
            spread_ratio=Rule(warn=4.0, crit=8.0, for_s=4.0, keep_firing_s=20.0),
            spread_floor_bps=200.0,
            spread_abs_bps=0.0,
            deviation_bps=Rule(warn=500.0, crit=1500.0, for_s=4.0, keep_firing_s=10.0),
            deviation_z=5.0,
            stale_min_s=60.0,
        ),
    }


class Detectors(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    venue_silent_s: float = 5.0
    """A venue with no frame at all (heartbeats count) for this long is stale."""
    disconnected: Rule = msgspec.field(default_factory=lambda: Rule(warn=1.0, for_s=1.0))
    """Fires when a connection has been down ``for_s``; ``warn`` is unused."""
    unsynced_s: float = 3.0
    """A book still being rebuilt after this long is an alert (critical)."""
    gap_storm: Rule = msgspec.field(default_factory=lambda: Rule(warn=1.0, crit=3.0))
    """Sequence gaps in the last 60 s: one is worth knowing (the book was wrong until
    rebuilt), three is a storm."""
    checksum: Rule = msgspec.field(default_factory=lambda: Rule(warn=1.0, crit=3.0))
    """Checksum failures in the last 60 s."""
    crossed: Rule = msgspec.field(default_factory=lambda: Rule(warn=1.0, crit=1.0))
    """Crossed/locked books in the last 30 s on a venue that cannot produce one."""
    parse_errors: Rule = msgspec.field(default_factory=lambda: Rule(warn=1.0, crit=20.0))
    """Frames that could not be parsed in the last 60 s."""
    reconnects: Rule = msgspec.field(default_factory=lambda: Rule(warn=3.0, crit=10.0))
    """Reconnects in the last 5 minutes (a flapping connection)."""
    latency_p99_ms: Rule = msgspec.field(
        default_factory=lambda: Rule(warn=500.0, crit=2000.0, for_s=4.0)
    )
    clock_skew_ms: Rule = msgspec.field(default_factory=lambda: Rule(warn=100.0, for_s=4.0))
    """Median receive − exchange time more negative than this: a clock is wrong."""
    classes: dict[str, ClassOverride] = {}
    """Per instrument class (spot, perp, future, option): overrides of the built-in rules."""

    def for_class(self, kind: str) -> ClassRules:
        """The built-in rules of ``kind`` with this config's overrides applied.

        Not cached here (settings are data); the engine computes each class once.
        """
        defaults = _class_defaults()
        base = defaults.get(kind) or defaults["spot"]
        over = self.classes.get(kind)
        if over is None:
            return base
        changes = {
            f: getattr(over, f) for f in over.__struct_fields__ if getattr(over, f) is not None
        }
        return msgspec.structs.replace(base, **changes)


class Route(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An ordered list of venues for one canonical instrument."""

    instrument: str
    venues: list[str]
    auto_failover: bool = True
    """Fail over automatically when the active venue is isolated or has a critical alert."""


class Breaker(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A rule that trips a control when armed: metric, comparison, threshold, duration."""

    metric: str
    """One of the metrics in :data:`METRICS`."""
    op: str = ">="
    threshold: float
    for_s: float = 0.0
    action: str = "isolate"
    """``isolate`` the venue, ``halt`` the instrument, or ``failover`` routes on the venue."""
    venue: str = "*"
    instrument: str = "*"
    armed: bool = True


OPS = (">", ">=", "<", "<=")
ACTIONS = ("isolate", "halt", "failover")


class EngineSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    evaluate_hz: float = 4.0
    """How often health and alerts are evaluated."""
    probation_s: float = 30.0
    """A restored venue stays RECOVERING until healthy this long."""
    detectors: Detectors = msgspec.field(default_factory=Detectors)
    routes: dict[str, Route] = {}
    breakers: dict[str, Breaker] = {}
    history_s: float = 600.0
    """Spread/mid history kept for charts (sampled at 1 Hz)."""

    def check(self, venues: set[str]) -> list[str]:
        problems = []
        if not 0.5 <= self.evaluate_hz <= 20:
            problems.append("engine.evaluate_hz: expected between 0.5 and 20")
        for name, r in self.routes.items():
            if not r.venues:
                problems.append(f"engine.routes.{name}.venues: at least one venue is needed")
            unknown = [v for v in r.venues if venues and v not in venues]
            if unknown:
                problems.append(f"engine.routes.{name}.venues: not configured: {unknown}")
        for name, b in self.breakers.items():
            where = f"engine.breakers.{name}"
            if b.metric not in METRICS:
                problems.append(f"{where}.metric: {b.metric!r} is not one of {sorted(METRICS)}")
            if b.op not in OPS:
                problems.append(f"{where}.op: expected one of {OPS}")
            if b.action not in ACTIONS:
                problems.append(f"{where}.action: expected one of {ACTIONS}")
            if b.action == "halt" and b.instrument == "*":
                problems.append(f'{where}.instrument: action = "halt" needs an instrument')
            if b.metric != "deviation_z" and (
                b.threshold < 0 or (b.threshold == 0 and b.op in ("<", "<="))
            ):
                # Every breaker metric is a count, a duration or a magnitude (>= 0):
                # such a threshold either always or never holds.
                problems.append(
                    f"{where}.threshold: {b.threshold:g} with {b.op!r} can never be meaningful "
                    f"for {b.metric} (never negative)"
                )
            if b.venue != "*" and venues and b.venue not in venues:
                problems.append(f"{where}.venue: {b.venue!r} is not configured")
        for kind in self.detectors.classes:
            if kind not in KINDS:
                problems.append(f"engine.detectors.classes.{kind}: expected one of {KINDS}")
        return problems
