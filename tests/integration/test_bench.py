"""``venuewatch bench --smoke`` (every part on tiny loads) runs end to end and writes
well-formed results.

This checks structure, never speed: figures depend on the machine and are what
the benchmark is for. It does check that every book came out exact, because a
fast wrong book is not a result.

The parts run as ``--only`` commands (the two longest alone, the two short ones
together, which also checks that a run of several parts writes each of them), so
they run side by side on the test workers instead of one after another.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

Section = dict[str, Any]


def _positive(section: Section, *keys: str) -> None:
    for key in keys:
        value = section[key]
        assert isinstance(value, int | float) and value > 0, (key, value)


def _bench(tmp_path: Path, *parts: str) -> tuple[str, dict[str, Any]]:
    """Run ``bench --smoke --only …``; its stdout and the JSON it wrote."""
    out = tmp_path / "bench.json"
    only = [arg for part in parts for arg in ("--only", part)]
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "bench", "--smoke", *only, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    results: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    machine = results["machine"]
    assert machine["nproc"] > 0 and machine["cpu_model"] and machine["python"]
    assert results["mode"] == "smoke" and results["command"].startswith("venuewatch bench")
    targets = results["targets"]
    assert all(isinstance(t["met"], bool) for t in targets)
    assert ("Targets:" in done.stdout) == bool(targets)
    assert {p for p in ("ingest", "e2e", "responsiveness", "memory") if p in results} == set(parts)
    for part in parts:
        assert "error" not in results[part], results[part]
        assert results[part]["wall_s"] >= 0
    return done.stdout, results


def _ingest(stdout: str, ingest: Section) -> None:
    assert "1. Ingest" in stdout
    names = {c["case"] for c in ingest["cases"]}
    assert {"binance-5", "binance-20+20", "kraken", "okx-checksum", "okx-0"} <= names
    assert {"coinbase", "bybit", "deribit", "binance-futures"} <= names
    for c in ingest["cases"]:
        assert c["exact"], c
        _positive(c, "frames", "frames_per_s", "us_per_frame", "parse_only_per_s")
        _positive(c, "levels_per_frame", "bytes_per_frame")
    checksummed = {c["case"]: c["checksums_verified"] for c in ingest["cases"]}
    assert checksummed["kraken"] > 0 and checksummed["okx-checksum"] > 0


def _e2e(stdout: str, e2e: Section) -> None:
    assert "2. End to end" in stdout
    assert e2e["cases"]
    for c in e2e["cases"]:
        assert c["exact"], c
        _positive(c, "frames_per_s", "engine_cpu_s_per_s", "seconds")


def _responsiveness(stdout: str, r: Section) -> None:
    assert "3. Responsiveness" in stdout
    if r["available"]:
        # Presses answered after the load ran out are reported apart (a smoke run's
        # load is a fraction of a second): between them, every press was measured.
        late = r["after_load"]
        assert r["presses_under_load"] + late["presses"] == r["presses"]
        for key in ("key_to_journal_ms", "key_to_screen_ms"):
            measured = r[key] if r[key]["n"] else late[key]
            _positive(measured, "p50", "p99", "max", "n")
            assert r[key]["n"] + late[key]["n"] == r["presses"], (key, r[key], late[key])
        _positive(r, "console_cpu_pct", "presses")
        # The screen is read where the state is drawn, and the output says so.
        assert "venues panel's binance row" in r["screen_match"]
        assert f"(key → screen: {r['screen_match']})" in stdout
        assert r["event_loop_lag_ms"]["n"] > 0
        # The overload case: twice the rate measured in the same run, books exact after it.
        _positive(r, "sustainable_frames_per_s")
        assert r["engine_frames_per_s"] == int(r["sustainable_frames_per_s"] * r["overload"])
        # What the venue delivered is reported next to what it was paced at, and a run
        # that did not overload the engine says so as a miss, not silently.
        _positive(r, "paced_frames_per_s", "delivered_frames_per_s")
        multiple = r["delivered_frames_per_s"] / r["sustainable_frames_per_s"]
        assert r["delivered_multiple"] == round(multiple, 2)
        assert f"delivered {r['delivered_frames_per_s']:,}" in stdout
        overloaded = r["delivered_multiple"] >= r["min_delivered_multiple"]
        assert overloaded == ("MISS: not an overload" not in stdout)
        books = r["books"]
        assert books["books"] > 0 and books["settled"] and books["exact"], books
    else:
        assert r["reason"]


def _memory(stdout: str, mem: Section) -> None:
    assert "4. Memory" in stdout
    assert mem["exact"] and len(mem["samples"]) >= 3
    _positive(mem, "frames", "engine_ticks")
    assert all(s["rss_mib"] > 0 for s in mem["samples"])
    assert isinstance(mem["flat"], bool)


CHECKS: dict[str, Callable[[str, Section], None]] = {
    "ingest": _ingest,
    "e2e": _e2e,
    "responsiveness": _responsiveness,
    "memory": _memory,
}


# The longest part first: xdist hands tests out in this order.
@pytest.mark.parametrize("part", ["responsiveness", "ingest"])
def test_bench_smoke_writes_the_part(tmp_path: Path, part: str) -> None:
    stdout, results = _bench(tmp_path, part)
    CHECKS[part](stdout, results[part])


def test_bench_smoke_with_several_parts_writes_each(tmp_path: Path) -> None:
    stdout, results = _bench(tmp_path, "e2e", "memory")
    assert results["targets"]  # the end-to-end rate and memory growth have goals
    for part in ("e2e", "memory"):
        CHECKS[part](stdout, results[part])
