"""The whole engine service against the simulator, over real loopback sockets.

Waiting is event-driven: every engine evaluation wakes the waiter, which
re-checks its condition; a deadline turns a hang into a clear failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from adapters.simulator import Simulator
from adapters.simulator.catalogue import DEFAULT_VENUES
from tui.config import Config, from_dict
from tui.console.client import ConsoleClient
from tui.engine.alerts import Alert
from tui.engine.engine import Engine
from tui.service import Service

from support.waiting import wait_until

TOKEN = "test-token-0123456789"

FAST_DETECTORS: dict[str, Any] = {
    "venue_silent_s": 1.0,
    "unsynced_s": 3.0,
    "classes": {
        k: {"spread_warmup_s": 1.0, "spread_fast_s": 1.0}
        for k in ("spot", "perp", "future", "option")
    },
}


class EngineRig:
    def __init__(
        self,
        tmp: Path,
        venues: list[str],
        engine: dict[str, Any] | None = None,
        seed: int = 5,
        rate_hz: float = 20.0,
        extra: dict[str, Any] | None = None,
        **venue_overrides: Any,
    ) -> None:
        self.extra = extra or {}
        self.sim = Simulator({v: DEFAULT_VENUES[v] for v in venues}, seed=seed)
        self.tmp = tmp
        self.engine_cfg = engine or {}
        self.rate_hz = rate_hz
        self.venue_overrides = venue_overrides
        self.journal_path = tmp / "journal.jsonl"
        self._wake = asyncio.Event()
        self.clients: list[ConsoleClient] = []
        self._stopped = False

    async def __aenter__(self) -> EngineRig:
        await self.sim.start()
        venues = {
            name: msgspec.to_builtins(self.sim.settings(name, **self.venue_overrides))
            for name in self.sim.venues
        }
        engine = {"evaluate_hz": 10.0, "detectors": dict(FAST_DETECTORS)}
        _merge(engine, self.engine_cfg)
        cfg: Config = from_dict(
            {"venues": venues, "engine": engine, "console": {"publish_hz": 20.0}, **self.extra}
        )
        self.service = Service(cfg, TOKEN, journal_path=self.journal_path, port=0)
        await self.service.start()
        self.service.engine.listeners.append(lambda _t: self._wake.set())
        self.sim.start_running(self.rate_hz)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Stop the consoles, the engine and the simulator (once: the fixture's own stop
        after a test that stopped the rig to check what stopping leaves is a no-op)."""
        if self._stopped:
            return
        self._stopped = True
        for c in self.clients:
            await c.close()
        await self.service.stop()
        await self.sim.stop()

    async def pause(self) -> None:
        """Freeze the market and the engine's clock: no ticks, no publishes, no frames.

        Commands still run (they arrive on the console socket), so a keystroke test
        sees each key's effect at once; ``step()`` advances the engine explicitly.
        With nothing running in the background the process goes idle between keys,
        which is what Textual's Pilot waits for after each one.
        """
        await self.sim.stop_running()
        self.service.scheduler.pause()

    async def step(self) -> None:
        """One engine evaluation and one publish to the consoles, now."""
        await self.service._evaluate()
        await self.service._publish()
        self._wake.set()

    @property
    def engine(self) -> Engine:
        return self.service.engine

    async def wait_for(
        self, cond: Callable[[], Any], timeout: float = 15.0, what: str = "condition"
    ) -> Any:
        def failure() -> str:
            return (
                f"timed out after {timeout}s waiting for {what}\n"
                f"states={self.engine.states}\n"
                f"alerts={[a.key + ':' + a.state for a in self.engine.alerts.active()]}"
            )

        return await wait_until(cond, self._wake, timeout, failure)

    def alert(self, rule: str, venue: str, state: str = "firing") -> Alert | None:
        for a in self.engine.alerts.active():
            if a.rule == rule and a.venue == venue and a.state == state:
                return a
        return None

    def resolved(self, rule: str, venue: str) -> Alert | None:
        for a in self.engine.alerts.history:
            if a.rule == rule and a.venue == venue:
                return a
        return None

    async def console(self, user: str = "alice") -> ConsoleClient:
        c = ConsoleClient(self.service.server.url, TOKEN, user)
        await c.connect()
        asyncio.get_running_loop().create_task(c.run())
        self.clients.append(c)
        return c

    async def healthy(self) -> None:
        await self.wait_for(
            lambda: (
                all(s == "LIVE" for s in self.engine.states.values())
                and all(ih.synced for ih in self.engine.instruments.values())
            ),
            what="all venues LIVE and synced",
        )


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _merge(base[k], v)
        else:
            base[k] = v
