"""A console's replay controls: ``replay-<action>`` commands turned into time-machine calls.

Consoles steer a replay with commands named ``replay-pause``, ``-resume``,
``-speed`` (speed=1|10|100|max), ``-step`` (to the next alert) and ``-seek``
(to=ISO time, with entry=SEQ to land just after a journal entry). They change how
the capture is watched, not the incident, so the answer is an :class:`Outcome`
that is never journalled (the replay's journal must stay identical to a headless
replay's). The time machine itself is :class:`tui.replay_service.ReplayService`.
"""

from __future__ import annotations

import time
from typing import Protocol

from tui.control.commands import Command, Outcome
from tui.replay_core import CaptureClock
from tui.report.times import TimeFlagError, parse_flag

SPEEDS = (1.0, 10.0, 100.0, 0.0)
"""The console's speed steps; 0 is "max" (flat out)."""
REPLAY_ACTIONS = ("pause", "resume", "speed", "step", "seek")
"""What ``replay-<action>`` commands steer (see :func:`answer`)."""


class TimeMachine(Protocol):
    """What the controls steer (a replay service)."""

    clock: CaptureClock
    speed: float

    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def set_speed(self, speed: float) -> None: ...
    def step_to_next_alert(self) -> None: ...
    def seek(self, ts_ns: int) -> None: ...


def hms(ns: int) -> str:
    """``07:01:48.883``: a capture time (UTC) as the console's header shows it."""
    return time.strftime("%H:%M:%S", time.gmtime(ns // 1_000_000_000)) + (
        f".{ns // 1_000_000 % 1000:03d}"
    )


def speed_label(speed: float) -> str:
    return "×max" if speed <= 0 else f"×{speed:g}"


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def answer(machine: TimeMachine, cmd: Command) -> Outcome:
    """Carry out one ``replay-*`` command and say what it did (or why not)."""
    cmd = cmd.stamped()
    act = cmd.action.removeprefix("replay-")
    ok, detail = True, ""
    if act == "pause":
        machine.pause()
        detail = f"paused at {hms(machine.clock.ns)}"
    elif act == "resume":
        machine.resume()
        detail = f"playing {speed_label(machine.speed)}"
    elif act == "speed":
        raw = cmd.args.get("speed", "")
        value = 0.0 if raw == "max" else _float(raw)
        if value is None or not value >= 0:  # "nan" parses, and is no speed
            ok, detail = False, f"speed: expected 1, 10, 100 or max, got {raw!r}"
        else:
            machine.set_speed(value)
            detail = f"speed {speed_label(machine.speed)}"
    elif act == "step":
        machine.step_to_next_alert()
        detail = "running to the next alert"
    elif act == "seek":
        ok, detail = _seek(machine, cmd.args)
    else:
        ok, detail = False, f"unknown replay control {cmd.action!r}"
    return Outcome(id=cmd.id, action=cmd.action, ok=ok, detail=detail, actor=cmd.actor)


def _seek(machine: TimeMachine, args: dict[str, str]) -> tuple[bool, str]:
    """``to=<ISO time>``; with ``entry=<seq>`` the time is that journal entry's, and
    the seek lands just after it (its microsecond included): the entry has happened."""
    try:
        target = parse_flag("to", args.get("to", ""))
    except TimeFlagError as exc:
        return False, str(exc)
    what = hms(target)
    if args.get("entry"):
        target += 999  # journal times are to the microsecond; the entry's tick is in it
        what = f"#{args['entry']} ({what})"
    back = target <= machine.clock.ns
    machine.seek(target)
    return True, f"seeking back to {what}: rebuilding from the start" if back else (
        f"seeking to {what}"
    )
