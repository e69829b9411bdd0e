"""Finding 1 (disk full) on a real, small filesystem, and finding 7 (truncation).

The disk is a 256 KiB tmpfs mounted by the test (the CI machine runs tests as
root). Where mounting is not permitted, the second test makes the same point
with RLIMIT_FSIZE in a child process: writes past the limit fail with EFBIG,
and raising the limit is "space returning".
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from tui.control.journal import Journal, JournalTruncated, JournalUnwritable, read, verify_main


def test_full_disk_refuses_then_heals_and_journals_the_gap(
    small_disk: Path, fill_disk: Callable[[Path], Path]
) -> None:
    path = small_disk / "journal.jsonl"
    j = Journal.open(path)
    j.append("command", n=1)
    filler = fill_disk(small_disk)
    before = path.read_bytes()
    with pytest.raises(JournalUnwritable) as info:
        j.append("command", n=2, note="x" * 9000)
    assert "No space left on device (ENOSPC)" in str(info.value)
    assert "\n" not in str(info.value)
    assert path.read_bytes() == before  # nothing half-written stays behind
    assert not j.health.ok and j.health.failed_writes == 1
    # Small entries still fit in the journal's last page; use it up until refused.
    for pad in range(500):
        try:
            j.append("command", pad=pad)
        except JournalUnwritable:
            break
    else:
        pytest.fail("the disk never filled")
    assert j.probe().ok is False  # still full: unhealthy, but no exception and no wedge
    filler.unlink()  # space returns
    assert j.probe().ok  # heals without waiting for a command
    last = j.append("command", n=4)
    j.close()
    entries = read(path).entries
    assert entries[-1] == last and entries[-2].fields["event"] == "journal-gap"
    assert "ENOSPC" in entries[-2].fields["reason"]
    assert entries[-2].fields["failed_writes"] == 1
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert verify_main(path)[0] == 0


_CHILD = textwrap.dedent(
    """
    import resource, signal, sys
    from tui.control.journal import Journal, JournalUnwritable
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death
    j = Journal.open(sys.argv[1], anchor_every_s=3600)
    j.append("command", n=1)
    size = j._size
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size + 100, hard))
    try:
        j.append("command", n=2, note="x" * 500)
        print("NOT REFUSED")
    except JournalUnwritable as exc:
        print("refused:", exc)
    print("health:", j.health.ok)
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    print("seq:", j.append("command", n=3).seq)
    j.close()
    """
)


def test_writes_failing_with_efbig_refuse_then_heal(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert out[0].startswith("refused: journal unwritable:") and "EFBIG" in out[0]
    assert out[1:] == ["health: False", "seq: 3"]
    entries = read(path).entries
    assert [e.fields.get("event") for e in entries] == [None, "journal-gap", None]


def test_truncated_journal_is_named_and_its_seqs_never_reused(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    with Journal.open(path) as j:
        for n in range(8):
            j.append("command", n=n)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:5]))  # the last three lines deleted, chain still valid
    code, message = verify_main(path)
    assert code == 1
    assert message == (
        f"{path}: TRUNCATED: ends at seq 5 but its anchor journal.jsonl.anchor records "
        f"seq 8 ({message.split('(')[1].split(')')[0]}): seqs 6-8 removed"
    )
    with pytest.raises(JournalTruncated, match="refusing to reuse sequence numbers"):
        Journal.open(path)
    assert len(path.read_bytes().splitlines()) == 5  # left as evidence


def test_rewritten_tail_does_not_match_its_anchor(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    with Journal.open(path) as j:
        for n in range(4):
            j.append("command", n=n)
    anchor = path.with_name(path.name + ".anchor").read_bytes()
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:3]))
    path.with_name(path.name + ".anchor").unlink()
    with Journal.open(path) as j:  # a forger appends a different seq 4 ...
        j.append("command", n=99)
    path.with_name(path.name + ".anchor").write_bytes(anchor)  # ... but the old anchor is kept
    code, message = verify_main(path)
    assert code == 1 and "does not match its anchor's hash (rewritten)" in message
    assert os.path.exists(path)
