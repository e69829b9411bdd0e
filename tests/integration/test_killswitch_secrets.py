"""A full run with venue kill switches: no stored credential value appears anywhere.

Keys are stored with ``venuewatch keys set`` (values on stdin, as a prompt would
take them), listed and tested; the engine runs against the simulated venues
with the kill switches configured, records a capture, isolates Kraken (halt at
the venue, CONFIRMED), halts an instrument on Binance USD-M and isolates OKX in
dry-run (signed calls journalled, none sent). Then the journal, the capture, the
reports, the logs and every command's output are scanned for every stored value.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import os
import sys
from pathlib import Path

import pytest

from tui import report
from tui.control.commands import Command
from tui.engine import view
from tui.report import html, md

from support.fixtures import StartEngine, StartPrivateSim

VENUES = ["binance-futures", "kraken", "okx"]


class Done:
    def __init__(self, code: int, out: bytes, err: bytes) -> None:
        self.returncode, self.stdout, self.stderr = code, out.decode(), err.decode()


async def vw(*args: str, stdin: str = "") -> Done:
    """The CLI in a subprocess; async, because the simulated venues serve from this loop."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui.cli",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ},
    )
    async with asyncio.timeout(60):
        out, err = await proc.communicate(stdin.encode())
    return Done(proc.returncode or 0, out, err)


async def test_a_full_run_leaks_no_stored_credential(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    private_sim: StartPrivateSim,
    engine: StartEngine,
) -> None:
    caplog.set_level(logging.DEBUG)
    outputs: list[str] = []
    psim = await private_sim(VENUES)
    secrets_ = []
    for v in VENUES:
        k = psim.keys[v]
        lines = [k.key, k.secret] + ([k.passphrase] if v == "okx" else [])
        secrets_ += lines
        r = await vw("keys", "set", v, stdin="\n".join(lines) + "\n")
        assert r.returncode == 0, r.stderr
        outputs += [r.stdout, r.stderr]
    r = await vw("keys", "list")
    assert "kraken" in r.stdout and "okx" in r.stdout
    outputs += [r.stdout, r.stderr]
    r = await vw("keys", "test", "kraken", "--url", psim.url("kraken"))
    assert r.returncode == 0 and "OK" in r.stdout, r.stdout + r.stderr
    outputs += [r.stdout, r.stderr]
    bad = await vw("keys", "test", "okx", "--url", psim.url("kraken"))  # wrong venue: fails
    assert bad.returncode == 1
    outputs += [bad.stdout, bad.stderr]

    for v in VENUES:
        psim.accounts[v].place(8)
    capture = tmp_path / "capture.ndjson.gz"
    controls = {
        "kraken": {
            "url": psim.url("kraken"),
            "keep_alive": True,
            "deadman_s": 60.0,
            "verify_timeout_s": 5.0,
            "verify_interval_s": 0.05,
        },
        "binance-futures": {
            "url": psim.url("binance-futures"),
            "symbols": ["BTCUSDT"],
            "verify_timeout_s": 5.0,
            "verify_interval_s": 0.05,
        },
        "okx": {"url": psim.url("okx"), "dry_run": True},
    }
    rig = await engine(VENUES, extra={"controls": controls, "record": str(capture)})
    await rig.healthy()
    ctl = rig.service.controller
    canon = next(
        c
        for c, members in rig.engine.by_canonical.items()
        if any(m.venue == "binance-futures" and m.symbol == "BTCUSDT" for m in members)
    )
    for cmd in (
        Command(action="isolate", args={"venue": "kraken"}, actor="alice"),
        Command(
            action="halt",
            args={"venue": "binance-futures", "instrument": canon},
            actor="alice",
        ),
        Command(action="isolate", args={"venue": "okx"}, actor="alice"),
        Command(action="restore", args={"venue": "kraken"}, actor="alice"),
    ):
        assert (await ctl.execute(cmd)).ok
    await ctl.drain()
    rows = {r.name: r for r in view.build(rig.engine).venues}
    assert rows["kraken"].halt == "CONFIRMED (0 open)"
    assert rows["kraken"].deadman.startswith("armed 10s")  # shortened by the halt
    assert rows["okx"].halt == "DRY-RUN"
    await rig.stop()  # the journal, capture and logs as a stopped engine leaves them
    assert psim.accounts["kraken"].open() == []
    assert psim.accounts["binance-futures"].open("BTCUSDT") == []
    assert len(psim.accounts["okx"].open()) == 8 and psim.accounts["okx"].calls == []
    assert psim.accounts["kraken"].timers, "restore did not disarm the venue's dead-man"

    journal = rig.journal_path.read_text()
    entries = [json.loads(line) for line in journal.splitlines()]
    halts = [(e["venue"], e["layer"], e["state"]) for e in entries if e["kind"] == "venue-halt"]
    assert ("kraken", "verify", "CONFIRMED") in halts
    assert ("binance-futures", "verify", "CONFIRMED") in halts
    assert ("okx", "verify", "DRY-RUN") in halts
    assert "OK-ACCESS-SIGN" in journal and "<redacted>" in journal  # dry run: signed, scrubbed
    assert "NOT re-enabled" in journal
    rep = report.build(rig.journal_path)
    assert rep["verified"]
    outputs += [md.render(rep), html.render(rep), json.dumps(rep)]
    with gzip.open(capture, "rt") as f:
        captured = f.read()
    assert captured
    corpus = {
        "journal": journal,
        "capture": captured,
        "logs": caplog.text,
        "outputs": "\n".join(outputs),
    }
    for where, text in corpus.items():
        for value in secrets_:
            assert value not in text, f"a stored credential appears in the {where}"
