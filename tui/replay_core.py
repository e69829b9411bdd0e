"""One replay, whatever watches it: capture lines → adapters → engine → controls, on capture time.

Headless replay and console replay both drive a capture through
:class:`ReplayCore`, so they produce the same alerts, breaker trips and journal
entries, all stamped with *capture* time: the engine's clock, the journal's
clock, the controller's clock and the chart's samples are one
:class:`CaptureClock`. Evaluation runs on a fixed grid of capture time
(``evaluate_hz``), not on wall-clock timers: how fast a replay is watched
(paced ×1, ×10, or flat out) changes when things are shown, never what happens.

After every evaluation the entries it caused (alert transitions, venue state
changes, breaker trips and their commands) are awaited before the clock moves
on, so each entry carries the capture time it belongs to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from adapters import capture
from adapters.capture import Line
from adapters.replay import Replayer
from tui.control.controller import Controller
from tui.control.policy import Policy
from tui.engine.alerts import Transition
from tui.engine.engine import Engine

NS = 1_000_000_000
T = TypeVar("T")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class CaptureClock:
    """Capture time in ns since the epoch: the one clock of a replay."""

    def __init__(self) -> None:
        self.ns = 0

    def __call__(self) -> int:
        return self.ns

    def utc(self) -> datetime:
        return _EPOCH + timedelta(microseconds=self.ns // 1000)


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a replay to completion from synchronous code, even inside a running loop
    (then on a thread of its own: a replay must not share a loop it would block)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="replay") as pool:
        return pool.submit(asyncio.run, coro).result()


def first_ts(path: str | Path) -> int | None:
    """The first receive time in a capture, or None (empty or unreadable at once)."""
    try:
        for _, line in capture.read(path):
            return line.ts
    except capture.CaptureError:
        return None
    return None


def iso(ns: int) -> str:
    return (_EPOCH + timedelta(microseconds=ns // 1000)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def alert_fields(t: Transition) -> dict[str, Any]:
    """A transition as the journal records it (the live service writes the same fields)."""
    a = t.alert
    return {
        "what": t.what,
        "rule": a.rule,
        "venue": a.venue,
        "instrument": a.instrument,
        "severity": a.severity,
        "summary": a.summary,
        "inhibited": a.inhibited,
        "started": a.started_ns,
        "key": a.key,
    }


class ReplayCore:
    def __init__(
        self,
        replayer: Replayer,
        engine: Engine,
        controller: Controller,
        clock: CaptureClock,
        evaluate_hz: float,
        every_second: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.replayer = replayer
        self.engine = engine
        self.controller = controller
        # Breakers and auto-failover judge the replay as they would a live feed.
        self.policy = Policy(engine, controller)
        self.clock = clock
        self.period = max(1, int(NS / evaluate_hz))
        self.every_second = every_second
        self.next_tick = 0
        self.next_second = 0
        self.alerts: list[dict[str, Any]] = []
        """Every alert transition, for reports (capture times)."""
        self.trips: list[dict[str, Any]] = []
        self.states: dict[str, str] = {}
        self.on_alert: list[Callable[[Transition], None]] = []
        self.on_tick: list[Callable[[int], None]] = []
        """Called after each evaluation with its capture time (evidence sampling)."""
        controller.journal_listeners.append(self._on_entry)

    def detach(self) -> None:
        """Stop hearing the controller's journal (a successor core takes over)."""
        if self._on_entry in self.controller.journal_listeners:
            self.controller.journal_listeners.remove(self._on_entry)

    def _on_entry(self, entry: dict[str, Any]) -> None:
        if entry.get("kind") == "breaker":
            self.trips.append(
                {k: entry.get(k) for k in ("ts", "breaker", "venue", "action", "reason")}
            )

    def _start(self, ts: int) -> None:
        self.clock.ns = ts
        self.engine.started = ts
        for vh in self.engine.venues.values():
            vh.down_since = ts
        self.next_tick = ts
        self.next_second = ts

    @property
    def due(self) -> int:
        """The capture time of the next evaluation."""
        return self.next_tick

    async def advance_to(self, ts: int) -> None:
        """Evaluate at every grid point up to ``ts`` (inclusive)."""
        if not self.next_tick:
            self._start(ts)
        while self.next_tick <= ts:
            await self.tick(self.next_tick)
            self.next_tick += self.period

    async def line(self, line: Line) -> None:
        """One capture line: first the evaluations due before it, then the line itself."""
        await self.advance_to(line.ts)
        self.clock.ns = line.ts
        self.replayer.apply(line)

    async def finish(self) -> None:
        """Judge the last lines too (one evaluation at the last receive time)."""
        if self.replayer.last_ts and self.next_tick:
            await self.tick(max(self.clock.ns, self.replayer.last_ts))

    async def tick(self, t: int) -> None:
        self.clock.ns = t
        transitions = self.engine.tick()
        for tr in transitions:
            self.alerts.append({"at": iso(t), **alert_fields(tr)})
            await self.controller.record("alert", **alert_fields(tr))
            for fn in self.on_alert:
                fn(tr)
        for venue, state in self.engine.states.items():
            was = self.states.get(venue, "LIVE")
            if state != was:
                self.states[venue] = state
                await self.controller.record(
                    "system", event="venue state", venue=venue, state=state, was=was
                )
        await self.policy.on_tick()
        for hook in self.on_tick:
            hook(t)
        if self.every_second is not None and t >= self.next_second:
            await self.every_second()
            self.next_second = t + NS
