"""The dead-man timer the engine keeps alive fires at the venue when the engine is killed.

A real ``venuewatch serve`` subprocess keeps Binance USD-M's countdown,
Kraken's CancelAllOrdersAfter and a Deribit connection with cancel-on-disconnect
alive against the simulated private venues; while it runs the orders stay;
after ``kill -9`` the venues cancel them by themselves.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tui.control import venue_keys

from support.fixtures import StartPrivateSim

VENUES = ["binance-futures", "kraken", "deribit"]


def _cmdline(pid: int) -> str:
    """What `ps` shows for the engine: the credentials must not be there."""
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")


async def test_deadman_fires_at_the_venue_when_the_engine_is_killed(
    tmp_path: Path, private_sim: StartPrivateSim
) -> None:
    sim = await private_sim(VENUES)
    cfg = tmp_path / "controls.toml"
    lines = []
    for v in VENUES:
        k = sim.keys[v]
        venue_keys.store(v, "default", {"key": k.key, "secret": k.secret})
        lines += [
            f"[controls.{v}]",
            f'url = "{sim.url(v)}"',
            'symbols = ["BTCUSDT", "ETHUSDT"]' if v == "binance-futures" else "",
            "keep_alive = true",
            "deadman_s = 2.0",
            "heartbeat_s = 0.4",
            "",
        ]
    cfg.write_text("\n".join(lines))
    for v in VENUES:
        sim.accounts[v].place(6)
    env = {**os.environ, "VENUEWATCH_TOKEN": "deadman-test-token"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui.cli",
        "serve",
        "--simulate",
        "--port",
        "0",
        "--config",
        str(cfg),
        "--journal",
        str(tmp_path / "j.jsonl"),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        env=env,
    )
    try:
        kraken, futures = sim.accounts["kraken"], sim.accounts["binance-futures"]
        deribit = sim.accounts["deribit"]

        def beats(acct_calls: list[tuple[str, str]], path: str) -> int:
            return sum(1 for _, p in acct_calls if p == path)

        # Kept alive: more heartbeats than fit in one timeout, and the orders still rest.
        await kraken.wait_for(
            lambda: beats(kraken.calls, "/0/private/CancelAllOrdersAfter") >= 6, 90
        )
        await futures.wait_for(
            lambda: beats(futures.calls, "/fapi/v1/countdownCancelAll") >= 12, 30
        )
        await deribit.wait_for(
            lambda: ("WS", "private/enable_cancel_on_disconnect") in deribit.calls, 30
        )
        assert len(kraken.open()) == 6 and len(futures.open()) == 6
        assert len(deribit.open()) == 6
        assert not kraken.firings and not futures.firings
        cmdline = _cmdline(proc.pid)
        for v in VENUES:
            assert sim.keys[v].secret not in cmdline and sim.keys[v].key not in cmdline

        proc.send_signal(signal.SIGKILL)
        await proc.wait()

        await kraken.wait_for(lambda: not kraken.open(), 10)
        await futures.wait_for(lambda: not futures.open(), 10)
        assert kraken.firings and kraken.firings[0].scope == "*"
        assert {f.scope for f in futures.firings} == {"BTCUSDT", "ETHUSDT"}
        await deribit.wait_for(lambda: not deribit.open(), 10)  # the connection dropped
        assert deribit.firings[0].scope == "cancel-on-disconnect"
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
