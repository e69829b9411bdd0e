"""`venuewatch serve` and `venuewatch ctl` as a responder runs them: real
subprocesses, a real journal, SIGTERM and kill -9, per-person tokens."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tui.control import journal
from tui.secrets import get_secret

VW = [sys.executable, "-m", "tui.cli"]
TOKEN = "ctl-test-shared-token"

pytestmark = pytest.mark.slow


@contextmanager
def serve(path: Path, *extra: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc = subprocess.Popen(
        [*VW, "serve", "--simulate", "--port", "0", "--journal", str(path), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "VENUEWATCH_TOKEN": TOKEN},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "no output"
        ready = json.loads(line)
        assert ready["event"] == "ready"
        yield proc, ready["console"]
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for f in (proc.stdout, proc.stderr):
            if f is not None:
                f.close()


def ctl(
    url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VW, "ctl", "--url", url, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "VENUEWATCH_TOKEN": TOKEN, **(env or {})},
    )


def status(url: str) -> dict[str, Any]:
    r = ctl(url, "status", "--json")
    assert r.returncode == 0, r.stderr
    answer: dict[str, Any] = json.loads(r.stdout)
    return answer


def entries(path: Path) -> list[dict[str, Any]]:
    return [e.as_dict() for e in journal.read(path).entries]


def test_an_isolation_survives_sigterm_and_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    with serve(path) as (proc, url):
        r = ctl(url, "isolate", "kraken", "--reason", "checksum storm")
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("#")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    with serve(path) as (proc, url):
        assert status(url)["venues"]["kraken"] == "ISOLATED"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=20)
    with serve(path) as (_, url):
        assert status(url)["venues"]["kraken"] == "ISOLATED"
    recovered = [e for e in entries(path) if e.get("event") == "control state recovered"]
    assert len(recovered) == 2
    assert all(e["recovered"]["isolated"] == ["kraken"] for e in recovered)
    assert "isolated kraken" in recovered[-1]["detail"]
    # --fresh: a clean state, and the journal says so.
    with serve(path, "--fresh") as (_, url):
        assert status(url)["venues"]["kraken"] != "ISOLATED"
    assert any(e.get("event") == "fresh start" for e in entries(path))


def test_ctl_names_people_by_their_tokens_and_errors_in_one_line(tmp_path: Path) -> None:
    # Built here, not at import: conftest points XDG_* at the test's own home.
    env = {**os.environ, "VENUEWATCH_TOKEN": TOKEN}
    unreachable = ctl("ws://127.0.0.1:9", "status")
    assert unreachable.returncode == 2 and unreachable.stderr.count("\n") == 1
    assert "cannot reach the engine" in unreachable.stderr
    for name in ("alice", "bob"):
        r = subprocess.run([*VW, "token", "add", name], capture_output=True, text=True, env=env)
        assert r.returncode == 0, r.stderr
    path = tmp_path / "journal.jsonl"
    no_env = {k: v for k, v in os.environ.items() if k != "VENUEWATCH_TOKEN"}

    def as_person(name: str, url: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*VW, "ctl", "--url", url, "--token-name", f"person-token.{name}", *args],
            capture_output=True, text=True, timeout=60, env=no_env,
        )  # fmt: skip

    with serve(path) as (_, url):
        for name in ("alice", "bob"):
            r = as_person(name, url, "--user", "mallory", "note", f"hello from {name}")
            assert r.returncode == 0, r.stderr
        refused = as_person("alice", url, "isolate", "nowhere")
        assert refused.returncode == 1 and "unknown venue" in refused.stderr
        bob = tmp_path / "bob-token"
        bob.write_text(get_secret("person-token.bob") or "")
        bob.chmod(0o600)
        subprocess.run([*VW, "token", "revoke", "bob"], check=True, capture_output=True, env=env)
        gone = ctl(url, "--token-file", str(bob), "status")
        assert gone.returncode == 2 and "wrong token" in gone.stderr
        assert "Traceback" not in refused.stderr + gone.stderr
    listed = subprocess.run([*VW, "token", "list"], capture_output=True, text=True, env=env)
    assert listed.stdout.split() == ["alice"]
    notes = {
        e["args"]["text"]: e["actor"]
        for e in entries(path)
        if e["kind"] == "command" and e["action"] == "note"
    }
    assert notes == {"hello from alice": "console:alice", "hello from bob": "console:bob"}
