"""The command line, as a user runs it: real subprocesses, real files."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from adapters.capture import Writer
from tui.control import journal

VW = [sys.executable, "-m", "tui.cli"]


def run(
    *args: str, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VW, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real capture: the simulator with scripted faults, recorded by `venuewatch record`."""
    out = tmp_path_factory.mktemp("cap") / "cap.ndjson.gz"
    r = run("record", "--simulate", "--rate", "40", "--seconds", "4", "--out", str(out))
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stderr.strip().splitlines()[-1])
    assert summary["lines"] > 500 and set(summary["frames"]) >= {"binance", "kraken", "okx"}
    return out


def test_replay_headless_reports_every_venue(capture: Path) -> None:
    r = run("replay", str(capture), "--headless")
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["complete"] is True and rep["error"] is None
    assert set(rep["venues"]) == {
        "binance",
        "binance-futures",
        "kraken",
        "coinbase",
        "okx",
        "bybit",
        "bybit-linear",
        "deribit",
    }
    for name, v in rep["venues"].items():
        assert v["frames"] > 0 and v["parse_errors"] == 0, name
        for sym, i in v["instruments"].items():
            assert i["updates"] > 0, (name, sym)
            assert i["gaps"] == i["checksum_failures"] == i["crossed"] == 0, (name, sym)
            assert i["best_bid"] < i["best_ask"], (name, sym)
    assert rep["venues"]["kraken"]["instruments"]["BTC/USD"]["checksum_ok"] > 0
    assert all(s == "LIVE" for s in rep["states"].values())


def test_replay_counts_faults_recorded_in_a_capture(tmp_path: Path) -> None:
    """A capture whose stream has a gap: replay finds it, counts it, exits 0."""
    cap = tmp_path / "gap.ndjson.gz"
    w = Writer(cap)
    settings = {"adapter": "binance", "symbols": ["BNBBTC"], "depth": 1000}
    w.event(1_000, "binance", "c1", "connect", url="ws://x", symbols=["BNBBTC"], settings=settings)
    w.event(
        2_000,
        "binance",
        "c1",
        "snapshot",
        symbol="BNBBTC",
        raw='{"lastUpdateId":100,"bids":[["1.0","1"]],"asks":[["2.0","1"]]}',
    )

    def frame(first: int, last: int) -> str:
        data = {
            "e": "depthUpdate",
            "E": 1,
            "s": "BNBBTC",
            "U": first,
            "u": last,
            "b": [["1.0", str(last)]],
            "a": [],
        }
        return msgspec.json.encode({"stream": "bnbbtc@depth@100ms", "data": data}).decode()

    w.frame(3_000, "binance", "c1", frame(101, 101))
    w.frame(4_000, "binance", "c1", frame(105, 106))  # 102..104 lost
    w.frame(5_000, "binance", "c1", b"\xff\xfe not utf-8")
    w.close()
    r = run("replay", str(cap), "--headless")
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    v = rep["venues"]["binance"]
    i = v["instruments"]["BNBBTC"]
    assert (i["updates"], i["gaps"], i["resyncs"]) == (1, 1, 1)
    assert v["parse_errors"] == 1
    assert any(a["rule"] == "gaps" and a["what"] == "firing" for a in rep["alerts"])


def test_replay_names_the_bad_line_of_a_malformed_capture(tmp_path: Path, capture: Path) -> None:
    lines = gzip.decompress(capture.read_bytes()).splitlines(keepends=True)
    bad = tmp_path / "bad.ndjson"
    bad.write_bytes(b"".join(lines[:10]) + b'{"ts": 1, "venue": "kraken"\n' + b"".join(lines[10:]))
    r = run("replay", str(bad), "--headless")
    assert r.returncode == 2
    assert f"{bad}: line 11: not valid JSON" in r.stderr
    rep = json.loads(r.stdout)
    assert rep["complete"] is False and rep["lines"] == 10
    torn = tmp_path / "torn.ndjson.gz"
    torn.write_bytes(capture.read_bytes()[: len(capture.read_bytes()) // 2])
    r = run("replay", str(torn), "--headless")
    assert r.returncode == 2 and "truncated gzip" in r.stderr
    missing = run("replay", str(tmp_path / "nope.gz"), "--headless")
    assert missing.returncode == 2 and "cannot open" in missing.stderr
    wrong = tmp_path / "wrong.ndjson"
    wrong.write_text('{"ts": "soon", "venue": "x", "conn": "y", "raw": ""}\n')
    r = run("replay", str(wrong), "--headless")
    assert r.returncode == 2 and "line 1: not a capture line" in r.stderr


@pytest.mark.slow
def test_kill_9_during_a_burst_of_commands_loses_no_acknowledged_command(tmp_path: Path) -> None:
    """The engine fsyncs before it acknowledges: what a console was told is on disk."""
    path = tmp_path / "journal.jsonl"
    env = {**os.environ, "VENUEWATCH_TOKEN": "kill-test-token"}
    proc = subprocess.Popen(
        [*VW, "serve", "--simulate", "--port", "0", "--journal", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        assert ready["event"] == "ready"
        client = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).parent / "burst_client.py"),
                ready["console"],
                "kill-test-token",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert client.stdout is not None
        acked: list[tuple[str, int]] = []
        for line in client.stdout:
            rid, seq_text = line.split()
            acked.append((rid, int(seq_text)))
            if len(acked) == 60:
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait(timeout=10)
        for line in client.stdout:  # acks that raced the kill were also promised
            parts = line.split()
            if len(parts) == 2:
                acked.append((parts[0], int(parts[1])))
        client.wait(timeout=10)
    finally:
        proc.kill()
    check = journal.verify(path)
    assert check.status in ("ok", "torn"), check.reason
    logged = {
        e.as_dict().get("id"): e.seq for e in journal.read(path).entries if e.kind == "command"
    }
    assert len(acked) >= 60
    for rid, seq in acked:
        assert logged.get(rid) == seq, f"acknowledged command {rid} (#{seq}) missing"


def test_journal_verify_and_report(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    with journal.Journal.open(path) as j:
        j.append(
            "command",
            id="a1",
            action="isolate",
            args={"venue": "kraken"},
            actor="console:alice",
            reason="checksum storm",
            summary="isolate kraken",
        )
        j.append(
            "outcome",
            id="a1",
            action="isolate",
            ok=True,
            detail="kraken isolated",
            actor="console:alice",
        )
        j.append(
            "alert",
            what="firing",
            rule="stale",
            venue="okx",
            instrument="",
            severity="critical",
            summary="okx: no frame for 6.0s",
            inhibited=False,
        )
    r = run("journal", "verify", str(path))
    assert r.returncode == 0 and f"{path}: OK: 3 entries, chain intact" in r.stdout, r.stdout
    r = run("report", str(path))
    assert r.returncode == 0, r.stderr
    assert "# Incident report" in r.stdout and "isolate kraken" in r.stdout
    assert "chain intact" in r.stdout and "okx: no frame for 6.0s" in r.stdout
    r = run("report", str(path), "--format", "json")
    rep = json.loads(r.stdout)
    assert rep["summary"]["commands"] == 1 and rep["summary"]["critical_alerts"] == 1
    text = path.read_text().replace("checksum storm", "routine check")
    path.write_text(text)
    r = run("journal", "verify", str(path))
    assert r.returncode == 1 and "line 1" in r.stdout and "modified" in r.stdout
    r = run("report", str(path))
    assert r.returncode == 1 and "NOT VERIFIED" in r.stdout


def test_config_errors_name_the_file_and_field(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[venues.binance]\nsymbols = ["BTCUSDT"]\nsymbls = 3\n')
    r = run("serve", "--config", str(cfg), "--port", "0")
    assert r.returncode == 2
    assert str(cfg) in r.stderr and "symbls" in r.stderr
    cfg.write_text("[venues.binance\n")
    r = run("serve", "--config", str(cfg))
    assert r.returncode == 2 and "line 1" in r.stderr
    r = run("serve")
    assert r.returncode == 2 and "--config FILE or --simulate" in r.stderr
