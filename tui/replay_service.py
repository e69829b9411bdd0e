"""The engine service fed by a capture instead of live venues: a time machine.

Everything downstream is the same as live — engine, controls, journal, console
server — and everything runs on ONE clock, capture time: the engine, the
replay's journal, the controller, the chart's samples and the consoles' header
(``REPLAY 07:01:48.883 ×10``). Evaluation is driven by :class:`ReplayCore` on
capture time, exactly as the headless replay does it, so the two produce the
same alerts, trips and journal entries; the pace (``speed``) only decides when
a person sees them. Pause, resume, speed, step to the next alert and seek are
methods here (see :meth:`pause` and friends); the console commands that call them
are read by :mod:`tui.replay_controls`. Commands a responder issues
during a replay go to the replay's own journal, never the live one.

Seeking backwards rebuilds the past rather than undoing it: the engine's state
is the product of every frame before it, so the replay starts again from the
capture's first line with a fresh pipeline (replayer, books, engine, breakers,
control state) and runs flat out to the target, muted towards consoles, then
pauses and sends every console the rebuilt state at once. The replay's journal
starts anew too (the old one is kept beside it as ``NAME.rewound-N.jsonl``),
so after a seek to T the engine, its alerts and its journal are exactly those
of a fresh replay stopped at T (tested as a property). Commands a responder
issued after T are in the kept journal; they are not re-applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters import capture
from adapters.capture import CaptureError
from adapters.instruments import InstrumentMap
from adapters.replay import Replayer
from tui import replay_controls
from tui.config import Config
from tui.control.commands import Command, Outcome
from tui.control.journal import Journal
from tui.control.journal_anchor import anchor_path
from tui.control.policy import Policy
from tui.engine.alerts import Transition
from tui.engine.engine import Engine
from tui.replay_controls import REPLAY_ACTIONS, hms, speed_label
from tui.replay_core import CaptureClock, ReplayCore, first_ts, iso
from tui.service import Service


class _Rewind(Exception):
    """Raised in the play loop when a seek goes back in time: start again."""


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
        self._rewind_to: int | None = None  # a seek backwards, until the play loop takes it
        self._poke = asyncio.Event()  # a control changed: a paced wait judges again
        self._play_task: asyncio.Task[None] | None = None
        self.rewinds = 0
        self._capture_venues: list[str] = []

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
        # The journal's first entry ("engine started") already carries capture time, and
        # names the capture's venues: their feeds appear only as their connect lines play.
        self.clock.ns = first_ts(self.capture) or time.time_ns()
        self._capture_venues = await asyncio.to_thread(capture.venues, self.capture)
        await super().start()
        self._renamed()
        self.core = self._new_core()

        # Consoles steer the replay with commands named replay-*: they change how the
        # capture is watched, not the incident, so the controller answers them outside
        # its journal (the replay's journal must stay identical to a headless replay's).
        async def steer(cmd: Command) -> Outcome:
            return self.replay_command(cmd)

        for act in REPLAY_ACTIONS:
            self.controller.answerers[f"replay-{act}"] = steer

    def _venue_names(self) -> list[str]:
        return sorted({*self._capture_venues, *self.feeds})

    def _new_core(self) -> ReplayCore:
        core = ReplayCore(
            self.replayer,
            self.engine,
            self.controller,
            self.clock,
            self.config.engine.evaluate_hz,
            every_second=super()._sample_history,
        )
        core.on_alert.append(self._alerted)
        return core

    async def stop(self, reason: str = "stopped") -> None:
        # A paused replay would wait for a resume that never comes.
        task = self._play_task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await super().stop(reason)

    def _start_sources(self) -> None:
        task = self._play_task = asyncio.get_running_loop().create_task(self._play())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    # -- the time machine's controls -------------------------------------------------------

    def _name(self) -> str:
        """What consoles show after ``REPLAY hh:mm:ss.mmm``: pace, then what it is doing."""
        name = f"replay {speed_label(self.speed)}"
        if self._rewind_to is not None or self._stop_at is not None:
            target = self._rewind_to if self._rewind_to is not None else self._stop_at
            assert target is not None
            return f"{name}, seeking {hms(target)}"
        if self._stop_on_alert:
            return f"{name}, to the next alert"
        if self.paused:
            return f"{name}, paused"
        return name

    def _renamed(self) -> None:
        self._poke.set()  # a paced wait judges again with the new controls
        server = getattr(self, "server", None)
        if server is not None:
            server.engine_name = self._name()

    def _unmute(self) -> None:
        """A rebuilt past, arrived (or interrupted by pause/resume): consoles get all of it."""
        server = getattr(self, "server", None)
        if server is not None and server.muted:
            server.rewelcome()

    def pause(self) -> None:
        self._running.clear()
        self._anchor = None
        self.paused_event.set()
        self._renamed()
        self._unmute()

    def resume(self) -> None:
        self._stop_at, self._stop_on_alert = None, False
        self._anchor = None
        self.paused_event.clear()
        self._running.set()
        self._renamed()
        self._unmute()  # resumed mid-rebuild: play on, paced, from where the rebuild got

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def set_speed(self, speed: float) -> None:
        """1, 10, 100 … or 0 for as fast as the machine goes."""
        self.speed = max(speed, 0.0)
        self._anchor = None  # pace from here, not from where the old speed started
        self._renamed()

    def step_to_next_alert(self) -> None:
        """Run flat out until the next alert transition, then pause there."""
        self._stop_on_alert = True
        self._stop_at = None
        self._anchor = None
        self.paused_event.clear()
        self._running.set()
        self._renamed()

    def seek(self, ts_ns: int) -> None:
        """Run flat out to a capture time and pause there; a time already behind
        (or the current one) rebuilds the past from the capture's start."""
        if ts_ns <= self.clock.ns:
            self._rewind_to = ts_ns
            self.done.clear()
        self._stop_at = ts_ns
        self._stop_on_alert = False
        self._anchor = None
        self.paused_event.clear()
        self._running.set()
        self._renamed()
        task = self._play_task
        if task is not None and task.done():  # the capture had ended
            if self._rewind_to is not None:
                self._start_sources()  # play it again, to the target
            else:
                self._stop_at = None  # nothing further to play: stay at the end
                self.pause()

    def replay_command(self, cmd: Command) -> Outcome:
        """replay-pause, -resume, -speed (speed=1|10|100|max), -step, -seek (to=ISO time)."""
        return replay_controls.answer(self, cmd)

    def _alerted(self, t: Transition) -> None:
        if self._stop_on_alert and t.what == "firing":
            self._stop_on_alert = False
            self.pause()

    # -- playing -------------------------------------------------------------------------------

    def _flat_out(self) -> bool:
        return self.speed <= 0 or self._stop_on_alert or self._stop_at is not None

    async def _wait_for(self, ts: int) -> None:
        """Hold until capture time ``ts`` is due at the current pace (or seek target).

        Raises :class:`_Rewind` when a seek backwards is asked for meanwhile."""
        while True:
            if self._rewind_to is not None:
                raise _Rewind
            if self._stop_at is not None and ts >= self._stop_at:
                self.clock.ns = max(self.clock.ns, self._stop_at)
                self._stop_at = None
                self.pause()
            if not self._running.is_set():
                await self._running.wait()
                continue
            if self._flat_out():
                self._anchor = None
                return
            if self._anchor is None:
                self._anchor = (time.monotonic(), self.clock.ns or ts)
            t0, c0 = self._anchor
            delay = t0 + (ts - c0) / 1e9 / self.speed - time.monotonic()
            if delay <= 0:
                return
            # Pacing, not synchronisation: any control (pause, seek, speed) cuts it short.
            self._poke.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poke.wait(), delay)
                continue
            return

    async def _play(self) -> None:
        while True:
            try:
                if self._rewind_to is not None:
                    await self._rebuild()
                await self._play_through()
            except _Rewind:
                continue
            await self.core.finish()
            self._unmute()  # sought past the end: show the consoles where it ended
            self.done.set()
            fields: dict[str, Any] = {
                "event": "replay finished",
                "capture": str(self.capture),
                "lines": self.replayer.lines,
            }
            if self.error:
                fields["error"] = self.error
            await self.controller.record("system", **fields)
            if self._rewind_to is None:
                if self._stop_at is not None:  # sought past the end: pause there
                    self._stop_at = None
                    self.pause()
                return

    async def _play_through(self) -> None:
        core = self.core
        n = 0
        self.error = None
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

    # -- seeking backwards: the past rebuilt ---------------------------------------------------

    async def _rebuild(self) -> None:
        """A fresh pipeline from the capture's first line, and a fresh journal."""
        target, self._rewind_to = self._rewind_to, None
        assert target is not None  # (seek set _stop_at to it; a later control may differ)
        self.rewinds += 1
        kept = self.journal_path.with_name(
            f"{self.journal_path.stem}.rewound-{self.rewinds}{self.journal_path.suffix}"
        )
        await self.controller.try_record(
            "system",
            event="replay rewound",
            to=iso(target),
            at=iso(self.clock.ns),
            detail=f"this journal is kept as {kept.name}; the replay starts again",
        )
        await self.controller.drain()
        self.server.muted = True
        await self._rotate_journal(kept)
        old_engine = self.engine
        self.clock.ns = first_ts(self.capture) or self.clock.ns
        self.replayer = Replayer(emit=self._on_event)
        self.replayer.source = str(self.capture)
        self.feeds = self.replayer.feeds
        engine = self._build_engine()
        # Those who listen to the engine (consoles, integrations) listen to its successor.
        engine.listeners = old_engine.listeners
        engine.condition_sources = old_engine.condition_sources
        self.engine = engine
        self.controller.engine, self.controller.facts = engine, engine.facts
        self.controller.reset()
        self.policy = Policy(engine, self.controller)
        self.server.engine = engine
        self.server.journal_tail.clear()
        self.history.clear()
        self.core.detach()
        self.core = self._new_core()
        self._renamed()
        await self._journal_started()

    async def _rotate_journal(self, kept: Path) -> None:
        """Set the journal aside (with its anchor) and open a new one at the same path,
        on the journal's writer thread: in order with every append already asked for."""
        aj = self.journal
        path = self.journal_path
        every = self.config.journal.anchor_every_s

        def swap() -> Journal:
            aj.journal.close()
            os.replace(path, kept)
            if anchor_path(path).exists():
                os.replace(anchor_path(path), anchor_path(kept))
            return Journal.open(path, clock=self.utc_now, anchor_every_s=every)

        aj.journal = await asyncio.wrap_future(aj._executor.submit(swap))
