"""A deterministic, realistic ConsoleModel for panel tests and screenshots.

The model is built the way a console builds it: a ``Welcome`` frame, then
``Journal``, ``AlertChange``, ``FeedNote`` and ``Update`` frames applied by the
real :class:`ConsoleModel`, from the real row types. Every timestamp is fixed
(relative to ``T0``, 2026-11-24 13:55:00 UTC), so screenshots are stable.

The incident it shows: kraken went silent and the ``feed-silent`` breaker
isolated it (btc-usd-ref failed over to binance); okx is on probation after a
checksum storm and its perp book is resyncing, with ETH-USD halted there;
coinbase's BTC-USD spread is blowing out (DEGRADED, warning); bybit-linear's
perp mid is 38 bps off the consensus (DEGRADED, critical); a responder's
failover to kraken was REFUSED; SOL-USD has only two references, split 12 bps.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import msgspec

from tui.app.panel import Selection
from tui.console import protocol as p
from tui.console.model import ConsoleModel
from tui.engine.alerts import Alert, Transition
from tui.engine.view import (
    BreakerRow,
    ConsensusRow,
    EngineState,
    InstrumentRow,
    RouteRow,
    VenueRow,
)
from tui.replay_core import alert_fields

NS = 1_000_000_000
T0 = int(datetime(2026, 11, 24, 13, 55, 0, tzinfo=UTC).timestamp()) * NS
VENUES = [
    "binance",
    "binance-futures",
    "coinbase",
    "kraken",
    "okx",
    "bybit",
    "bybit-linear",
    "deribit",
]
OPTION = "BTC-USD-20261225-70000-C"


def at(seconds_before: float) -> int:
    return T0 - int(seconds_before * NS)


def iso(ts_ns: int) -> str:
    dt = datetime.fromtimestamp(ts_ns // NS, UTC)
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{(ts_ns % NS) // 1000:06d}Z"


def venue(name: str, state: str = "LIVE", **kw: Any) -> VenueRow:
    base: dict[str, Any] = {
        "connected": True,
        "msgs_per_s": 30.4,
        "latency_p50_ms": 2.1,
        "latency_p99_ms": 2.8,
        "silent_s": 0.0,
        "gaps": 0,
        "checksum_failures": 0,
        "resyncs": 0,
        "reconnects_5m": 0,
        "parse_errors_60s": 0,
        "alerts": 0,
        "worst": "",
        "note": "",
    }
    base.update(kw)
    return VenueRow(name=name, state=state, **base)


def instrument(
    venue: str,
    symbol: str,
    canonical: str,
    kind: str,
    mid: float,
    spread_bps: float,
    base_bps: float,
    deviation_bps: float | None = 0.0,
    **kw: Any,
) -> InstrumentRow:
    half = mid * spread_bps / 2e4
    tick = 2 if mid >= 1 else 4
    fields: dict[str, Any] = {
        "synced": True,
        "halted": False,
        "bid": round(mid - half, tick),
        "ask": round(mid + half, tick),
        "mid": mid,
        "spread_bps": spread_bps,
        "spread_base_bps": base_bps,
        "spread_ratio": round(spread_bps / base_bps, 2) if base_bps else None,
        "deviation_bps": deviation_bps,
        "deviation_z": None if deviation_bps is None else round(abs(deviation_bps) / 0.5, 1),
        "staleness_s": 0.1,
        "latency_p99_ms": 2.5,
        "updates": 1200,
        "worst": "",
    }
    fields.update(kw)
    return InstrumentRow(venue=venue, symbol=symbol, instrument=canonical, kind=kind, **fields)


def venues() -> list[VenueRow]:
    return [
        venue("binance"),
        venue("binance-futures", msgs_per_s=20.3, latency_p50_ms=1.9, latency_p99_ms=2.5),
        venue("coinbase", "DEGRADED", msgs_per_s=31.2, gaps=2, alerts=1, worst="warning"),
        venue(
            "kraken",
            "ISOLATED",
            connected=False,
            msgs_per_s=0.0,
            latency_p50_ms=None,
            latency_p99_ms=None,
            silent_s=44.2,
            reconnects_5m=3,
            alerts=1,
            worst="critical",
            note="breaker feed-silent: venue_silent_s 10.00 >= 10 on kraken for 0.0s",
        ),
        venue(
            "okx",
            "RECOVERING",
            msgs_per_s=28.7,
            gaps=1,
            checksum_failures=6,
            resyncs=2,
            note="probation 12s left",
        ),
        venue("bybit", msgs_per_s=20.3, parse_errors_60s=2),
        venue("bybit-linear", "DEGRADED", msgs_per_s=20.1, alerts=1, worst="critical"),
        venue("deribit", latency_p50_ms=1.6, latency_p99_ms=2.2),
    ]


def instruments() -> list[InstrumentRow]:
    return [
        instrument("binance", "BTCUSDT", "BTC-USD", "spot", 64921.68, 0.03, 0.03),
        instrument(
            "coinbase", "BTC-USD", "BTC-USD", "spot", 64925.0, 2.4, 0.5, 0.5, worst="warning"
        ),
        instrument("kraken", "BTC/USD", "BTC-USD", "spot", 64890.1, 0.03, 0.03, -4.9),
        instrument("okx", "BTC-USDT", "BTC-USD", "spot", 64921.7, 0.03, 0.03),
        instrument("bybit", "BTCUSDT", "BTC-USD", "spot", 64921.6, 0.03, 0.03),
        instrument("binance", "ETHUSDT", "ETH-USD", "spot", 3412.03, 0.06, 0.06),
        instrument("coinbase", "ETH-USD", "ETH-USD", "spot", 3412.04, 0.06, 0.06, 0.03),
        instrument("kraken", "ETH/USD", "ETH-USD", "spot", 3411.2, 0.06, 0.06, -2.4),
        instrument("okx", "ETH-USDT", "ETH-USD", "spot", 3412.03, 0.06, 0.06, halted=True),
        instrument("bybit", "ETHUSDT", "ETH-USD", "spot", 3412.03, 0.06, 0.06),
        instrument("binance", "SOLUSDT", "SOL-USD", "spot", 149.3, 1.34, 1.33, 6.2),
        instrument("coinbase", "SOL-USD", "SOL-USD", "spot", 149.11, 1.34, 1.33, -6.2),
        instrument("binance-futures", "BTCUSDT", "BTC-USD-PERP", "perp", 64744.5, 0.03, 0.03),
        instrument(
            "bybit-linear",
            "BTCUSDT",
            "BTC-USD-PERP",
            "perp",
            64990.6,
            0.05,
            0.03,
            38.0,
            worst="critical",
        ),
        instrument(
            "okx",
            "BTC-USDT-SWAP",
            "BTC-USD-PERP",
            "perp",
            64744.4,
            0.03,
            0.03,
            synced=False,
            worst="warning",
        ),
        instrument("deribit", "BTC-PERPETUAL", "BTC-USD-PERP", "perp", 64744.5, 0.15, 0.15),
        instrument("deribit", "BTC-25DEC26-70000-C", OPTION, "option", 0.0505, 594.06, 600.0, None),
    ]


def consensus() -> list[ConsensusRow]:
    return [
        ConsensusRow(
            instrument="BTC-USD",
            price=64921.68,
            references=["binance", "bybit", "coinbase", "okx"],
            blame=True,
            split_bps=None,
        ),
        ConsensusRow(
            instrument="ETH-USD",
            price=3412.03,
            references=["binance", "bybit", "coinbase"],
            blame=True,
            split_bps=None,
        ),
        ConsensusRow(
            instrument="SOL-USD",
            price=149.205,
            references=["binance", "coinbase"],
            blame=False,
            split_bps=12.7,
        ),
        ConsensusRow(
            instrument="BTC-USD-PERP",
            price=64744.5,
            references=["binance-futures", "bybit-linear", "deribit"],
            blame=True,
            split_bps=None,
        ),
        ConsensusRow(
            instrument=OPTION,
            price=None,
            references=["deribit"],
            blame=False,
            split_bps=None,
            note="no reference: only deribit is trusted",
        ),
    ]


def routes() -> list[RouteRow]:
    return [
        RouteRow(
            name="btc-usd-ref",
            instrument="BTC-USD",
            venues=["kraken", "binance", "coinbase", "okx", "bybit"],
            active="binance",
            previous="kraken",
            armed=True,
            reason="kraken isolated",
            changed_ns=at(30),
        ),
        RouteRow(
            name="btc-perp-ref",
            instrument="BTC-USD-PERP",
            venues=["bybit-linear", "binance-futures", "okx", "deribit"],
            active="bybit-linear",
            previous=None,
            armed=False,
            reason="",
            changed_ns=0,
        ),
    ]


KRAKEN_TRIP = "breaker feed-silent: venue_silent_s 10.00 >= 10 on kraken for 0.0s"


def breakers() -> list[BreakerRow]:
    return [
        BreakerRow(
            name="feed-silent",
            rule="venue_silent_s >= 10 for 0s on */*",
            action="isolate",
            armed=True,
            tripped={"kraken": KRAKEN_TRIP},
        ),
        BreakerRow(
            name="checksum-storm",
            rule="checksum_failures_60s >= 5 for 0s on */*",
            action="isolate",
            armed=True,
            tripped={},
        ),
        BreakerRow(
            name="deviation-hard",
            rule="deviation_bps >= 300 for 5s on */*",
            action="isolate",
            armed=False,
            tripped={},
        ),
    ]


def alert(
    rule: str,
    venue: str,
    instrument: str,
    severity: str,
    state: str,
    summary: str,
    started: float,
    fired: float | None = None,
    resolved: float | None = None,
    inhibited: bool = False,
) -> Alert:
    return Alert(
        key=f"{rule}|{venue}|{instrument}",
        rule=rule,
        venue=venue,
        instrument=instrument,
        severity=severity,
        state=state,
        summary=summary,
        inhibited=inhibited,
        started_ns=at(started),
        fired_ns=at(fired) if fired is not None else 0,
        resolved_ns=at(resolved) if resolved is not None else 0,
        peak_severity=severity,
    )


def active_alerts() -> list[Alert]:
    return [
        alert(
            "gap", "okx", "BTC-USD-PERP", "warning", "pending",
            "okx BTC-USDT-SWAP: 3 gaps in 60s", 2.0,
        ),
        alert(
            "deviation", "bybit-linear", "BTC-USD-PERP", "critical", "firing",
            "bybit-linear BTCUSDT: mid +38.0 bps from consensus (z 76.0)", 20.0, 18.0,
        ),
        alert(
            "spread", "coinbase", "BTC-USD", "warning", "firing",
            "coinbase BTC-USD: spread 2.40 bps is ×4.8 its baseline 0.50", 40.0, 35.0,
        ),
        alert(
            "stale", "kraken", "", "critical", "firing",
            "kraken: no frame for 44.2s (heartbeats included)", 45.0, 40.0, inhibited=True,
        ),
    ]  # fmt: skip


def resolved_alerts() -> list[Alert]:
    """Oldest first, as the engine sends them."""
    return [
        alert(
            "stale", "okx", "", "critical", "resolved",
            "okx: no frame for 6.1s (heartbeats included)", 300.0, 295.0, 240.0,
        ),
        alert(
            "checksum", "okx", "BTC-USD-PERP", "warning", "resolved",
            "okx BTC-USDT-SWAP: 6 checksum failures in 60s", 230.0, 228.0, 200.0,
        ),
        alert(
            "spread", "bybit", "ETH-USD", "warning", "resolved",
            "bybit ETHUSDT: spread 0.30 bps is ×5.0 its baseline 0.06", 130.0, 125.0, 100.0,
        ),
    ]  # fmt: skip


def _alert_entry(a: Alert, what: str) -> dict[str, Any]:
    """The journal's own alert entry (what the live service records)."""
    return {"kind": "alert", **alert_fields(Transition(what, a))}


def journal_entries() -> list[tuple[float, dict[str, Any]]]:
    """(seconds before T0, fields), oldest first; seq and hashes are added in order."""
    stale_okx, checksum_okx, spread_bybit = resolved_alerts()
    _pending, deviation, spread, stale_kraken = active_alerts()
    return [
        (600.0, {"kind": "system", "event": "engine started", "venues": VENUES}),
        (295.0, _alert_entry(stale_okx, "firing")),
        (240.0, _alert_entry(stale_okx, "resolved")),
        (228.0, _alert_entry(checksum_okx, "firing")),
        (200.0, _alert_entry(checksum_okx, "resolved")),
        (125.0, _alert_entry(spread_bybit, "firing")),
        (100.0, _alert_entry(spread_bybit, "resolved")),
        (60.0, {"kind": "system", "event": "checkpoint", "isolated": []}),
        (40.0, _alert_entry(stale_kraken, "firing")),
        (35.0, _alert_entry(spread, "firing")),
        (30.0, {"kind": "breaker", "breaker": "feed-silent", "venue": "kraken",
                "reason": KRAKEN_TRIP, "action": "isolate"}),
        (30.0, {"kind": "command", "id": "b4b4c2dd872e", "action": "isolate",
                "args": {"venue": "kraken"}, "actor": "breaker:feed-silent",
                "reason": KRAKEN_TRIP, "summary": "isolate kraken",
                "inverse": {"action": "restore", "args": {"venue": "kraken"}}}),
        (30.0, {"kind": "outcome", "id": "b4b4c2dd872e", "action": "isolate", "ok": True,
                "actor": "breaker:feed-silent",
                "detail": "kraken isolated: excluded from consensus and routes; "
                          "routes moved: btc-usd-ref: kraken -> binance"}),
        (29.9, {"kind": "sink", "id": "b4b4c2dd872e", "sink": "webhook", "ok": True,
                "detail": "200 OK in 12 ms"}),
        (29.8, {"kind": "sink", "id": "b4b4c2dd872e", "sink": "kill-switch:kraken",
                "ok": False, "detail": "ConnectError: venue API unreachable"}),
        (25.0, {"kind": "command", "id": "5e1f00aa0101", "action": "note",
                "args": {"text": "kraken silent since 13:54:15; calling their desk"},
                "actor": "console:alice", "reason": "",
                "summary": "note: kraken silent since 13:54:15; calling their desk",
                "inverse": None}),
        (25.0, {"kind": "outcome", "id": "5e1f00aa0101", "action": "note", "ok": True,
                "actor": "console:alice", "detail": "noted"}),
        (18.0, _alert_entry(deviation, "firing")),
        (12.0, {"kind": "command", "id": "77c0ffee0202", "action": "halt",
                "args": {"instrument": "ETH-USD", "venue": "okx"}, "actor": "console:bob",
                "reason": "okx book unreliable", "summary": "halt ETH-USD on okx",
                "inverse": {"action": "resume",
                            "args": {"instrument": "ETH-USD", "venue": "okx"}}}),
        (12.0, {"kind": "outcome", "id": "77c0ffee0202", "action": "halt", "ok": True,
                "actor": "console:bob", "detail": "ETH-USD halted on okx"}),
        (6.0, {"kind": "command", "id": "a11ce0000303", "action": "failover",
               "args": {"route": "btc-usd-ref", "to": "kraken"}, "actor": "console:alice",
               "reason": "binance spread", "summary": "failover btc-usd-ref to kraken",
               "inverse": {"action": "failover", "args": {"route": "btc-usd-ref",
                                                          "to": "binance"}}}),
        (6.0, {"kind": "outcome", "id": "a11ce0000303", "action": "failover", "ok": False,
               "actor": "console:alice",
               "detail": "btc-usd-ref: kraken is isolated or halted, not usable"}),
    ]  # fmt: skip


REFUSED_SEQ = 22
"""Journal seq of the REFUSED failover outcome (the last entry)."""


def numbered_journal() -> list[dict[str, Any]]:
    out = []
    prev = "0" * 64
    for seq, (before, fields) in enumerate(journal_entries(), 1):
        entry = {"seq": seq, "ts": iso(at(before)), "kind": fields["kind"], "prev": prev}
        entry.update({k: v for k, v in fields.items() if k != "kind"})
        entry["hash"] = f"{seq:064x}"
        prev = entry["hash"]
        out.append(entry)
    return out


def feed_notes() -> list[dict[str, Any]]:
    """Oldest first."""
    return [
        {"ts_ns": at(599.5), "venue": "coinbase", "symbol": "", "status": "connected",
         "reason": ""},
        {"ts_ns": at(231.0), "venue": "okx", "symbol": "BTC-USDT-SWAP",
         "status": "checksum_mismatch", "reason": "crc32 3141592653 != 2718281828"},
        {"ts_ns": at(50.0), "venue": "bybit", "symbol": "BTCUSDT", "status": "parse_error",
         "reason": "unexpected field 'x' in orderbook.50"},
        {"ts_ns": at(44.0), "venue": "kraken", "symbol": "", "status": "silent",
         "reason": "no frame for 10.1s"},
        {"ts_ns": at(43.9), "venue": "kraken", "symbol": "", "status": "disconnected",
         "reason": "closed by venue: 4000 silent"},
        {"ts_ns": at(8.2), "venue": "okx", "symbol": "BTC-USDT-SWAP", "status": "gap",
         "reason": "seq 1042 after 1039"},
        {"ts_ns": at(8.1), "venue": "okx", "symbol": "BTC-USDT-SWAP",
         "status": "resync_started", "reason": "gap"},
    ]  # fmt: skip


def spread_history(points: int = 120) -> dict[str, list[tuple[int, float]]]:
    """One point a second for two minutes before T0; coinbase BTC-USD widens at the end."""
    out: dict[str, list[tuple[int, float]]] = {}
    for row in instruments():
        if row.spread_bps is None or row.spread_base_bps is None:
            continue
        series = []
        for i in range(points):
            t = at(points - i)
            wobble = 1 + 0.15 * math.sin(i / 6 + len(row.venue))
            value = row.spread_base_bps * wobble
            if row.venue == "coinbase" and row.instrument == "BTC-USD" and i > points - 30:
                value = row.spread_base_bps + (row.spread_bps - row.spread_base_bps) * (
                    (i - (points - 30)) / 30
                )
            series.append((t, round(value, 3)))
        out[f"{row.venue}|{row.instrument}"] = series
    return out


def build(history: bool = True) -> ConsoleModel:
    """The incident model at ``T0``, with nothing left dirty."""
    model = ConsoleModel()
    model.stale_after_s = None  # a fixed moment: its age must not depend on the test's pace
    journal = numbered_journal()
    early = [e for e in journal if e["seq"] <= 8]
    state = EngineState(
        ts_ns=at(1.0),
        venues=[venue(n) for n in VENUES],
        instruments=instruments(),
        consensus=consensus(),
        routes=routes(),
        breakers=breakers(),
        alerts=[],
    )
    model.apply(
        p.Welcome(
            engine="venuewatch-test",
            user="alice",
            version=p.PROTOCOL_VERSION,
            state=state,
            journal=early,
            resolved=resolved_alerts()[:1],
            feed_notes=[],
            history=spread_history() if history else {},
            publish_hz=10.0,
        )
    )
    for entry in journal[len(early) :]:
        model.apply(p.Journal(entry))
    for a in resolved_alerts()[1:]:
        model.apply(p.AlertChange("resolved", a))
    for note in feed_notes():
        model.apply(p.FeedNote(note))
    # The last publish: venue rows changed (states, alerts) and the active alerts.
    model.apply(p.Update(ts_ns=T0, venues=venues(), alerts=active_alerts()))
    model.take_dirty()
    return model


def selection(model: ConsoleModel, venue: str = "kraken", inst: str = "BTC-USD") -> Selection:
    return Selection(
        venue=venue,
        instrument=inst,
        route="btc-usd-ref",
        venues=list(model.venues),
        instruments=model.canonical_names(),
        digits=list(model.venues),
    )


def touch_venue(model: ConsoleModel, name: str, seconds: float = 1.0, **changes: Any) -> None:
    """Apply an Update that changes one venue row (as the engine would publish it)."""
    row = msgspec.structs.replace(model.venues[name], **changes)
    model.apply(p.Update(ts_ns=model.ts_ns + int(seconds * NS), venues=[row]))


def add_spread_points(model: ConsoleModel, venue: str, inst: str, values: list[float]) -> None:
    """Apply Updates carrying new spreads (the model appends them to the history)."""
    for v in values:
        row = next(
            i for i in model.instruments.values() if i.venue == venue and i.instrument == inst
        )
        new = msgspec.structs.replace(row, spread_bps=v)
        model.apply(p.Update(ts_ns=model.ts_ns + NS // 10, instruments=[new]))
