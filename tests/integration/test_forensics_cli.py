"""Forensics from the command line: import, report and verify, as a responder runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

from tui.control.journal import Journal

VW = [sys.executable, "-m", "tui.cli"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VW, *args], capture_output=True, text=True, timeout=120, env=dict(os.environ)
    )


def crc(text: str) -> int:
    c = zlib.crc32(text.encode())
    return c - (1 << 32) if c & 0x80000000 else c


def okx_snapshot() -> str:
    # OKX "Calculate Checksum" example levels, as recorded before seqId existed.
    data = {
        "bids": [["3366.1", "7", "0", "3"], ["3366", "6", "3", "4"]],
        "asks": [["3366.8", "9", "10", "3"], ["3368", "8", "3", "4"]],
        "ts": "1597026383085",
        "checksum": crc("3366.1:7:3366.8:9:3366:6:3368:8"),
    }
    msg = {"arg": {"channel": "books", "instId": "BTC-USDT"}, "action": "snapshot", "data": [data]}
    return json.dumps(msg)


def test_import_then_replay_then_refusals(tmp_path: Path) -> None:
    # cryptofeed raw data recorder format (bmoscon/cryptofeed raw_data_collection.py).
    ws = tmp_path / "OKX.ws.1.0"
    ws.write_text(
        f"wss://ws.okx.com:8443/ws/v5/public <-> 1700000000.0\n1700000000.1: {okx_snapshot()}\n"
    )
    cap = tmp_path / "okx.ndjson.gz"
    r = run("import", str(ws), "--out", str(cap))
    assert r.returncode == 0, r.stderr
    r = run("import", str(ws), "--out", str(cap))
    assert r.returncode == 2 and "already exists" in r.stderr
    r = run("replay", str(cap), "--headless")
    assert r.returncode == 0, r.stderr
    inst = json.loads(r.stdout)["venues"]["okx"]["instruments"]["BTC-USDT"]
    assert inst["checksum_ok"] == 1 and inst["synced_at_end"]

    # A capture handed to the journal tools is named for what it is.
    r = run("report", str(cap))
    assert r.returncode == 2 and "not an audit journal: a capture" in r.stderr
    assert r.stdout == ""
    r = run("journal", "verify", str(cap))
    assert r.returncode == 2 and "not an audit journal" in r.stdout and "TORN" not in r.stdout


def test_report_formats_and_time_flags(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    with Journal.open(path) as j:
        j.append("system", event="engine started", venues=["okx"])
        j.append(
            "command",
            id="c1",
            action="isolate",
            args={"venue": "okx"},
            actor="console:alice",
            reason="stale",
            summary="isolate okx",
            inverse=None,
        )
        j.append("outcome", id="c1", action="isolate", ok=True, detail="okx isolated", actor="a")
    day = path.read_text().split('"ts":"')[1][:10]
    r = run("report", str(path), "--since", f"{day}T00:00Z", "--format", "json")
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["final_state"]["venues"] == {"okx": "ISOLATED"}
    assert rep["verify"]["head_hash"] == j.last_hash
    r = run("report", str(path), "--until", "noon")
    assert r.returncode == 2 and r.stderr.startswith("venuewatch: --until: 'noon'")
    out = tmp_path / "r.html"
    r = run("report", str(path), "--format", "html", "--out", str(out))
    assert r.returncode == 0, r.stderr
    page = out.read_text()
    assert "<svg" in page and "isolate okx" in page and "<script" not in page


def test_headless_replay_until_a_time(tmp_path: Path) -> None:
    from support.replay_capture import write_capture

    cap = write_capture(tmp_path / "okx.ndjson.gz")
    # Before the venue went quiet long enough: no alert yet, nothing isolated.
    r = run("replay", str(cap), "--headless", "--until", "2025-11-28T07:01:55Z")
    assert r.returncode == 0, r.stderr
    early = json.loads(r.stdout)
    assert early["until"] == "2025-11-28T07:01:55.000000Z"
    assert early["alerts"] == [] and early["isolated"] == []
    # After the breaker tripped: okx isolated, the trip reported.
    r = run("replay", str(cap), "--headless", "--until", "2025-11-28T07:02:05")
    late = json.loads(r.stdout)
    assert late["isolated"] == ["okx"] and late["trips"] and late["alerts"]
    r = run("replay", str(cap), "--headless", "--until", "after lunch")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip() == (
        "venuewatch: --until: 'after lunch' is not an ISO 8601 time (e.g. 2026-11-28T07:00:00Z)"
    )
