"""Finding 2: a console that never reads is disconnected with a reason, and the engine's
memory stays bounded. The engine runs in its own process; its RSS is read from /proc."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.console.client import ConsoleClient

from support.raw_ws import never_reader

TOKEN = "slow-console-token-0123456789"
CONFIG = """
[console]
max_outbound_bytes = 65536
commands_per_s = 1000.0
command_burst = 1000
max_queued_commands = 1000
"""


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def _line(stream: asyncio.StreamReader, want: str, deadline: float) -> str:
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"no line containing {want!r}"
        line = (await asyncio.wait_for(stream.readline(), left)).decode()
        assert line, f"engine exited before {want!r}"
        if want in line:
            return line


@pytest.fixture
def journal_dir(tmp_path: Path) -> Iterator[Path]:
    """On tmpfs where there is one: this test is about the console link, and two fsyncs
    a command on a shared disk would make it slow, not different."""
    shm = Path("/dev/shm")
    if not shm.is_dir():
        yield tmp_path
        return
    d = Path(tempfile.mkdtemp(dir=shm))
    yield d
    shutil.rmtree(d)


async def test_a_console_that_never_reads_is_closed_and_memory_stays_bounded(
    tmp_path: Path, journal_dir: Path
) -> None:
    cfg = tmp_path / "engine.toml"
    cfg.write_text(CONFIG)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui.cli",
        "serve",
        "--config",
        str(cfg),
        "--simulate",
        "--rate",
        "1",
        "--port",
        "0",
        "--journal",
        str(journal_dir / "journal.jsonl"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "VENUEWATCH_TOKEN": TOKEN},
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        deadline = time.monotonic() + 60
        ready = json.loads(await _line(proc.stdout, '"ready"', deadline))
        url = ready["console"]
        stuck = never_reader(int(url.rsplit(":", 1)[1]), TOKEN)
        alice = ConsoleClient(url, TOKEN, "alice")
        await alice.connect()
        reader = asyncio.get_running_loop().create_task(alice.run())
        before = rss_kib(proc.pid)
        closed = asyncio.get_running_loop().create_task(
            _line(proc.stderr, "closing console mallory", deadline)
        )
        # Journal frames go to every console (~2 KB a note); 64 KB may queue for the stuck one.
        # Batches of 8 keep alice (who reads) well inside the same limit.
        sent = 0
        while not closed.done():
            assert sent < 3000, "the console that never reads was never closed"
            batch = [alice.command("note", text=f"{sent + i} " + "x" * 1990) for i in range(8)]
            assert all(o.ok for o in await asyncio.gather(*batch))
            sent += len(batch)
        line = closed.result()
        assert "console too slow:" in line and "limit 65536" in line
        after = rss_kib(proc.pid)
        assert after - before < 64 * 1024, (before, after)  # generous: KiB
        # The engine let go of the connection (after its close timeout): EOF or reset.
        stuck.settimeout(max(1.0, deadline - time.monotonic()))
        try:
            while stuck.recv(65536):
                pass
        except ConnectionResetError:
            pass
        stuck.close()
        assert (await alice.command("note", text="still attached")).ok
        await alice.close()
        reader.cancel()
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 30)
    assert proc.returncode == 0
