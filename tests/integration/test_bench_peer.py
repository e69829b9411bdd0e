"""``venuewatch bench --peer --smoke``: ours vs cryptofeed, floor and ceilings, well-formed.

Structure, never speed: the figures are what the bench is for. What is checked
is that every part ran, that the two books were compared (with each other and
with the simulator's) after every round and came out equal, that Kraken's
checksums were verified by both, and that the machine, its load and the date
are in the output. Without the ``peer`` extra the command is one line naming it.

The test extra installs the peer extra, so this test cannot be skipped: it fails.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

HAVE_PEER = importlib.util.find_spec("cryptofeed") is not None


def _require_peer() -> None:
    # The test extra installs the peer extra: a missing cryptofeed is a broken setup.
    if not HAVE_PEER:
        pytest.fail("cryptofeed is missing: pip install -e '.[test]' installs the peer extra")


def _positive(stats: dict[str, float]) -> None:
    assert 0 < stats["min"] <= stats["median"] <= stats["max"], stats


def test_bench_peer_smoke_compares_identical_frames_and_checks_the_books(
    tmp_path: Path,
) -> None:
    _require_peer()
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "bench", "--peer", "--smoke", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    assert "Peer: ours vs cryptofeed" in done.stdout
    assert "load average" in done.stdout
    results = json.loads(out.read_text(encoding="utf-8"))

    machine = results["machine"]
    assert machine["nproc"] > 0 and machine["cpu_model"]
    assert len(machine["load_avg"]) == 3
    assert results["started"].endswith("Z")
    assert set(results) >= {"peer", "targets"} and "ingest" not in results

    peer = results["peer"]
    assert peer["peer"].startswith("cryptofeed ")
    assert len(peer["load_avg_before"]) == 3 and len(peer["load_avg_after"]) == 3
    cases = {c["case"]: c for c in peer["cases"]}
    assert set(cases) == {"binance-5", "binance-20+20", "kraken"}
    for c in cases.values():
        assert c["exact"], c
        assert c["problems"] == []
        # Compared after every round, the warm-up included.
        assert c["exact_rounds_checked"] == c["rounds"] + 1 >= 2
        for who in ("ours", "cryptofeed", "floor"):
            _positive(c[who])
        assert c["ratio"] > 0 and c["of_floor"] > 0
        lo, hi = c["ratio_rounds"]
        assert 0 < lo <= hi
    kraken = cases["kraken"]["checksums_verified"]
    assert kraken["ours"] > 0 and kraken["cryptofeed"] > 0
    # Every Kraken update carries a checksum, and each side verified all of them
    # (ours also verifies the snapshots' checksums, one per instrument).
    frames = cases["kraken"]["frames"]
    assert kraken["cryptofeed"] == frames
    assert kraken["ours"] == frames + cases["kraken"]["instruments"]

    e2e = peer["e2e"]
    assert e2e["exact"], e2e
    assert e2e["exact_runs_checked"] == 2 * (e2e["rounds"] + 1)
    for v in ("ceiling-websockets", "ceiling-picows", "ours-websockets", "ours-picows"):
        _positive(e2e[v])
    assert set(e2e["ratios_to_websockets_ceiling"]) == {
        "ceiling-picows",
        "ours-websockets",
        "ours-picows",
    }

    names = {t["name"] for t in results["targets"]}
    assert "ours ÷ cryptofeed, kraken" in names
    assert "ours end to end ÷ bare websockets ceiling" in names
    assert all(isinstance(t["met"], bool) for t in results["targets"])


def test_bench_peer_without_the_extra_is_one_line_naming_it(tmp_path: Path) -> None:
    # cryptofeed made unimportable in a real CLI process (sys.modules[...] = None).
    code = (
        "import sys; sys.modules['cryptofeed'] = None; "
        "from tui.cli.main import main; "
        f"sys.exit(main(['bench', '--peer', '--smoke', '--out', {str(tmp_path / 'b.json')!r}]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "pip install -e '.[peer]'" in lines[0]
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "b.json").exists()
