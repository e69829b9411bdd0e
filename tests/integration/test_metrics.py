"""Prometheus exposition: every documented metric, with its type, parsed by prometheus_client."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tui.engine.state import VENUE_STATES
from tui.integrations.metrics import METRICS

from support.fixtures import StartEngine

ENGINE = {
    "routes": {"btc-usd-ref": {"instrument": "BTC-USD", "venues": ["binance", "kraken"]}},
    "breakers": {
        "feed-silent": {
            "metric": "venue_silent_s",
            "op": ">=",
            "threshold": 30.0,
            "action": "isolate",
        }
    },
}


def families(text: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for fam in text_string_to_metric_families(text):
        # The parser names a counter's family without ``_total``; the documented name has it.
        name = fam.name + "_total" if fam.type == "counter" else fam.name
        out[name] = fam
    return out


def sample(fam: object, **labels: str) -> float:
    for s in fam.samples:  # type: ignore[attr-defined]
        if all(s.labels.get(k) == v for k, v in labels.items()):
            return float(s.value)
    raise AssertionError(f"no sample with {labels} in {fam.name}")  # type: ignore[attr-defined]


async def test_scrape_has_every_documented_metric_with_its_type(engine: StartEngine) -> None:
    extra = {"metrics": {"port": 0}}
    rig = await engine(["binance", "kraken"], engine=ENGINE, extra=extra)
    await rig.healthy()
    alice = await rig.console("alice")
    out = await alice.command("isolate", venue="kraken", reason="drill")
    assert out.ok
    url = rig.service.integrations.urls()["metrics"]
    assert url.startswith("http://127.0.0.1:")
    async with httpx.AsyncClient() as client:
        resp = await client.get(url)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain; version=0.0.4")
    fams = families(resp.text)
    documented = {"venuewatch_" + n for n in METRICS}
    assert documented <= set(fams), documented - set(fams)
    for name, (kind, _, _) in METRICS.items():
        assert fams["venuewatch_" + name].type == kind, name  # type: ignore[attr-defined]
    # The figures are the engine's, not placeholders.
    state = fams["venuewatch_venue_state"]
    assert sample(state, venue="kraken", state="ISOLATED") == 1.0
    assert sample(state, venue="kraken", state="LIVE") == 0.0
    # Exactly one state per venue (binance's may vary on a loaded machine).
    assert sum(sample(state, venue="binance", state=s) for s in VENUE_STATES) == 1.0
    route = fams["venuewatch_route_active"]
    assert sample(route, route="btc-usd-ref", venue="kraken") == 0.0
    assert sample(fams["venuewatch_breaker_armed"], breaker="feed-silent") == 1.0
    assert sample(fams["venuewatch_breaker_tripped"], breaker="feed-silent") == 0.0
    assert sample(fams["venuewatch_consoles"]) == 1.0
    seq = sample(fams["venuewatch_journal_head_sequence"])
    assert seq >= out.outcome_seq
    fsync = fams["venuewatch_journal_fsync_seconds"]
    assert sample(fsync, le="+Inf") >= 3  # started, the command, its outcome
    frames = fams["venuewatch_venue_frames_total"]
    assert sample(frames, venue="binance") > 0
    synced = fams["venuewatch_instrument_synced"]
    assert sample(synced, venue="binance", instrument="BTC-USD", symbol="BTCUSDT") in (0, 1)
    assert sample(fams["venuewatch_ingest_frames_total"]) >= sample(frames, venue="binance")


def test_serve_simulate_exposes_metrics_over_http(tmp_path: Path) -> None:
    """What ``curl`` of the endpoint shows during ``serve --simulate``."""
    env = {**os.environ, "VENUEWATCH_TOKEN": "metrics-test-token"}
    cmd = [sys.executable, "-m", "tui.cli", "serve", "--simulate", "--port", "0"]
    cmd += ["--metrics-port", "0", "--journal", str(tmp_path / "j.jsonl")]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        text = httpx.get(ready["metrics"], timeout=10).text
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    fams = families(text)
    assert {"venuewatch_" + n for n in METRICS} <= set(fams)
    venues = {s.labels["venue"] for s in fams["venuewatch_venue_state"].samples}  # type: ignore[attr-defined]
    assert venues == set(ready["venues"])


def test_a_bad_metrics_port_is_one_line(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "tui.cli", "serve", "--simulate", "--metrics-port", "70000"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2, r.stderr
    assert "--metrics-port" in r.stderr and "Traceback" not in r.stderr


SERVE = [sys.executable, "-m", "tui.cli", "serve", "--simulate", "--port", "0"]


def test_a_busy_metrics_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = subprocess.run(
            [*SERVE, "--metrics-port", str(port), "--journal", str(tmp_path / "j.jsonl")],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "VENUEWATCH_TOKEN": "metrics-test-token"},
        )
    assert r.returncode == 2, r.stderr
    assert f"metrics ([metrics] port / --metrics-port) on 127.0.0.1:{port}" in r.stderr
    assert "Traceback" not in r.stderr
