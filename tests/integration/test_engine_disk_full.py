"""Finding 1 end to end: the engine's journal on a real 512 KiB tmpfs that fills up.

A command that cannot be journalled gets an answer naming why (no effect); every
console sees a critical ``journal-unwritable`` alert and the sinks are told; when
space returns the journal heals by itself, journals the gap, and commands work.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tui.console.client import AttachError, ConsoleClient
from tui.control import journal

from support.fixtures import StartEngine


class RecordingSink:
    name = "recording"

    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []

    async def dispatch(self, entry: dict[str, Any]) -> str:
        self.got.append(entry)
        return "ok"


async def answer(console: ConsoleClient, **args: str) -> str:
    """The engine's answer to a note, whichever way it refuses."""
    try:
        outcome = await console.command("note", **args)
    except AttachError as exc:
        return f"refused: {exc}"
    return ("ok " if outcome.ok else "refused: ") + outcome.detail


async def test_a_full_disk_refuses_commands_raises_the_alarm_and_heals(
    small_disk: Path, fill_disk: Callable[[Path], Path], engine: StartEngine
) -> None:
    sink = RecordingSink()
    rig = await engine(["binance"], tmp=small_disk)
    rig.service.controller.sinks.append(sink)
    alice = await rig.console("alice")
    assert (await answer(alice, text="before")).startswith("ok")
    filler = fill_disk(small_disk)
    # Pad until even the smallest entry no longer fits in the journal's last page
    # (otherwise the journal heals at once into the slack, as it should).
    for size in (1500, 100, 1):
        for _ in range(400):
            got = await answer(alice, text="x" * size)
            if got.startswith("refused"):
                break
        else:
            pytest.fail("the disk never filled")
    assert "journal unwritable" in got and "ENOSPC" in got
    seq_before = journal.read(rig.journal_path).entries[-1].seq

    def alarm() -> bool:
        return any(a.rule == "journal-unwritable" for a in alice.model.alerts)

    await rig.wait_for(alarm, what="journal-unwritable alert on the console")
    (a,) = [a for a in alice.model.alerts if a.rule == "journal-unwritable"]
    assert a.severity == "critical" and "No space left on device" in a.summary
    await rig.wait_for(
        lambda: any(e.get("event") == "journal-unwritable" for e in sink.got),
        what="the sinks told",
    )
    assert rig.engine.state("binance") != "ISOLATED"
    filler.unlink()  # space returns: no restart, no command needed to heal
    await rig.wait_for(lambda: not alarm(), what="alert resolved")
    assert (await answer(alice, text="after")).startswith("ok")
    await rig.wait_for(
        lambda: any(e.get("event") == "journal-writable" for e in sink.got),
        what="the sinks told it is over",
    )
    await rig.stop()  # its last entry, "engine stopped", must fit too
    entries = journal.read(rig.journal_path)
    assert entries.verify.ok
    gap = [e for e in entries.entries if e.fields.get("event") == "journal-gap"]
    # (padding may have healed into the page's slack once before; the outage is the last gap)
    assert gap and gap[-1].seq == seq_before + 1
    assert "ENOSPC" in gap[-1].fields["reason"] and gap[-1].fields["failed_writes"] >= 1
    assert entries.entries[-1].fields["event"] == "engine stopped"


async def test_the_anchor_goes_to_the_sinks_at_its_interval(engine: StartEngine) -> None:
    sink = RecordingSink()
    extra = {"journal": {"anchor_to_sinks_s": 1.0}}
    rig = await engine(["binance"], extra=extra)
    rig.service.controller.sinks.append(sink)
    alice = await rig.console("alice")
    assert (await alice.command("note", text="anchor me")).ok
    sent = await rig.wait_for(
        lambda: [e for e in sink.got if e.get("event") == "journal-anchor"],
        what="the anchor sent to the sinks",
    )
    on_disk = journal.read(rig.journal_path).entries
    by_seq = {e.seq: e.hash for e in on_disk}
    assert by_seq[sent[-1]["anchor_seq"]] == sent[-1]["anchor_hash"]


def test_sigterm_with_the_disk_full_exits_cleanly(
    small_disk: Path, fill_disk: Callable[[Path], Path], tmp_path: Path
) -> None:
    env = {**os.environ, "VENUEWATCH_TOKEN": "t" * 24}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui.cli",
            "serve",
            "--simulate",
            "--rate",
            "1",
            "--port",
            "0",
            "--journal",
            str(small_disk / "journal.jsonl"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdout is not None
    try:
        assert '"ready"' in proc.stdout.readline()
        filler = fill_disk(small_disk)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    # (A simulator connection cut mid-handshake by the stop may log its own traceback.)
    assert "JournalUnwritable" not in err and "JournalError" not in err, err
    assert "never retrieved" not in err, err
    filler.unlink()
    assert journal.verify_main(small_disk / "journal.jsonl")[0] == 0
