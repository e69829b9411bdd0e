"""One capture, two ways of watching it: the same alerts, trips and journal, on capture time.

The capture is scripted: OKX books (its documented checksum example, recorded
before ``seqId``) for a few seconds, then the feed goes silent for 25 s and
comes back. With the ``feed-silent`` breaker the capture carries in its config
line, the venue-silent alert must fire, the breaker must trip and isolate okx
at known capture times — in the headless replay and in the console (service)
replay alike, even though the service runs with a console server, a scheduler
and a different pace.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from pathlib import Path
from typing import Any

import pytest

from adapters.capture import Writer
from tui.capture_config import capture_settings, replay_config
from tui.cli.replay import headless_run
from tui.config import parse
from tui.control import journal
from tui.replay_service import ReplayService

T0 = 1_764_313_308_000_000_000  # 2025-11-28T07:01:48Z, in ns
S = 1_000_000_000
CONFIG = """
[engine.breakers.feed-silent]
metric = "venue_silent_s"
op = ">="
threshold = 10.0
action = "isolate"
"""


def crc(text: str) -> int:
    c = zlib.crc32(text.encode())
    return c - (1 << 32) if c & 0x80000000 else c


def books(at: int, action: str, bids: list[Any], asks: list[Any], check: str) -> str:
    sent_ms = str(at // 1_000_000 - 20)  # sent 20 ms before it was received
    data = {"asks": asks, "bids": bids, "ts": sent_ms, "checksum": crc(check)}
    return json.dumps(
        {"arg": {"channel": "books", "instId": "BTC-USDT"}, "action": action, "data": [data]}
    )


def write_capture(path: Path) -> Path:
    w = Writer(path)
    w.config(T0, capture_settings(parse(CONFIG, "test")))
    settings = {"symbols": ["BTC-USDT"], "adapter": "okx"}
    w.event(T0, "okx", "okx-1#1", "connect", url="", symbols=["BTC-USDT"], settings=settings)
    bids = [["3366.1", "7", "0", "3"], ["3366", "6", "3", "4"]]
    asks = [["3366.8", "9", "10", "3"], ["3368", "8", "3", "4"]]
    at = T0 + S // 10
    snap = books(at, "snapshot", bids, asks, "3366.1:7:3366.8:9:3366:6:3368:8")
    w.frame(at, "okx", "okx-1#1", snap)
    for i in range(1, 9):  # an update every half second, sizes moving, checksums true
        size = str(7 + i)
        text = f"3366.1:{size}:3366.8:9:3366:6:3368:8"
        at = T0 + S // 10 + i * S // 2
        w.frame(at, "okx", "okx-1#1", books(at, "update", [["3366.1", size, "0", "3"]], [], text))
    # 25 s of silence, then one more update.
    text = "3366.1:20:3366.8:9:3366:6:3368:8"
    at = T0 + 30 * S
    w.frame(at, "okx", "okx-1#1", books(at, "update", [["3366.1", "20", "0", "3"]], [], text))
    w.close()
    return path


def comparable(path: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """The entries a replay's judgement produced (ids are random per run, so left out)."""
    out = []
    for e in journal.read(path).entries:
        f = dict(e.fields)
        if e.kind == "system" and f.get("event") != "venue state":
            continue
        f.pop("id", None)
        out.append((e.ts, e.kind, f))
    return out


async def serve_replay(cap: Path, jpath: Path) -> ReplayService:
    cfg, _ = replay_config(cap, None)
    svc = ReplayService(cfg, "token", cap, speed=0, journal_path=jpath, port=0)
    await svc.start()
    await asyncio.wait_for(svc.done.wait(), 30)
    await svc.stop("test")
    return svc


@pytest.fixture(scope="module")
def capture_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_capture(tmp_path_factory.mktemp("modes") / "okx.ndjson.gz")


def test_headless_and_console_replays_agree_on_capture_time(
    capture_file: Path, tmp_path: Path
) -> None:
    j_headless, j_console = tmp_path / "h.jsonl", tmp_path / "c.jsonl"
    report = asyncio.run(headless_run(str(capture_file), None, j_headless))
    asyncio.run(serve_replay(capture_file, j_console))
    assert report["config"] == "the capture's" and report["error"] is None

    # What fired, and when (capture time, on the 4 Hz grid from T0): the last frame is
    # at 07:01:52.1, so okx is stale from 07:01:57.1, seen at the 57.25 evaluation; the
    # breaker holds 10 s of silence at 07:02:02.25.
    fired = [(a["at"], a["key"], a["severity"]) for a in report["alerts"] if a["what"] == "firing"]
    assert fired == [
        ("2025-11-28T07:01:57.250000Z", "stale|okx|", "critical"),
        ("2025-11-28T07:01:57.250000Z", "stale|okx|BTC-USD", "warning"),
    ]
    assert [(t["breaker"], t["venue"]) for t in report["trips"]] == [("feed-silent", "okx")]
    assert report["isolated"] == ["okx"]
    assert report["trips"][0]["ts"] == "2025-11-28T07:02:02.250000Z"

    headless_entries = comparable(j_headless)
    console_entries = comparable(j_console)
    assert headless_entries == console_entries
    kinds = {k for _, k, _ in headless_entries}
    assert {"alert", "breaker", "command", "outcome"} <= kinds
    # Every entry of the console replay's journal is on capture time, none on wall time.
    for e in journal.read(j_console).entries:
        assert "2025-11-28T07:01:48" <= e.ts <= "2025-11-28T07:02:18.1", (e.kind, e.ts)


def test_step_to_next_alert_pauses_there_on_capture_time(
    capture_file: Path, tmp_path: Path
) -> None:
    async def go() -> tuple[bool, int, int]:
        cfg, _ = replay_config(capture_file, None)
        svc = ReplayService(
            cfg, "token", capture_file, speed=1, journal_path=tmp_path / "j", port=0
        )
        svc.pause()
        await svc.start()
        svc.step_to_next_alert()
        await asyncio.wait_for(svc.paused_event.wait(), 10)
        paused, at = svc.paused, svc.clock.ns
        lines = svc.replayer.lines
        svc.set_speed(0)
        svc.resume()
        await asyncio.wait_for(svc.done.wait(), 30)
        await svc.stop("test")
        return paused, at, lines

    paused, at, lines = asyncio.run(go())
    # Flat out to the silent venue's alert (5 s after its last frame), and no further.
    assert paused and T0 + 9 * S <= at <= T0 + 10 * S
    assert lines == 11  # config, connect, snapshot, 8 updates: the last frame is still ahead
