"""Keeping venues' dead-man timers alive from the engine: the stuck-engine backstop.

For each venue whose ``[controls.X]`` says ``keep_alive``, the engine arms the
venue's timer (``deadman_s``) and re-arms it every ``heartbeat_s``. If the
engine stops — crash, ``kill -9``, a hung event loop — the heartbeats stop and
the *venue* cancels the orders: the intended failure direction. After a halt
the timer stays at the shorter ``halt_deadman_s``.

Its state (armed, last heartbeat, fires at) is a health field the console
shows. Transitions (armed, failing, recovered) are journalled, not every beat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from adapters.controls.base import Step, VenueError
from adapters.controls.client import VenueControl

log = logging.getLogger("venuewatch.deadman")
Record = Callable[..., Awaitable[dict[str, Any]]]


class DeadmanState(msgspec.Struct, kw_only=True):
    armed: bool = False
    timeout_s: float = 0.0
    last_heartbeat_ns: int = 0
    fires_at_ns: int = 0
    error: str = ""

    def line(self) -> str:
        if self.error:
            return f"FAILING: {self.error}"[:60]
        if not self.armed:
            return "off"
        hb, fires = _hms(self.last_heartbeat_ns), _hms(self.fires_at_ns)
        return f"armed {self.timeout_s:g}s · hb {hb} · fires {fires}"


def _hms(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, tz=UTC).strftime("%H:%M:%S") if ns else "-"


class DeadmanKeeper:
    def __init__(
        self,
        controls: dict[str, VenueControl],
        record: Record | None = None,
        locks: dict[str, asyncio.Lock] | None = None,
        on_change: Callable[[str, DeadmanState], None] | None = None,
    ) -> None:
        self.controls = {
            v: c
            for v, c in controls.items()
            if c.settings.keep_alive and c.has_deadman and not c.dry_run
        }
        self.record = record
        self.locks = locks or {v: asyncio.Lock() for v in self.controls}
        self.on_change = on_change
        self.state = {v: DeadmanState() for v in self.controls}
        self.timeouts = {v: c.settings.deadman_s for v, c in self.controls.items()}
        self._tasks: list[asyncio.Task[None]] = []
        self.beat = asyncio.Event()
        """Set after every heartbeat round (tests and the probe wait on it)."""

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._keep(v)) for v in self.controls]

    async def stop(self, disarm: bool = False) -> None:
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        if disarm:  # a deliberate, clean shutdown only; a crash never gets here
            for v, ctl in self.controls.items():
                with contextlib.suppress(VenueError):
                    await ctl.disarm()
                    self.state[v] = DeadmanState()

    def shortened(self, venue: str, step: Step) -> None:
        """A halt armed the shorter timer: keep it at that from now on."""
        if venue in self.controls:
            self.timeouts[venue] = self.controls[venue].settings.halt_deadman_s
            self._update(venue, step, self.timeouts[venue])

    async def _keep(self, venue: str) -> None:
        ctl = self.controls[venue]
        while True:
            async with self.locks[venue]:
                timeout = self.timeouts[venue]
                try:
                    step = await ctl.arm(timeout)
                    ctl.take_calls()
                    err = "" if step.ok else step.detail
                except VenueError as exc:
                    ctl.take_calls()
                    step, err = Step(ok=False, detail=exc.reason), exc.reason
            was = self.state[venue]
            if err:
                new = msgspec.structs.replace(was, error=err)
                self.state[venue] = new
                self._notify(venue, new)
                if not was.error:
                    await self._journal(venue, "heartbeat failing", err)
            else:
                self._update(venue, step, timeout)
                if not was.armed or was.error:
                    await self._journal(
                        venue, "armed" if not was.error else "recovered", self.state[venue].line()
                    )
            self.beat.set()
            self.beat = asyncio.Event()
            await asyncio.sleep(ctl.settings.heartbeat_s)  # the heartbeat period itself

    def _update(self, venue: str, step: Step, timeout: float) -> None:
        now = time.time_ns()
        fires = step.fires_at_ms * 1_000_000 if step.fires_at_ms else now + int(timeout * 1e9)
        st = DeadmanState(armed=True, timeout_s=timeout, last_heartbeat_ns=now, fires_at_ns=fires)
        self.state[venue] = st
        self._notify(venue, st)

    def _notify(self, venue: str, st: DeadmanState) -> None:
        if self.on_change is not None:
            self.on_change(venue, st)

    async def _journal(self, venue: str, event: str, detail: str) -> None:
        log.info("dead-man %s: %s (%s)", venue, event, detail)
        if self.record is not None:
            await self.record("system", event=f"dead-man {event}", venue=venue, detail=detail)
