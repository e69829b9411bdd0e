"""The replicated journal: fenced in the stream, mirrored with the journal's own checks."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tui.bus.ha import JournalMirror, ReplicatingJournal, ReplicationError, ensure_ha
from tui.bus.jetstream import connect
from tui.bus.natsd import NatsServer
from tui.control import journal
from tui.control.journal import AsyncJournal
from tui.service import JournalAdapter

pytestmark = pytest.mark.slow


@pytest.fixture
async def js(natsd: NatsServer) -> AsyncIterator[Any]:
    nc = await connect(natsd.url, "test")
    ctx = nc.jetstream()
    await ensure_ha(ctx)
    yield ctx
    await nc.close()


async def writer(js: Any, path: Path, published: int) -> tuple[ReplicatingJournal, AsyncJournal]:
    aj = await AsyncJournal.open(path)
    return ReplicatingJournal(JournalAdapter(aj), js, path, published), aj


async def test_a_deposed_engine_cannot_write_and_its_diverged_file_is_set_aside(
    js: Any, tmp_path: Path
) -> None:
    a_path, b_path = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a, a_file = await writer(js, a_path, 0)
    await a.append("system", event="engine started")
    await a.append("command", action="isolate", args={"venue": "kraken"}, id="c1")

    mirror = JournalMirror(js, b_path)
    await mirror.start()
    assert await mirror.caught_up(5.0) and mirror.seq == 2
    await mirror.stop()
    assert journal.verify(b_path).status == "ok"
    assert [e.hash for e in journal.read(b_path).entries] == [
        e.hash for e in journal.read(a_path).entries
    ]

    # b takes over and writes; a, deposed but still running, tries to write.
    b, b_file = await writer(js, b_path, mirror.seq)
    await b.append("system", event="takeover")
    with pytest.raises(ReplicationError, match="not replicated"):
        await a.append("command", action="restore", args={"venue": "kraken"}, id="c2")
    await a_file.aclose()
    await b_file.aclose()

    # a comes back as a standby: its extra entry is not in the stream, so its
    # file is kept aside as evidence and mirrored afresh from the stream.
    again = JournalMirror(js, a_path)
    await again.start()
    assert await again.caught_up(5.0) and again.seq == 3
    await again.stop()
    assert [e.hash for e in journal.read(a_path).entries] == [
        e.hash for e in journal.read(b_path).entries
    ]
    assert any(p.name.startswith("a.jsonl.diverged-") for p in os.scandir(tmp_path))


async def test_a_tampered_stream_entry_stops_the_mirror(js: Any, tmp_path: Path) -> None:
    a, a_file = await writer(js, tmp_path / "a.jsonl", 0)
    await a.append("system", event="engine started")
    await a_file.aclose()
    forged = b'{"seq":2,"ts":"2026-11-28T10:00:00.000000Z","kind":"note","prev":"' + b"0" * 64
    forged += b'","text":"x","hash":"' + b"1" * 64 + b'"}'
    await js.publish("vw.journal", forged, stream="VW_JOURNAL")
    mirror = JournalMirror(js, tmp_path / "b.jsonl")
    await mirror.start()
    assert not await mirror.caught_up(2.0)
    await mirror.stop()
    assert "refused" in mirror.error
    assert journal.read(tmp_path / "b.jsonl").verify.entries == 1
