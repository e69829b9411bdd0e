"""The audit journal on real files: chain, tampering, torn tails, durability, crash."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tui.control.journal import (
    Journal,
    read,
    verify,
)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "audit" / "nested" / "journal.jsonl"


CHILD = r"""
import sys
from tui.control.journal import Journal
j = Journal.open(sys.argv[1])
for i in range(1_000_000):
    e = j.append("command", action="isolate", venue="kraken", i=i, reason="x" * (i % 97))
    sys.stdout.write(f"{e.seq}\n")
    sys.stdout.flush()
"""


@pytest.fixture
def child(path: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        p = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        procs.append(p)
        return p

    yield start
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait()
        for stream in (p.stdout, p.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.slow
def test_kill_9_mid_burst_loses_no_acknowledged_entry(
    path: Path, child: Callable[[], subprocess.Popen[bytes]]
) -> None:
    proc = child()
    assert proc.stdout is not None and proc.stderr is not None
    watchdog = threading.Timer(10, proc.kill)  # a deadline, not synchronisation
    watchdog.start()
    try:
        acks: list[int] = []
        while len(acks) < 100:
            line = proc.stdout.readline()
            assert line, f"child exited early: {proc.stderr.read().decode()}"
            acks.append(int(line))
        proc.kill()  # SIGKILL, mid-burst
        proc.wait()
    finally:
        watchdog.cancel()
    assert proc.returncode == -9
    # Acks the child printed before it died count too: they were acknowledged.
    acks += [int(x) for x in proc.stdout.read().split()]
    assert acks == list(range(1, len(acks) + 1))

    r = verify(path)
    assert r.status in ("ok", "torn"), r.reason
    if r.torn is not None:
        assert r.torn.line == r.entries + 1
    seqs = [e.seq for e in read(path).entries]
    assert set(acks) <= set(seqs) and seqs == list(range(1, len(seqs) + 1))

    with Journal.open(path) as j:  # the next run picks up where the dead one stopped
        assert j.seq == r.entries + (1 if r.torn else 0)
        j.append("system", event="engine restarted")
    assert verify(path).ok
