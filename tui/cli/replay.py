"""``venuewatch replay``: a capture through the same adapters and engine.

Headless, it runs the engine on the capture's own clock (receive times), so
the alerts it reports fire when they would have fired live, and prints one
JSON report. Exit 0 when the capture was read to the end (faults counted are
findings, not errors); 2 with the line named when the capture is unreadable.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any


def configure(p: argparse.ArgumentParser) -> None:
    from tui.cli.attach import add_console_args

    add_console_args(p)
    p.add_argument("capture", help="capture file (gzip or plain NDJSON)")
    p.add_argument(
        "--headless", action="store_true", help="no console: print a JSON report at the end"
    )
    p.add_argument(
        "--config", metavar="FILE", help="engine settings and instrument map (default: built-in)"
    )
    p.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="pace for the console replay (1 = real time; headless runs flat out)",
    )
    p.add_argument(
        "--no-engine",
        action="store_true",
        help="headless: books and counters only, no health or alerts",
    )


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def headless(path: str, config: str | None, engine: bool = True) -> tuple[int, dict[str, Any]]:
    from adapters.capture import CaptureError
    from adapters.replay import Replayer
    from tui.config import Config, load

    cfg = load(config) if config else Config()
    clock = [0]
    transitions: list[dict[str, Any]] = []
    eng: Any = None

    def on_event(ev: Any) -> None:
        if eng is not None:
            eng.on_event(ev)

    rep = Replayer(emit=on_event)
    if engine:
        from adapters.instruments import InstrumentMap
        from tui.engine.engine import Engine

        eng = Engine(
            cfg.engine,
            rep.feeds,
            InstrumentMap(cfg.instruments),
            clock=lambda: clock[0],
            wall=lambda: clock[0],
        )
    period = int(1e9 / cfg.engine.evaluate_hz)
    next_tick = 0
    error = None
    try:
        from adapters import capture

        for _, line in capture.read(path):
            clock[0] = line.ts
            if eng is not None and not eng.last_tick:
                eng.started = line.ts
                for vh in eng.venues.values():
                    vh.down_since = line.ts
            rep.apply(line)
            if eng is not None and line.ts >= next_tick:
                _tick(eng, line.ts, transitions)
                next_tick = line.ts + period
    except CaptureError as exc:
        error = str(exc) if str(exc).startswith(str(path)) else f"{path}: {exc}"
    if eng is not None and rep.last_ts:
        _tick(eng, rep.last_ts, transitions)  # judge the last lines too
    report: dict[str, Any] = {"complete": error is None, "error": error, "capture": path}
    report.update(rep.report())
    if rep.first_ts:
        report["from"], report["to"] = _iso(rep.first_ts), _iso(rep.last_ts)
    if eng is not None:
        report["alerts"] = transitions
        report["states"] = dict(eng.states)
    return (0 if error is None else 2), report


def _tick(eng: Any, ts: int, out: list[dict[str, Any]]) -> None:
    for t in eng.tick():
        a = t.alert
        out.append(
            {
                "at": _iso(ts),
                "what": t.what,
                "rule": a.rule,
                "venue": a.venue,
                "instrument": a.instrument,
                "severity": a.severity,
                "summary": a.summary,
            }
        )


def run(args: argparse.Namespace) -> int:
    from tui.config import ConfigError

    if not args.headless:
        from tui.cli.demo import engine_and_console

        source = ["--replay", args.capture, "--speed", str(args.speed)]
        if args.config:
            source += ["--config", args.config]
        return engine_and_console(args, source, "replay", f"replaying {args.capture}")
    try:
        code, report = headless(args.capture, args.config, not args.no_engine)
    except ConfigError as exc:
        print(f"venuewatch: {exc}", file=sys.stderr)
        return 2
    if report["error"]:
        print(f"venuewatch: {report['error']}", file=sys.stderr)
    print(json.dumps(report, indent=2))
    return code
