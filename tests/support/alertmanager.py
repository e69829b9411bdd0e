"""A real Alertmanager (Debian's ``prometheus-alertmanager``) on loopback, for one test.

Gossip is off (``--cluster.listen-address=``), storage is the test's temp dir,
and readiness is its own "Listening on" log line, not a sleep.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

BINARY = "prometheus-alertmanager"
CONFIG = """\
route:
  receiver: nowhere
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: nowhere
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(tmp_path: Path) -> Iterator[str]:
    """Start one in ``tmp_path``; yield its URL once it listens; stop it."""
    binary = shutil.which(BINARY)
    if binary is None:
        pytest.fail(f"{BINARY} is not installed (.ci/run installs it with apt-get)")
    cfg = tmp_path / "alertmanager.yml"
    cfg.write_text(CONFIG)
    port = _free_port()
    proc = subprocess.Popen(
        [
            binary,
            f"--config.file={cfg}",
            f"--storage.path={tmp_path / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    ready = threading.Event()
    lines: list[str] = []

    def watch() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if "Listening on" in line:
                ready.set()
        ready.set()  # exited: let the test fail with its log

    threading.Thread(target=watch, daemon=True).start()
    try:
        if not ready.wait(30) or proc.poll() is not None:
            pytest.fail("alertmanager did not start:\n" + "".join(lines[-20:]))
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
