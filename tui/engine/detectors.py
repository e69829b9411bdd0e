"""Detectors: health in, alert conditions out.

Each detector is a few lines of arithmetic on the tick's health, with its
thresholds from :mod:`tui.engine.settings`. They are pure functions of the
health objects, so the same code judges live feeds, replays and tests.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from tui.engine.alerts import Condition
from tui.engine.consensus import Consensus
from tui.engine.health import NS, InstrumentHealth, VenueHealth
from tui.engine.settings import ClassRules, Detectors, Rule


def symbol_label(venue: str, canonical: str, symbol: str) -> str:
    """``okx BTC-USD (BTC-USDT-SWAP)``: the name panels use, and the venue's own."""
    return f"{venue} {canonical}" + (f" ({symbol})" if symbol != canonical else "")


def blames(c: Consensus, referenced: bool, agree_bps: float) -> bool:
    """Whether a venue's deviation from ``c`` may be held against it.

    Three or more references: yes (the median and MAD stand). Two references never
    blame each other; a venue outside the pair is judged against it only when the
    pair agrees (closer than ``agree_bps``): judged against two venues that disagree
    it would be blamed for their quarrel. One or none: there is no reference.
    """
    if c.price is None:
        return False
    if c.blame:
        return True
    if referenced or len(c.references) < 2:
        return False
    return c.spread_bps is not None and c.spread_bps < agree_bps


def _level(value: float, rule: Rule) -> str | None:
    if not rule.enabled:
        return None
    if rule.crit and value >= rule.crit:
        return "critical"
    if value >= rule.warn:
        return "warning"
    return None


def venue_conditions(vh: VenueHealth, d: Detectors, now: int) -> Iterable[Condition]:
    name = vh.name
    if not vh.connected and vh.down_since and d.disconnected.enabled:
        down = (now - vh.down_since) / NS
        yield Condition(
            "disconnected",
            name,
            "",
            "critical",
            f"{name}: no connection for {down:.1f}s",
            down,
            d.disconnected.for_s,
            d.disconnected.keep_firing_s,
        )
    elif vh.silent_s >= d.venue_silent_s:
        yield Condition(
            "stale",
            name,
            "",
            "critical",
            f"{name}: no frame for {vh.silent_s:.1f}s (heartbeats included)",
            vh.silent_s,
            0.0,
            2.0,
        )
    n = vh.reconnects.count(now, 300 * NS)
    sev = _level(n, d.reconnects)
    if sev:
        yield Condition(
            "reconnects",
            name,
            "",
            sev,
            f"{name}: {n} reconnects in 5 min",
            n,
            d.reconnects.for_s,
            d.reconnects.keep_firing_s,
        )
    n = vh.parse_errors.count(now, 60 * NS)
    sev = _level(n, d.parse_errors)
    if sev:
        yield Condition(
            "parse_errors",
            name,
            "",
            sev,
            f"{name}: {n} unparseable frames in 60 s",
            n,
            d.parse_errors.for_s,
            d.parse_errors.keep_firing_s,
        )
    p99 = vh.latency_p99_ms
    if not math.isnan(p99):
        sev = _level(p99, d.latency_p99_ms)
        if sev:
            yield Condition(
                "latency",
                name,
                "",
                sev,
                f"{name}: latency p99 {p99:.0f} ms",
                p99,
                d.latency_p99_ms.for_s,
                d.latency_p99_ms.keep_firing_s,
            )
    off = vh.clock_offset_ms
    if not math.isnan(off) and d.clock_skew_ms.enabled and off <= -d.clock_skew_ms.warn:
        yield Condition(
            "clock_skew",
            name,
            "",
            "warning",
            f"{name}: frames arrive {-off:.0f} ms before they were sent (a clock is wrong)",
            off,
            d.clock_skew_ms.for_s,
            d.clock_skew_ms.keep_firing_s,
        )


def instrument_conditions(
    ih: InstrumentHealth,
    d: Detectors,
    rules: ClassRules,
    now: int,
    c: Consensus | None,
    referenced: bool,
) -> Iterable[Condition]:
    v, inst = ih.venue, ih.canonical
    label = symbol_label(v, inst, ih.symbol)
    if ih.lagging:
        # Frames for this book are being shed (the engine is over capacity): not
        # current until its connection catches up and the book is resynced.
        yield Condition(
            "book-lagging",
            v,
            inst,
            "warning",
            f"{label}: book lagging, frames shed for {ih.unsynced_s:.1f}s (engine over capacity)",
            ih.unsynced_s,
            0.0,
            1.0,
        )
    elif not ih.synced:
        if ih.unsynced_s >= d.unsynced_s:
            yield Condition(
                "unsynced",
                v,
                inst,
                "critical",
                f"{label}: book not synced for {ih.unsynced_s:.1f}s",
                ih.unsynced_s,
                0.0,
                2.0,
            )
    elif ih.staleness_s >= ih.stale_after_s:
        yield Condition(
            "stale",
            v,
            inst,
            "warning",
            f"{label}: no update for {ih.staleness_s:.1f}s "
            f"(usual gap ×{rules.stale_gap_factor:g}, at least "
            f"{rules.stale_min_s:g}s)",
            ih.staleness_s,
            0.0,
            2.0,
        )
    for rule, window, rule_cfg, what in (
        ("gaps", 60, d.gap_storm, "sequence gaps"),
        ("checksum", 60, d.checksum, "checksum failures"),
        ("crossed", 30, d.crossed, "crossed/locked books"),
    ):
        events = {"gaps": ih.gaps, "checksum": ih.checksum_failures, "crossed": ih.crossed}[rule]
        n = events.count(now, window * NS)
        sev = _level(n, rule_cfg)
        if sev:
            yield Condition(
                rule,
                v,
                inst,
                sev,
                f"{label}: {n} {what} in {window} s",
                n,
                rule_cfg.for_s,
                max(rule_cfg.keep_firing_s, 2.0),
            )
    # Spread widening against the instrument's own baseline, above a floor.
    fast, ratio, spread = ih.spread_fast, ih.spread_ratio, ih.spread_bps
    sr = rules.spread_ratio
    if spread is not None and rules.spread_abs_bps and spread >= rules.spread_abs_bps:
        yield Condition(
            "spread",
            v,
            inst,
            "critical",
            f"{label}: spread {spread:.2f} bps (limit {rules.spread_abs_bps:g})",
            spread,
            sr.for_s,
            sr.keep_firing_s,
        )
    elif (
        sr.enabled
        and ratio is not None
        and fast is not None
        and fast >= rules.spread_floor_bps
        and ratio >= sr.warn
    ):
        sev = "critical" if sr.crit and ratio >= sr.crit else "warning"
        yield Condition(
            "spread",
            v,
            inst,
            sev,
            # The spread now (the figure every panel shows), then what is judged.
            f"{label}: spread {spread if spread is not None else fast:.2f} bps, 10 s avg "
            f"{fast:.2f} = {ratio:.1f}× its baseline {ih.spread_slow or 0:.2f} bps",
            ratio,
            sr.for_s,
            sr.keep_firing_s,
        )
    # Deviation from the cross-venue consensus.
    dev, z = ih.deviation_bps, ih.deviation_z
    db = rules.deviation_bps
    if c is not None and dev is not None and db.enabled:
        attributable = blames(c, referenced, db.warn)
        z_ok = z is not None and z >= rules.deviation_z if c.blame else True
        if attributable and z_ok and abs(dev) >= db.warn:
            sev = "critical" if db.crit and abs(dev) >= db.crit else "warning"
            zt = f", z {z:.1f}" if z is not None else ""
            yield Condition(
                "deviation",
                v,
                inst,
                sev,
                f"{label}: mid {dev:+.1f} bps from consensus{zt}",
                dev,
                db.for_s,
                db.keep_firing_s,
            )


def consensus_conditions(c: Consensus, rules: ClassRules) -> Iterable[Condition]:
    """Two references that disagree: say so without blaming either."""
    if c.spread_bps is not None and c.spread_bps >= rules.deviation_bps.warn:
        a, b = c.references
        yield Condition(
            "split",
            "",
            c.instrument,
            "warning",
            f"{c.instrument}: {a} and {b} disagree by {c.spread_bps:.1f} bps "
            "(no third venue to break the tie)",
            c.spread_bps,
            rules.deviation_bps.for_s,
            rules.deviation_bps.keep_firing_s,
        )
