"""The engine service fed by a capture instead of live venues: a time machine.

Everything downstream is the same as live — engine, controls, journal, console
server — and everything runs on ONE clock, capture time: the engine, the
replay's journal, the controller, the chart's samples and the consoles' header
(``REPLAY 07:01:48.883 ×10``). Evaluation is driven by :class:`ReplayCore` on
capture time, exactly as the headless replay does it, so the two produce the
same alerts, trips and journal entries; the pace (``speed``) only decides when
a person sees them. Pause, resume, speed, step to the next alert and seek
forward are methods here (see :meth:`pause` and friends). Commands a responder
issues during a replay go to the replay's own journal, never the live one.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters import capture
from adapters.capture import CaptureError
from adapters.instruments import InstrumentMap
from adapters.replay import Replayer
from tui.config import Config
from tui.control.commands import Command, Outcome
from tui.engine.alerts import Transition
from tui.engine.engine import Engine
from tui.replay_core import CaptureClock, ReplayCore, first_ts
from tui.report.times import TimeFlagError, parse_flag
from tui.service import Service

SPEEDS = (1.0, 10.0, 100.0, 0.0)
"""The console's speed steps; 0 is "max" (flat out)."""


def _hms(ns: int) -> str:
    return time.strftime("%H:%M:%S", time.gmtime(ns // 1_000_000_000)) + (
        f".{ns // 1_000_000 % 1000:03d}"
    )


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def speed_label(speed: float) -> str:
    return "×max" if speed <= 0 else f"×{speed:g}"


class ReplayService(Service):
    def __init__(
        self,
        config: Config,
        token: str,
        capture: str | Path,
        speed: float = 1.0,
        journal_path: str | Path | None = None,
        port: int | None = None,
    ) -> None:
        super().__init__(config, token, journal_path=journal_path, port=port)
        self.capture = Path(capture)
        self.speed = max(speed, 0.0)
        self.clock = CaptureClock()
        self.replayer = Replayer(emit=self._on_event)
        self.replayer.source = str(self.capture)
        self.feeds = self.replayer.feeds
        self.done = asyncio.Event()
        self.error: str | None = None
        self._running = asyncio.Event()
        self._running.set()
        self.paused_event = asyncio.Event()
        """Set while paused: what a console (or a test) waits on after a step or a seek."""
        self._anchor: tuple[float, int] | None = None  # (monotonic s, capture ns) paced from
        self._stop_at: int | None = None  # pause when capture time reaches this
        self._stop_on_alert = False

    # -- one clock -----------------------------------------------------------------------

    def wall_ns(self) -> int:
        return self.clock.ns

    def utc_now(self) -> datetime:
        return self.clock.utc()

    def _build_engine(self) -> Engine:
        return Engine(
            self.config.engine,
            self.feeds,
            InstrumentMap(self.config.instruments),
            clock=self.clock,
            wall=self.clock,
        )

    # Evaluation, alert and state entries come from the core on capture time; the
    # wall-clock jobs the live service runs would stamp them with the wrong clock.
    async def _evaluate(self) -> None:
        return None

    async def _checkpoint(self) -> None:
        return None

    def _on_transitions(self, transitions: list[Transition]) -> None:
        return None

    async def _sample_history(self) -> None:
        return None

    async def start(self) -> None:
        # The journal's first entry ("engine started") already carries capture time.
        self.clock.ns = first_ts(self.capture) or time.time_ns()
        await super().start()
        self.server.engine_name = f"replay {speed_label(self.speed)}"
        self.core = ReplayCore(
            self.replayer,
            self.engine,
            self.controller,
            self.clock,
            self.config.engine.evaluate_hz,
            every_second=super()._sample_history,
        )
        self.core.on_alert.append(self._alerted)
        # Consoles steer the replay with commands named replay-*: they change how the
        # capture is watched, not the incident, so they bypass the controller and its
        # journal (the replay's journal must stay identical to a headless replay's).
        inner = self.controller.execute

        async def execute(cmd: Command) -> Outcome:
            if cmd.action.startswith("replay-"):
                return self.replay_command(cmd)
            return await inner(cmd)

        self.controller.execute = execute  # type: ignore[method-assign]

    def _start_sources(self) -> None:
        task = asyncio.get_running_loop().create_task(self._play())
        self._pending.add(task)

    # -- the time machine's controls -------------------------------------------------------

    def pause(self) -> None:
        self._running.clear()
        self._anchor = None
        self.paused_event.set()

    def resume(self) -> None:
        self._stop_at, self._stop_on_alert = None, False
        self._anchor = None
        self.paused_event.clear()
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def set_speed(self, speed: float) -> None:
        """1, 10, 100 … or 0 for as fast as the machine goes."""
        self.speed = max(speed, 0.0)
        self._anchor = None  # pace from here, not from where the old speed started
        self.server.engine_name = f"replay {speed_label(self.speed)}"

    def step_to_next_alert(self) -> None:
        """Run flat out until the next alert transition, then pause there."""
        self._stop_on_alert = True
        self._stop_at = None
        self._anchor = None
        self.paused_event.clear()
        self._running.set()

    def seek(self, ts_ns: int) -> None:
        """Run flat out to a capture time (forward only) and pause there."""
        self._stop_at = ts_ns
        self._stop_on_alert = False
        self._anchor = None
        self.paused_event.clear()
        self._running.set()

    def replay_command(self, cmd: Command) -> Outcome:
        """replay-pause, -resume, -speed (speed=1|10|100|max), -step, -seek (to=ISO time)."""
        cmd = cmd.stamped()
        act = cmd.action.removeprefix("replay-")
        ok, detail = True, ""
        if act == "pause":
            self.pause()
            detail = f"paused at {_hms(self.clock.ns)}"
        elif act == "resume":
            self.resume()
            detail = f"playing {speed_label(self.speed)}"
        elif act == "speed":
            raw = cmd.args.get("speed", "")
            value = 0.0 if raw == "max" else _float(raw)
            if value is None or value < 0:
                ok, detail = False, f"speed: expected 1, 10, 100 or max, got {raw!r}"
            else:
                self.set_speed(value)
                detail = f"speed {speed_label(self.speed)}"
        elif act == "step":
            self.step_to_next_alert()
            detail = "running to the next alert"
        elif act == "seek":
            try:
                target = parse_flag("to", cmd.args.get("to", ""))
            except TimeFlagError as exc:
                ok, detail = False, str(exc)
            else:
                if target < self.clock.ns:
                    ok, detail = (
                        False,
                        (
                            f"cannot seek back to {_hms(target)} (now {_hms(self.clock.ns)}): "
                            "replay the capture again"
                        ),
                    )
                else:
                    self.seek(target)
                    detail = f"seeking to {_hms(target)}"
        else:
            ok, detail = False, f"unknown replay control {cmd.action!r}"
        return Outcome(id=cmd.id, action=cmd.action, ok=ok, detail=detail, actor=cmd.actor)

    def _alerted(self, t: Transition) -> None:
        if self._stop_on_alert and t.what == "firing":
            self._stop_on_alert = False
            self.pause()

    # -- playing -------------------------------------------------------------------------------

    def _flat_out(self) -> bool:
        return self.speed <= 0 or self._stop_on_alert or self._stop_at is not None

    async def _wait_for(self, ts: int) -> None:
        """Hold until capture time ``ts`` is due at the current pace (or seek target)."""
        if self._stop_at is not None and ts >= self._stop_at:
            self.clock.ns = max(self.clock.ns, self._stop_at)
            self._stop_at = None
            self.pause()
        while not self._running.is_set():
            await self._running.wait()
        if self._flat_out():
            self._anchor = None
            return
        if self._anchor is None:
            self._anchor = (time.monotonic(), self.clock.ns or ts)
        t0, c0 = self._anchor
        delay = t0 + (ts - c0) / 1e9 / self.speed - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _play(self) -> None:
        core = self.core
        n = 0
        try:
            for _, line in capture.read(self.capture):
                if core.due:
                    # Evaluations due before this line, each at its paced moment.
                    while core.due <= line.ts:
                        await self._wait_for(core.due)
                        await core.advance_to(core.due)
                await self._wait_for(line.ts)
                await core.line(line)
                n += 1
                if self._flat_out() and n % 2000 == 0:
                    await asyncio.sleep(0)  # let consoles and commands in
        except CaptureError as exc:
            self.error = str(exc)
        if self.error is None and not self.replayer.lines:
            self.error = f"{self.capture}: empty capture: no lines to replay"
        await core.finish()
        self.done.set()
        fields: dict[str, Any] = {
            "event": "replay finished",
            "capture": str(self.capture),
            "lines": self.replayer.lines,
        }
        if self.error:
            fields["error"] = self.error
        await self.controller.record("system", **fields)
