"""A real ``nats-server -js``, simulator, collectors (subprocesses) and an engine.

Waiting is on conditions with a deadline: each check runs when something the
test watches (a :class:`Changes`: feeds, console clients, engines) reports a
change.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from adapters.feed import Feed
from adapters.simulator import Simulator
from tui.bus.source import NatsSource
from tui.cli.common import demo_config
from tui.cli.simulate import venues_toml
from tui.console.client import ConsoleClient
from tui.service import Service

REPO = Path(__file__).resolve().parents[2]


# A condition whose change no watched source reports (a subprocess's output
# reaching a feed that does not exist yet, a queue draining) is re-checked at
# least this often; everything else wakes the waiter at once.
RECHECK_S = 0.25


class Changes:
    """Wakes waiters whenever a watched feed, console client or engine changes."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def poke(self, *_: object) -> None:
        self._event.set()

    def feeds(self, feeds: dict[str, Feed]) -> Changes:
        for feed in feeds.values():
            feed.listeners.append(self.poke)
        return self

    def client(self, client: ConsoleClient) -> Changes:
        client.listeners.append(self.poke)
        return self

    def engine(self, service: Service) -> Changes:
        service.engine.listeners.append(self.poke)
        return self

    async def until(self, cond: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not cond():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            self._event.clear()
            try:
                await asyncio.wait_for(self._event.wait(), min(left, RECHECK_S))
            except TimeoutError:
                pass


def exact(sim: Simulator, feeds: dict[str, Feed], venues: list[str]) -> bool:
    for name in venues:
        feed = feeds.get(name)
        if feed is None:
            return False
        sv = sim.venues[name]
        for sym in sv.books:
            st = feed.instruments.get(sym)
            if st is None or not st.synced or st.book.levels() != sv.expected_book(sym):
                return False
            seq = sv.expected_seq(sym)
            if seq is not None and st.last_seq != seq:
                return False
    return True


def write_config(sim: Simulator, venues: list[str], path: Path) -> Path:
    data = {v: msgspec.to_builtins(sim.settings(v)) for v in venues}
    path.write_text(venues_toml(data), encoding="utf-8")
    return path


class _Child:
    """A venuewatch subprocess a test can kill -9 or stop with SIGTERM."""

    proc: asyncio.subprocess.Process | None = None

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()

    async def terminate(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


class CollectorProcess(_Child):
    def __init__(self, config: Path, url: str, name: str) -> None:
        self.args = [sys.executable, "-m", "tui.cli", "collect"]
        self.args += ["--config", str(config), "--nats", url, "--name", name]
        self.proc: asyncio.subprocess.Process | None = None
        self.ready: dict[str, Any] = {}

    async def start(self, timeout: float = 20.0) -> CollectorProcess:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = await asyncio.create_subprocess_exec(
            *self.args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env=env,
            cwd=REPO,
        )
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        assert line, "collector exited before it was ready"
        self.ready = json.loads(line)
        return self


async def start_engine(url: str, tmp: Path, durable: str = "engine-a") -> Service:
    cfg = msgspec.structs.replace(demo_config(), venues={})
    source = NatsSource(url, durable=durable)
    await source.connect()
    service = Service(
        cfg, "test-token", journal_path=tmp / f"{durable}.jsonl", port=0, source=source
    )
    await service.start()
    return service


class HAEngine(_Child):
    """``venuewatch serve --source nats:// --ha`` as a subprocess; reads its role lines."""

    def __init__(self, url: str, engine_id: str, journal_path: Path, token: str) -> None:
        self.args = [sys.executable, "-m", "tui.cli", "serve", "--source", url, "--ha"]
        self.args += ["--engine-id", engine_id, "--journal", str(journal_path), "--port", "0"]
        self.token = token
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> dict[str, Any]:
        env = {**os.environ, "PYTHONPATH": str(REPO), "VENUEWATCH_TOKEN": self.token}
        self.proc = await asyncio.create_subprocess_exec(
            *self.args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env=env,
            cwd=REPO,
        )
        return await self.line(20)

    async def line(self, timeout: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        raw = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        assert raw, "engine exited"
        out: dict[str, Any] = json.loads(raw)
        return out
