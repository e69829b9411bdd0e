""" "Why did this fire?": the readings around each alert, rebuilt from the capture.

The journal says *that* an alert fired; the capture holds *why*. The capture
is replayed through the same :class:`~tui.replay_core.ReplayCore` (its own
configuration, controls included, journal kept in memory), and around each
alert's firing time the engine's readings are sampled once a second: the
metrics the rule judges, the venue's mid and the cross-venue consensus at that
moment, and the venue's last frames before it fired, exactly as received.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

from adapters import capture
from adapters.instruments import InstrumentMap
from adapters.replay import Replayer
from tui.capture_config import replay_config
from tui.config import Config
from tui.control.controller import Controller
from tui.engine.engine import Engine
from tui.replay_core import CaptureClock, ReplayCore, first_ts, iso, run_sync
from tui.report.times import journal_ns

NS = 1_000_000_000
WINDOW_S = 30
FRAMES = 3
"""Frames of the alert's venue kept from just before it fired."""

RULE_METRICS = {
    "stale": ["venue_silent_s", "staleness_s", "msgs_per_s"],
    "disconnected": ["venue_silent_s"],
    "reconnects": ["reconnects_5m"],
    "parse_errors": ["parse_errors_60s"],
    "latency": ["latency_p99_ms"],
    "spread": ["spread_bps", "spread_ratio"],
    "deviation": ["deviation_bps", "deviation_z"],
    "split": ["deviation_bps"],
    "gaps": ["gaps_60s"],
    "checksum": ["checksum_failures_60s"],
    "crossed": ["crossed_30s"],
    "unsynced": ["staleness_s", "gaps_60s", "checksum_failures_60s"],
}
DEFAULT_METRICS = ["venue_silent_s", "msgs_per_s", "spread_bps", "deviation_bps"]


class _MemoryJournal:
    """The replay's journal, kept in memory: evidence must not write files."""

    def __init__(self, clock: CaptureClock) -> None:
        self.clock = clock
        self.seq = 0

    async def append(self, kind: str, **fields: Any) -> dict[str, Any]:
        self.seq += 1
        return {"seq": self.seq, "ts": iso(self.clock.ns), "kind": kind, **fields}


class _Target:
    def __init__(self, alert: dict[str, Any]) -> None:
        self.alert = alert
        self.fired = journal_ns(alert["fired"])
        self.venue = str(alert["venue"])
        self.instrument = str(alert["instrument"])
        self.metrics = RULE_METRICS.get(str(alert["rule"]), DEFAULT_METRICS)
        self.series: list[dict[str, Any]] = []
        self.next_sample = self.fired - WINDOW_S * NS
        self.consensus: dict[str, Any] | None = None
        self.frames: deque[dict[str, Any]] = deque(maxlen=FRAMES)
        self.frames_after: list[dict[str, Any]] = []


def _instrument_reading(engine: Engine, venue: str, canonical: str) -> dict[str, Any]:
    for ih in engine.venue_instruments(venue):
        if ih.canonical == canonical:
            return {"mid": ih.mid, "synced": ih.synced}
    return {}


def _consensus(engine: Engine, canonical: str) -> dict[str, Any] | None:
    c = engine.consensus.get(canonical)
    if c is None:
        return None
    mids = {ih.venue: ih.mid for ih in engine.by_canonical.get(canonical, [])}
    return {
        "instrument": canonical,
        "price": c.price,
        "references": list(c.references),
        "blame": c.blame,
        "mids": mids,
    }


async def _gather(
    path: str,
    config: str | None,
    targets: list[_Target],
    cfg: Config | None = None,
    recording: int | None = None,
) -> str:
    if cfg is None:
        cfg, source = replay_config(path, config)
    else:
        source = "the engine's"
    clock = CaptureClock()
    holder: list[Engine] = []
    rep = Replayer(emit=lambda ev: holder[0].on_event(ev) if holder else None)
    rep.source = path
    engine = Engine(cfg.engine, rep.feeds, InstrumentMap(cfg.instruments), clock=clock, wall=clock)
    holder.append(engine)
    clock.ns = first_ts(path) or 0
    controller = Controller(engine, _MemoryJournal(clock), [], wall=clock)
    core = ReplayCore(rep, engine, controller, clock, cfg.engine.evaluate_hz)
    end = max(t.fired for t in targets) + WINDOW_S * NS

    def sample(t: int) -> None:
        for tg in targets:
            if t < tg.next_sample or t > tg.fired + WINDOW_S * NS:
                continue
            while tg.next_sample <= t:  # stay on whole seconds from the firing
                tg.next_sample += NS
            inst = None if not tg.instrument else tg.instrument
            row: dict[str, Any] = {"t": iso(t), "offset_s": round((t - tg.fired) / NS, 3)}
            for m in tg.metrics:
                row[m] = engine.metric(m, tg.venue, inst)
            if tg.instrument:
                row.update(_instrument_reading(engine, tg.venue, tg.instrument))
            tg.series.append(row)
            if tg.consensus is None and t >= tg.fired and tg.instrument:
                tg.consensus = _consensus(engine, tg.instrument)

    core.on_tick.append(sample)
    try:
        for _, line in capture.read(path):
            if line.ts > end:
                break
            for tg in targets:
                if line.event is not None or line.venue != tg.venue:
                    continue
                raw = line.raw if line.raw is not None else f"(binary, base64) {line.raw_b64}"
                frame = {"t": iso(line.ts), "conn": line.conn, "raw": raw}
                if line.ts <= tg.fired:
                    tg.frames.append(frame)
                elif len(tg.frames_after) < FRAMES:
                    tg.frames_after.append(frame)
            await core.line(line)
    except capture.CaptureError:
        # A capture still being recorded ends mid-block: what is on disk is the evidence.
        if recording is None:
            raise
    if recording is not None and core.due:
        # Still being recorded: the silence up to now is evidence too (a stalled venue
        # writes no lines, yet its alert fires on the time that passes).
        await core.advance_to(min(end, recording))
    await core.finish()
    return source


def gather(
    capture_path: str | Path,
    alerts: list[dict[str, Any]],
    config: str | None = None,
    cfg: Config | None = None,
    recording: int | None = None,
) -> dict[str, Any]:
    """Per alert (``key@fired``): metric series, consensus at firing, the venue's frames
    before it fired (``frames``) and after (``frames_after``).

    ``cfg``: the settings to judge with (a running engine's own), instead of ``config``
    or the capture's. ``recording``: the capture is still being written and this is
    the time now (ns): its torn end is where its lines stop, not an error, and the
    evaluations run on to now. Raises CaptureError or ConfigError (the
    caller names the flag).
    """
    targets = [_Target(a) for a in alerts if a.get("fired")]
    if not targets:
        return {"config": None, "alerts": {}}
    source = run_sync(_gather(str(capture_path), config, targets, cfg, recording))
    return {
        "capture": str(capture_path),
        "config": source,
        "window_s": WINDOW_S,
        "alerts": {
            f"{t.alert['key']}@{t.alert['fired']}": {
                "metrics": t.metrics,
                "series": t.series,
                "consensus": t.consensus,
                "frames": list(t.frames),
                "frames_after": t.frames_after,
            }
            for t in targets
        },
    }
