"""The audit journal on real files: chain, tampering, torn tails, durability, crash."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from tui.control import journal as jmod
from tui.control.journal import (
    ZERO_HASH,
    AsyncJournal,
    Journal,
    JournalBroken,
    JournalError,
    JournalLocked,
    read,
    verify,
    verify_main,
)

TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "audit" / "nested" / "journal.jsonl"


def _fill(path: Path, n: int) -> list[jmod.Entry]:
    with Journal.open(path) as j:
        return [j.append("command", action="isolate", venue=f"v{i}", n=i) for i in range(1, n + 1)]


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _write_lines(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(lines))


def _sorted_deep(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _sorted_deep(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [_sorted_deep(x) for x in v]
    return v


def _stdlib_line(obj: dict[str, Any]) -> bytes:
    """The documented canonical form, rebuilt with the stdlib only (as an auditor would)."""
    obj = dict(obj)
    obj.pop("hash", None)
    head = {k: obj.pop(k) for k in ("seq", "ts", "kind", "prev")}
    canonical = json.dumps(
        {**head, **_sorted_deep(obj)}, separators=(",", ":"), ensure_ascii=False
    ).encode()
    digest = hashlib.sha256(canonical).hexdigest()
    return canonical[:-1] + f',"hash":"{digest}"}}'.encode()


# --- the chain ---------------------------------------------------------------------------


def test_chain_is_written_as_documented_and_verifies(path: Path) -> None:
    with Journal.open(path) as j:
        a = j.append("command", action="isolate", venue="kraken", reason="book crossed 3 s")
        b = j.append("note", text="Händler: Kraken WS stale — ticket #42", by="alice")
        c = j.append("outcome", ok=True, detail={"z": [1, 2.5, None], "a": {"y": 1, "b": "x"}})
        assert (j.seq, j.last_hash) == (3, c.hash)
    assert [e.seq for e in (a, b, c)] == [1, 2, 3]
    assert a.prev == ZERO_HASH and b.prev == a.hash and c.prev == b.hash
    assert all(TS.fullmatch(e.ts) for e in (a, b, c))
    assert c.fields == {"ok": True, "detail": {"z": [1, 2.5, None], "a": {"y": 1, "b": "x"}}}

    raw = path.read_bytes()
    assert raw.endswith(b"\n") and raw.count(b"\n") == 3
    for line, entry in zip(raw.splitlines(), (a, b, c), strict=True):
        obj = json.loads(line)
        assert list(obj)[:4] == ["seq", "ts", "kind", "prev"] and list(obj)[-1] == "hash"
        assert obj == entry.as_dict()
        # An auditor with nothing but the stdlib can re-derive every line byte for byte.
        assert _stdlib_line(obj) == line

    r = verify(path)
    assert (r.ok, r.status, r.entries, r.last_hash, r.reason) == (True, "ok", 3, c.hash, None)
    assert read(path).entries == [a, b, c]
    code, message = verify_main(path)
    assert code == 0
    assert message.startswith(f"{path}: OK: 3 entries, chain intact, last hash {c.hash}; anchor")


def test_reopen_continues_the_chain(path: Path) -> None:
    first = _fill(path, 3)
    with Journal.open(path) as j:
        assert (j.seq, j.last_hash, j.recovered) == (3, first[-1].hash, None)
        nxt = j.append("system", event="engine started")
    assert (nxt.seq, nxt.prev) == (4, first[-1].hash)
    assert verify(path).entries == 4


def test_empty_journal(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    r = verify(path)
    assert (r.ok, r.entries, r.last_hash) == (True, 0, ZERO_HASH)
    with Journal.open(path) as j:
        assert j.append("system", event="start").seq == 1


@pytest.mark.parametrize("umask", [0o000, 0o277])
def test_file_is_0600_whatever_the_umask(path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        _fill(path, 1)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# --- tampering ---------------------------------------------------------------------------


def test_modified_field_is_named_on_its_own_line(path: Path) -> None:
    _fill(path, 5)
    lines = _lines(path)
    lines[2] = lines[2].replace(b'"venue":"v3"', b'"venue":"v9"')
    _write_lines(path, lines)
    r = verify(path)
    assert (r.status, r.broken_line, r.entries) == ("broken", 3, 2)
    assert r.reason == "line 3: hash does not match its content (modified)"
    code, msg = verify_main(path)
    assert code == 1 and "BROKEN" in msg and "line 3: hash does not match" in msg


def test_modified_line_with_recomputed_hash_breaks_the_next_prev(path: Path) -> None:
    _fill(path, 5)
    lines = _lines(path)
    obj = json.loads(lines[3])
    obj["venue"] = "binance"
    lines[3] = _stdlib_line(obj) + b"\n"
    _write_lines(path, lines)
    r = verify(path)
    assert (r.status, r.broken_line, r.entries) == ("broken", 5, 4)
    assert r.reason == "line 5: prev does not match line 4"


def test_deleted_line(path: Path) -> None:
    _fill(path, 5)
    lines = _lines(path)
    del lines[2]
    _write_lines(path, lines)
    assert verify(path).reason == "line 3: seq 4 follows 2"


def test_reordered_lines(path: Path) -> None:
    _fill(path, 5)
    lines = _lines(path)
    lines[1], lines[2] = lines[2], lines[1]
    _write_lines(path, lines)
    r = verify(path)
    assert (r.broken_line, r.reason) == (2, "line 2: seq 3 follows 1")


def test_dropped_head_is_caught(path: Path) -> None:
    _fill(path, 3)
    _write_lines(path, _lines(path)[1:])
    assert verify(path).reason == "line 1: seq 2 follows 0"


def test_reformatted_line(path: Path) -> None:
    _fill(path, 3)
    lines = _lines(path)
    lines[1] = lines[1].replace(b'"kind":', b'"kind": ')
    _write_lines(path, lines)
    assert verify(path).reason == "line 2: not in canonical form (reformatted or re-ordered)"


def test_garbage_in_the_middle_is_damage_not_a_torn_tail(path: Path) -> None:
    _fill(path, 3)
    lines = _lines(path)
    lines[1] = b"{not json\n"
    _write_lines(path, lines)
    r = verify(path)
    assert (r.status, r.reason, r.torn) == ("broken", "line 2: not valid JSON", None)


def test_open_refuses_a_broken_chain_and_leaves_it_untouched(path: Path) -> None:
    _fill(path, 4)
    lines = _lines(path)
    lines[1] = lines[1].replace(b'"n":2', b'"n":3')
    _write_lines(path, lines)
    before = path.read_bytes()
    with pytest.raises(JournalBroken) as info:
        Journal.open(path)
    assert info.value.line == 2
    assert "line 2: hash does not match its content (modified)" in str(info.value)
    assert "start a new journal" in str(info.value)
    assert path.read_bytes() == before
    # no torn-tail sidecar: this is not a crash (the anchor is the only other file)
    assert sorted(path.parent.iterdir()) == [path, jmod.anchor_path(path)]


# --- torn tails --------------------------------------------------------------------------


def test_truncated_last_line_is_torn_and_earlier_entries_stay_readable(path: Path) -> None:
    entries = _fill(path, 5)
    raw = path.read_bytes()
    path.write_bytes(raw[:-20])
    torn_size = len(_lines(path)[-1])
    r = verify(path)
    assert (r.status, r.entries, r.broken_line, r.last_hash) == ("torn", 4, 5, entries[3].hash)
    assert r.reason == f"line 5: torn last line (no newline, {torn_size} bytes)"
    got = read(path)
    assert got.entries == entries[:4]
    assert got.torn is not None and (got.torn.line, got.torn.size) == (5, torn_size)
    code, msg = verify_main(path)
    assert code == 1 and "TORN" in msg and "not tampering" in msg


def test_newline_terminated_garbage_at_the_end_is_torn(path: Path) -> None:
    _fill(path, 2)
    with path.open("ab") as f:
        f.write(b"\x00\x00\x00\n")
    r = verify(path)
    assert (r.status, r.reason) == ("torn", "line 3: torn last line (not valid JSON, 4 bytes)")


def test_reopen_after_torn_tail_recovers(path: Path) -> None:
    entries = _fill(path, 3)
    good = path.read_bytes()
    tail = b'{"seq":4,"ts":"2026-11-24T13:12:13.1234'
    path.write_bytes(good + tail)

    with Journal.open(path) as j:
        rec = j.recovered
        assert rec is not None and rec.sidecar is not None
        assert (rec.line, rec.size, rec.offset, rec.cause) == (
            4,
            len(tail),
            len(good),
            "no newline",
        )
        after = j.append("command", action="restore", venue="kraken")

    assert rec.sidecar.parent == path.parent and rec.sidecar.name.startswith("journal.jsonl.torn-")
    assert rec.sidecar.read_bytes() == tail
    assert stat.S_IMODE(rec.sidecar.stat().st_mode) == 0o600
    r = verify(path)
    assert (r.ok, r.entries) == (True, 5)
    got = read(path).entries
    assert got[:3] == entries
    system = got[3]
    assert (system.seq, system.kind, system.prev) == (4, "system", entries[-1].hash)
    assert system.fields == {
        "event": "torn-tail-recovered",
        "line": 4,
        "bytes": len(tail),
        "cause": "no newline",
        "sidecar": rec.sidecar.name,
        "sha256": hashlib.sha256(tail).hexdigest(),
    }
    assert got[4] == after and after.seq == 5


# --- writer behaviour --------------------------------------------------------------------


def test_fsync_happens_after_the_write_and_before_append_returns(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    j = Journal.open(path, anchor_every_s=3600)  # the anchor's own fsyncs would interleave
    events: list[tuple[str, Any]] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        if os.path.samestat(os.fstat(fd), path.stat()):
            events.append(("fsync", path.read_bytes().count(b"\n")))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    for n in (1, 2, 3):
        e = j.append("command", n=n)
        events.append(("returned", e.seq))
    j.close()
    # Each line was already in the file when fsync ran, and fsync ran before append returned.
    assert events == [
        ("fsync", 1),
        ("returned", 1),
        ("fsync", 2),
        ("returned", 2),
        ("fsync", 3),
        ("returned", 3),
    ]


def test_failed_fsync_refuses_the_entry_then_heals_and_journals_the_gap(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    j = Journal.open(path)
    j.append("command", n=1)

    def broken_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(jmod.JournalUnwritable, match=r"Input/output error \(EIO\)") as info:
        j.append("command", n=2)
    assert isinstance(info.value, OSError) and isinstance(info.value, JournalError)
    assert "\n" not in str(info.value)
    assert (j.health.ok, j.health.failed_writes) == (False, 1)
    # The refused entry's bytes were cut off: it never appears as if acknowledged.
    assert path.read_bytes().count(b"\n") == 1
    assert j.probe().ok is False  # still failing: stays unhealthy, no wedge, no exception
    monkeypatch.undo()
    third = j.append("command", n=3)
    assert j.health.ok
    j.close()
    entries = read(path).entries
    assert [e.seq for e in entries] == [1, 2, 3] and third.seq == 3
    gap = entries[1]
    assert gap.kind == "system" and gap.fields["event"] == "journal-gap"
    assert gap.fields["failed_writes"] == 1 and "EIO" in gap.fields["reason"]
    assert [e.fields.get("n") for e in entries] == [1, None, 3]


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"seq": 5}, "reserved"),
        ({"hash": "x"}, "reserved"),
        ({"m": {1: "a"}}, "not JSON-encodable"),
        ({"obj": object()}, "not JSON-encodable"),
    ],
)
def test_bad_payload_is_refused_and_nothing_is_written(
    path: Path, fields: dict[str, Any], match: str
) -> None:
    with Journal.open(path) as j:
        j.append("command", n=1)
        with pytest.raises(ValueError, match=match):
            j.append("command", **fields)
        with pytest.raises(ValueError, match="kind"):
            j.append("")
        assert j.append("command", n=2).seq == 2
    assert verify(path).entries == 2


def test_second_writer_is_locked_out(path: Path) -> None:
    j = Journal.open(path)
    with pytest.raises(JournalLocked, match="another process"):
        Journal.open(path)
    j.close()
    assert j.closed
    with pytest.raises(JournalError, match="closed"):
        j.append("command")
    with Journal.open(path) as again:
        assert again.seq == 0


def test_threads_appending_at_once_keep_the_chain(path: Path) -> None:
    j = Journal.open(path)
    barrier = threading.Barrier(4)

    def worker(t: int) -> None:
        barrier.wait()
        for i in range(30):
            j.append("command", thread=t, i=i)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    j.close()
    r = read(path)
    assert r.verify.ok and [e.seq for e in r.entries] == list(range(1, 121))
    for t in range(4):
        assert [e.fields["i"] for e in r.entries if e.fields["thread"] == t] == list(range(30))


def test_verify_main_exit_codes(tmp_path: Path) -> None:
    code, msg = verify_main(tmp_path / "missing.jsonl")
    assert code == 2 and "UNREADABLE" in msg and "missing.jsonl" in msg
    assert verify_main(tmp_path)[0] == 2


# --- the asyncio writer ------------------------------------------------------------------


async def test_async_appends_keep_call_order_and_fsync_off_the_loop(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop_thread = threading.current_thread()
    fsync_threads: set[str] = set()
    gate = threading.Event()
    gate_seen: list[bool] = []
    real_fsync = os.fsync

    def gated_fsync(fd: int) -> None:
        fsync_threads.add(threading.current_thread().name)
        assert threading.current_thread() is not loop_thread
        # If append blocked the loop, the loop could not open the gate: this would time out.
        gate_seen.append(gate.wait(timeout=5))
        real_fsync(fd)

    aj = await AsyncJournal.open(path)
    monkeypatch.setattr(os, "fsync", gated_fsync)
    first = aj.append("command", who="loop", i=-1)
    gate.set()
    assert (await first).seq == 1

    calls: list[tuple[int, int]] = []

    async def responder(r: int) -> list[jmod.Entry]:
        got = []
        for i in range(10):
            fut = aj.append("command", responder=r, i=i)
            calls.append((r, i))
            got.append(await fut)
        return got

    results = await asyncio.gather(*(responder(r) for r in range(8)))
    await aj.aclose()

    assert gate_seen and all(gate_seen)
    assert all(name.startswith("journal-writer") for name in fsync_threads)
    assert len({n for n in fsync_threads}) == 1  # ONE writer thread
    entries = read(path).entries
    assert verify(path).ok and len(entries) == 81
    assert [(e.fields["responder"], e.fields["i"]) for e in entries[1:]] == calls
    for r, got in enumerate(results):
        assert [e.fields["i"] for e in got] == list(range(10)) and all(
            e.fields["responder"] == r for e in got
        )


async def test_async_close_flushes_everything_submitted(path: Path) -> None:
    async with await AsyncJournal.open(path) as aj:
        futures = [aj.append("note", i=i) for i in range(50)]
    assert all(f.done() for f in futures)
    assert [f.result().seq for f in futures] == list(range(1, 51))
    assert verify(path).entries == 50
    with pytest.raises(JournalError, match="closed"):
        aj.append("note")


async def test_async_open_reports_a_broken_chain(path: Path) -> None:
    _fill(path, 2)
    _write_lines(path, _lines(path)[::-1])
    with pytest.raises(JournalBroken):
        await AsyncJournal.open(path)


# --- a real crash ------------------------------------------------------------------------
