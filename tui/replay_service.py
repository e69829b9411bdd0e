"""The engine service fed by a capture instead of live venues.

Everything downstream is the same as live — engine, controls, journal, console
server — so a post-mortem can be walked through in the console, with the
alerts firing when they fired, at any speed. The engine runs on the capture's
clock (receive times paced by ``speed``); commands a responder issues during a
replay go to the replay's own journal, never the live one.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from adapters.capture import CaptureError
from adapters.instruments import InstrumentMap
from adapters.replay import Replayer
from tui.config import Config
from tui.engine.engine import Engine
from tui.service import Service


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
        self.speed = max(speed, 0.01)
        self.replayer = Replayer(emit=self._on_event)
        self.feeds = self.replayer.feeds
        self.done = asyncio.Event()
        self.error: str | None = None
        self._t0 = 0.0
        self._ts0 = 0

    def _vclock(self) -> int:
        """Capture time now: the first receive time plus elapsed time × speed."""
        if not self._ts0:
            return self.replayer.last_ts
        if self.done.is_set():
            return self.replayer.last_ts
        return self._ts0 + int((time.monotonic() - self._t0) * self.speed * 1e9)

    def _build_engine(self) -> Engine:
        return Engine(
            self.config.engine,
            self.feeds,
            InstrumentMap(self.config.instruments),
            clock=self._vclock,
            wall=self._vclock,
        )

    def _start_sources(self) -> None:
        task = asyncio.get_running_loop().create_task(self._play())
        self._pending.add(task)

    async def _play(self) -> None:
        def first_line() -> None:
            if not self._ts0:
                self._ts0 = self.replayer.first_ts
                self._t0 = time.monotonic()
                self.engine.started = self._ts0
                for vh in self.engine.venues.values():
                    vh.down_since = self._ts0

        try:
            await self.replayer.play(self.capture, self.speed, on_line=first_line)
        except CaptureError as exc:
            self.error = str(exc)
        self.done.set()
        fields: dict[str, Any] = {
            "event": "replay finished",
            "capture": str(self.capture),
            "lines": self.replayer.lines,
        }
        if self.error:
            fields["error"] = self.error
        await self.controller.record("system", **fields)
