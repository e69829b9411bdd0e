"""A real ``nats-server -js``, simulator, collectors (subprocesses) and an engine.

Waiting is on conditions with a deadline: each check runs when the engine's
feeds report an update or an event, or at the latest every 50 ms.
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
from tui.bus.natsd import NatsServer
from tui.bus.source import NatsSource
from tui.cli.common import demo_config
from tui.cli.simulate import venues_toml
from tui.service import Service

REPO = Path(__file__).resolve().parents[1]


async def wait_until(cond: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


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


def nats_server(tmp: Path) -> NatsServer:
    return NatsServer(tmp / "jetstream").start()


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
