"""The capture writer flushes on a timer: the frames before a venue goes silent reach
the disk even though no later frame triggers a write-time flush."""

from __future__ import annotations

import asyncio
import zlib
from pathlib import Path

import pytest

from adapters import capture


def _readable(path: Path) -> bytes:
    """What a reader gets from the file as it is now (a crash would leave this)."""
    return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(path.read_bytes())


async def test_a_quiet_capture_is_flushed_by_the_timer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks: asyncio.Queue[asyncio.Event] = asyncio.Queue()

    async def controlled_sleep(_seconds: float) -> None:
        go = asyncio.Event()
        await ticks.put(go)
        await go.wait()

    monkeypatch.setattr(asyncio, "sleep", controlled_sleep)
    path = tmp_path / "c.jsonl.gz"
    writer = capture.Writer(path)
    flusher = asyncio.create_task(writer.flush_every(1.0))
    try:
        first = await asyncio.wait_for(ticks.get(), 5)
        writer.frame(1, "kraken", "c1", '{"last":"frame before silence"}')
        assert b"frame before silence" not in _readable(path)  # still in gzip's buffer
        first.set()  # one second passes, no further frame arrives
        await asyncio.wait_for(ticks.get(), 5)  # the loop came round: it has flushed
        assert b"frame before silence" in _readable(path)
    finally:
        flusher.cancel()
        writer.close()
    with pytest.raises(asyncio.CancelledError):
        await flusher
