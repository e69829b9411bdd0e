"""``venuewatch bench --smoke`` (every part on tiny loads) runs end to end and writes
well-formed results.

This checks structure, never speed: figures depend on the machine and are what
the benchmark is for. It does check that every book came out exact, because a
fast wrong book is not a result.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _positive(section: dict[str, object], *keys: str) -> None:
    for key in keys:
        value = section[key]
        assert isinstance(value, int | float) and value > 0, (key, value)


def test_bench_quick_writes_every_section(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "bench", "--smoke", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    assert "1. Ingest" in done.stdout and "Targets:" in done.stdout
    results = json.loads(out.read_text(encoding="utf-8"))

    machine = results["machine"]
    assert machine["nproc"] > 0 and machine["cpu_model"] and machine["python"]
    assert results["mode"] == "smoke" and results["command"].startswith("venuewatch bench")

    ingest = results["ingest"]
    names = {c["case"] for c in ingest["cases"]}
    assert {"binance-5", "binance-20+20", "kraken", "okx-checksum", "okx-0"} <= names
    assert {"coinbase", "bybit", "deribit", "binance-futures"} <= names
    for c in ingest["cases"]:
        assert c["exact"], c
        _positive(c, "frames", "frames_per_s", "us_per_frame", "parse_only_per_s")
        _positive(c, "levels_per_frame", "bytes_per_frame")
    checksummed = {c["case"]: c["checksums_verified"] for c in ingest["cases"]}
    assert checksummed["kraken"] > 0 and checksummed["okx-checksum"] > 0

    for c in results["e2e"]["cases"]:
        assert c["exact"], c
        _positive(c, "frames_per_s", "engine_cpu_s_per_s", "seconds")

    r = results["responsiveness"]
    if r["available"]:
        for key in ("key_to_journal_ms", "key_to_screen_ms"):
            _positive(r[key], "p50", "p99", "max", "n")
        _positive(r, "console_cpu_pct", "presses")
        assert r["event_loop_lag_ms"]["n"] > 0
        # The overload case: twice the rate measured in the same run, books exact after it.
        _positive(r, "sustainable_frames_per_s")
        assert r["engine_frames_per_s"] == int(r["sustainable_frames_per_s"] * r["overload"])
        books = r["books"]
        assert books["books"] > 0 and books["settled"] and books["exact"], books
    else:
        assert r["reason"]

    mem = results["memory"]
    assert mem["exact"] and len(mem["samples"]) >= 3
    _positive(mem, "frames", "engine_ticks")
    assert all(s["rss_mib"] > 0 for s in mem["samples"])
    assert isinstance(mem["flat"], bool)

    targets = results["targets"]
    assert targets and all(isinstance(t["met"], bool) for t in targets)
