""" "Why did this fire?" asked by a console: the report's evidence, from the running capture.

A console sends the read-only command ``why`` (``key=<alert key>``,
``fired=<ISO time>``); the engine answers with :func:`tui.report.evidence.gather`
— the same code ``venuewatch report --capture`` runs — over the capture being
recorded (``serve --record``) or replayed, judged with the engine's own
settings: the rule's metrics second by second from 30 s before the firing to
30 s after, the consensus at the firing, and the venue's frames just before
and after it. Frames are sanitized and cut to an excerpt before they leave:
this goes to a terminal. The capture is replayed on a worker thread, so the
engine keeps judging meanwhile; a long recording takes as long to replay as
it takes to read. Nothing is journalled: it changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Protocol

from adapters.capture import CaptureError, Writer
from tui.config import Config, ConfigError
from tui.control.commands import Command, Outcome
from tui.control.controller import Controller
from tui.engine.engine import Engine
from tui.evidence_text import FRAME_EXCERPT, frame_text
from tui.report import evidence
from tui.report.times import TimeFlagError, iso, parse_flag


class Service(Protocol):
    """What this needs of the engine service (a protocol: the service imports this module)."""

    engine: Engine
    controller: Controller
    config: Config
    recorder: Writer | None

    def wall_ns(self) -> int: ...


log = logging.getLogger("venuewatch.why")

ACTION = "why"


def capture_of(service: Service) -> tuple[Path | None, bool]:
    """(the capture this engine runs on, whether it is still being recorded)."""
    replayed = getattr(service, "capture", None)
    if replayed is not None:
        return Path(replayed), False
    if service.recorder is not None and service.config.record:
        return Path(service.config.record), True
    return None, False


def _alert(service: Service, key: str, fired_ns: int) -> dict[str, Any]:
    """The alert as the evidence gatherer takes it, from the engine when it knows it."""
    alerts = service.engine.alerts
    known = [a for a in alerts.firing(include_inhibited=True) if a.key == key]
    known += [a for a in alerts.history if a.key == key]
    best = min(known, key=lambda a: abs(a.fired_ns - fired_ns), default=None)
    venue, _, rest = key.partition("|")[2].partition("|")
    rule = key.split("|", 1)[0]
    if best is not None:
        rule, venue, rest = best.rule, best.venue, best.instrument
    return {"key": key, "fired": iso(fired_ns), "rule": rule, "venue": venue, "instrument": rest}


def _excerpt(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**f, "raw": frame_text(f, FRAME_EXCERPT)} for f in frames]


async def answer(service: Service, cmd: Command) -> Outcome:
    cmd = cmd.stamped()

    def out(ok: bool, detail: str, data: dict[str, Any] | None = None) -> Outcome:
        return Outcome(
            id=cmd.id, action=cmd.action, ok=ok, detail=detail, actor=cmd.actor, data=data
        )

    key = cmd.args.get("key", "")
    try:
        fired = parse_flag("fired", cmd.args.get("fired", ""))
    except TimeFlagError as exc:
        return out(False, str(exc))
    if not key:
        return out(False, "why: which alert? (key=…)")
    path, recording = capture_of(service)
    if path is None:
        return out(
            False,
            "no capture is running: the readings behind an alert come from one "
            "(serve --record FILE, or a replay); venuewatch report --capture has them later",
        )
    if recording and service.recorder is not None:
        service.recorder.flush()  # the frames just before the alert, on disk now
    alert = _alert(service, key, fired)
    try:
        now = service.wall_ns() if recording else None
        got = await asyncio.to_thread(evidence.gather, path, [alert], None, service.config, now)
    except (CaptureError, ConfigError, OSError) as exc:
        return out(False, f"{path}: {exc}")
    why = got["alerts"].get(f"{key}@{alert['fired']}")
    if why is None:
        return out(False, f"no readings for {key} at {alert['fired']}")
    data = {
        **alert,
        "capture": str(path),
        "recording": recording,
        "window_s": got.get("window_s"),
        "metrics": why["metrics"],
        "series": why["series"],
        "consensus": why["consensus"],
        "frames": _excerpt(why["frames"]),
        "frames_after": _excerpt(why["frames_after"]),
    }
    return out(True, f"readings from {path.name}", data)


def install(service: Service) -> None:
    """Answer ``why`` on this engine's controller, before it reaches the controls."""

    async def why(cmd: Command) -> Outcome:
        return await answer(service, cmd)

    service.controller.answerers[ACTION] = why
