"""``venuewatch replay``: a capture through the same adapters, engine and controls.

Headless, it runs the capture flat out through :class:`tui.replay_core.ReplayCore`
— the same driver the console replay uses — on the capture's own clock, with the
same configuration (``--config``, else the capture's, else defaults), so the
alerts and breaker trips it reports are the ones a console replay shows. One
JSON report: counters per venue and instrument, alerts, trips, the replay's
journal. Exit 0 when the capture was read to the end (faults are findings,
not errors); 2 with the line named when the capture is unreadable.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any


def configure(p: argparse.ArgumentParser) -> None:
    from tui.cli.attach import add_console_args

    add_console_args(p)
    p.add_argument(
        "capture",
        help="capture file (gzip or plain NDJSON), or nats://HOST:PORT?start=…&end=… (JetStream)",
    )
    p.add_argument(
        "--headless", action="store_true", help="no console: print a JSON report at the end"
    )
    p.add_argument(
        "--config",
        metavar="FILE",
        help="engine settings, breakers and instrument map (default: the capture's own)",
    )
    p.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="pace for the console replay (1 = real time, 0 = max; headless runs flat out)",
    )
    p.add_argument(
        "--journal",
        metavar="FILE",
        help="headless: keep the replay's journal here (default: a temporary file)",
    )
    p.add_argument(
        "--until",
        metavar="TIME",
        help="headless: stop at this capture time (ISO 8601, any precision): the report is "
        "the state then, as a console replay paused there shows it",
    )
    p.add_argument(
        "--no-engine",
        action="store_true",
        help="headless: books and counters only, no health or alerts",
    )


def _books_only(path: str) -> tuple[int, dict[str, Any]]:
    from adapters.capture import CaptureError
    from adapters.replay import Replayer
    from tui.replay_core import iso

    rep = Replayer()
    error = None
    try:
        rep.run(path)
    except CaptureError as exc:
        error = str(exc) if str(exc).startswith(str(path)) else f"{path}: {exc}"
    if error is None and not rep.lines:
        error = f"{path}: empty capture: no lines to replay"
    report: dict[str, Any] = {"complete": error is None, "error": error, "capture": path}
    report.update(rep.report())
    if rep.first_ts:
        report["from"], report["to"] = iso(rep.first_ts), iso(rep.last_ts)
    return (0 if error is None else 2), report


async def headless_run(
    path: str, config: str | None, journal: str | Path, until: int | None = None
) -> dict[str, Any]:
    """The capture through the replay core; the report as a dict.

    ``until`` (capture ns): everything before it is judged, nothing at or after it —
    where a console replay sought to that time pauses."""
    from adapters import capture
    from adapters.capture import CaptureError
    from adapters.instruments import InstrumentMap
    from adapters.replay import Replayer
    from tui.capture_config import replay_config
    from tui.control.controller import Controller
    from tui.control.journal import AsyncJournal
    from tui.engine.engine import Engine
    from tui.replay_core import CaptureClock, ReplayCore, first_ts, iso
    from tui.service import JournalAdapter

    cfg, source = replay_config(path, config)
    clock = CaptureClock()
    eng: list[Engine] = []
    rep = Replayer(emit=lambda ev: eng[0].on_event(ev) if eng else None)
    rep.source = path
    engine = Engine(cfg.engine, rep.feeds, InstrumentMap(cfg.instruments), clock=clock, wall=clock)
    eng.append(engine)
    clock.ns = first_ts(path) or 0
    aj = await AsyncJournal.open(journal, clock=clock.utc)
    controller = Controller(engine, JournalAdapter(aj), [], wall=clock)
    core = ReplayCore(rep, engine, controller, clock, cfg.engine.evaluate_hz)
    entries: list[dict[str, Any]] = []
    controller.journal_listeners.append(entries.append)
    await controller.record("system", event="replay started", capture=path, config=source)
    error = None
    stopped = False
    try:
        for _, line in capture.read(path):
            if until is not None and line.ts >= until:
                stopped = True
                break
            await core.line(line)
    except CaptureError as exc:
        error = str(exc) if str(exc).startswith(str(path)) else f"{path}: {exc}"
    if error is None and not rep.lines:
        error = f"{path}: empty capture: no lines to replay"
    if stopped:
        assert until is not None
        if core.due:  # the evaluations due before it, not the one at it
            await core.advance_to(until - 1)
        clock.ns = max(clock.ns, until)
    else:
        await core.finish()
    fields: dict[str, Any] = {"event": "replay finished", "capture": path, "lines": rep.lines}
    if stopped:
        fields["until"] = iso(clock.ns)
    if error:
        fields["error"] = error
    await controller.record("system", **fields)
    await aj.aclose()
    report: dict[str, Any] = {"complete": error is None, "error": error, "capture": path}
    report["config"] = source
    report.update(rep.report())
    if rep.first_ts:
        report["from"], report["to"] = iso(rep.first_ts), iso(rep.last_ts)
    report["alerts"] = core.alerts
    report["trips"] = core.trips
    report["actions"] = [
        {k: e.get(k) for k in ("seq", "ts", "action", "args", "actor", "reason")}
        for e in entries
        if e.get("kind") == "command"
    ]
    report["states"] = dict(engine.states)
    report["isolated"] = sorted(engine.facts.isolated)
    report["journal_entries"] = len(entries)
    if stopped:
        report["until"] = iso(clock.ns)
    return report


def headless(
    path: str,
    config: str | None,
    engine: bool = True,
    journal: str | None = None,
    until: int | None = None,
) -> tuple[int, dict[str, Any]]:
    from tui.replay_core import run_sync

    if not engine:
        return _books_only(path)
    if journal:
        report = run_sync(headless_run(path, config, journal, until))
        report["journal"] = journal
    else:
        with tempfile.TemporaryDirectory(prefix="venuewatch-replay-") as tmp:
            report = run_sync(headless_run(path, config, Path(tmp) / "journal.jsonl", until))
    return (0 if report["error"] is None else 2), report


def run(args: argparse.Namespace) -> int:
    if args.capture.startswith(("nats://", "tls://")):
        from tui.cli.capture import capture_for_replay

        args.capture = capture_for_replay(args.capture)
    if not Path(args.capture).is_file():
        print(f"venuewatch: {args.capture}: cannot open: no such capture file", file=sys.stderr)
        return 2
    if not args.headless:
        from tui.cli.common import launch_engine_and_console

        source = ["--replay", args.capture, "--speed", str(args.speed)]
        if args.config:
            source += ["--config", args.config]
        return launch_engine_and_console(args, source, "replay", f"replaying {args.capture}")
    until = None
    if args.until:
        from tui.report.times import parse_flag

        until = parse_flag("--until", args.until)  # a TimeFlagError names the flag
    try:
        code, report = headless(args.capture, args.config, not args.no_engine, args.journal, until)
    except OSError as exc:
        print(f"venuewatch: {exc.filename or args.journal}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if report["error"]:
        print(f"venuewatch: {report['error']}", file=sys.stderr)
    print(json.dumps(report, indent=2))
    return code
