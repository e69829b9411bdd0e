"""Consoles and ``ctl`` follow the active engine through the HA lease in NATS.

A console attached with ``nats://`` asks the lease for the active engine before
every re-attach: kill -9 the active engine and it lands on the standby once that
takes over, shows the takeover, and sees the same control state.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import msgspec
import pytest

from adapters.simulator import Simulator
from adapters.simulator.catalogue import DEFAULT_VENUES
from tui.app.source import LiveSource
from tui.bus.collector import Collector
from tui.bus.ha import active_console
from tui.bus.natsd import NatsServer
from tui.config import from_dict

from support.bus import REPO, Changes, HAEngine

pytestmark = pytest.mark.slow
VENUES = ["kraken", "bybit"]
TOKEN = "follow-test-token"


async def ctl_status(nats_url: str) -> dict[str, object]:
    proc = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "tui.cli", "ctl", "--url", nats_url, "status", "--json"],
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO), "VENUEWATCH_TOKEN": TOKEN},
        cwd=REPO,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    status: dict[str, object] = json.loads(out)
    return status


def isolated(src: LiveSource, venue: str) -> bool:
    row = src.model.venues.get(venue)
    return row is not None and row.state == "ISOLATED"


async def test_a_nats_console_follows_the_takeover_to_the_standby_with_the_same_state(
    natsd: NatsServer, tmp_path: Path
) -> None:
    sim = Simulator({v: DEFAULT_VENUES[v][:1] for v in VENUES}, seed=3)
    await sim.start()
    sim.start_running(10)
    cfg = from_dict({"venues": {v: msgspec.to_builtins(sim.settings(v)) for v in VENUES}}, "t")
    collector = Collector(cfg, natsd.url, "tokyo")
    await collector.start()
    a = HAEngine(natsd.url, "a", tmp_path / "a.jsonl", TOKEN)
    b = HAEngine(natsd.url, "b", tmp_path / "b.jsonl", TOKEN)
    src = LiveSource(
        natsd.url,
        TOKEN,
        "ops",
        resolve=partial(active_console, natsd.url, timeout=1.0),
        backoff_first_s=0.2,
        backoff_max_s=1.0,
    )
    notices: list[str] = []
    src.on_notice = notices.append
    changes = Changes()
    src.on_change = changes.poke  # every frame from whichever engine it follows
    runner: asyncio.Task[None] | None = None
    try:
        assert (await a.start())["event"] == "standby"
        ready_a = await a.line(15)
        assert ready_a["role"] == "active"
        assert (await b.start())["event"] == "standby"

        runner = asyncio.get_running_loop().create_task(src.run())
        assert await asyncio.wait_for(src.first_attach(), 20) == ""
        assert (src.engine, src.at) == ("a", ready_a["console"])
        await changes.until(lambda: set(VENUES) <= set(src.model.venues), 15, "venues on engine a")
        assert (await src.command("isolate", reason="drill", venue="kraken")).ok
        await changes.until(lambda: isolated(src, "kraken"), 10, "the isolation on engine a")
        assert notices == []

        await a.kill()
        ready_b = await b.line(10)
        assert ready_b["role"] == "active" and ready_b["engine"] == "b"
        await changes.until(
            lambda: src.state == "attached" and src.engine == "b", 20, "the console on engine b"
        )
        assert src.at == ready_b["console"] != ready_a["console"]
        # Shown: a notice naming the new engine, the header's engine id, and the
        # takeover the new engine journalled, in the console's timeline.
        assert len(notices) == 1 and "engine takeover" in notices[0] and "b at" in notices[0]
        assert src.takeovers == notices
        await changes.until(
            lambda: any(
                e.get("event") == "takeover" and e.get("engine") == "b" and e.get("previous") == "a"
                for e in src.model.journal
            ),
            10,
            "the takeover in the console's timeline",
        )
        # The same isolation, received from engine b's own state.
        await changes.until(lambda: isolated(src, "kraken"), 10, "the isolation on engine b")
        assert (await src.command("note", text="on b now")).ok

        status = await ctl_status(natsd.url)
        assert status["engine"] == "b"
        venues = status["venues"]
        assert isinstance(venues, dict) and venues["kraken"] == "ISOLATED"
    finally:
        await src.close()
        if runner is not None:
            runner.cancel()
        await a.terminate()
        await b.terminate()
        await collector.stop()
        await sim.stop()


def test_ctl_over_nats_without_an_active_engine_says_so_in_one_line(natsd: NatsServer) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "VENUEWATCH_TOKEN": TOKEN}
    for url, why in (
        (natsd.url, f"no active engine holds the lease at {natsd.url}"),
        ("nats://127.0.0.1:9", "cannot connect to NATS at nats://127.0.0.1:9"),
    ):
        r = subprocess.run(
            [sys.executable, "-m", "tui.cli", "ctl", "--url", url, "--timeout", "1", "status"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=REPO,
        )
        assert r.returncode == 2, r.stderr
        assert why in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
