"""Finding 1 end to end: the engine's journal on a real 512 KiB tmpfs that fills up.

A command that cannot be journalled gets an answer naming why (no effect); every
console sees a critical ``journal-unwritable`` alert and the sinks are told; when
space returns the journal heals by itself, journals the gap, and commands work.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tui.console.client import AttachError
from tui.control import journal

from engine_rig import EngineRig


class RecordingSink:
    name = "recording"

    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []

    async def dispatch(self, entry: dict[str, Any]) -> str:
        self.got.append(entry)
        return "ok"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "disk"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(mnt: Path) -> Path:
    filler = mnt / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 64, 1):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
    finally:
        os.close(fd)
    return filler


async def answer(console: Any, **args: str) -> str:
    """The engine's answer to a note, whichever way it refuses."""
    try:
        outcome = await console.command("note", **args)
    except AttachError as exc:
        return f"refused: {exc}"
    return ("ok " if outcome.ok else "refused: ") + outcome.detail


async def test_a_full_disk_refuses_commands_raises_the_alarm_and_heals(small_disk: Path) -> None:
    sink = RecordingSink()
    async with EngineRig(small_disk, ["binance"]) as rig:
        rig.service.controller.sinks.append(sink)
        alice = await rig.console("alice")
        assert (await answer(alice, text="before")).startswith("ok")
        filler = fill(small_disk)
        # Pad until even small entries no longer fit in the journal's last page.
        for i in range(400):
            got = await answer(alice, text=f"pad {i} " + "x" * 1500)
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
    entries = journal.read(rig.journal_path)
    assert entries.verify.ok
    gap = [e for e in entries.entries if e.fields.get("event") == "journal-gap"]
    assert len(gap) == 1 and gap[0].seq == seq_before + 1
    assert entries.entries[-1].fields["event"] == "engine stopped"
