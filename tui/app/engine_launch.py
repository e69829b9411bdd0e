"""Launch an engine as its own process and attach a console to it (demo, replay).

The engine runs as ``venuewatch serve <source>`` in its own process so that parsing a
storm of frames never starves the console's event loop: a responder's key must work
most when the feeds are at their worst. This reads the engine's one-line ready message
for the URL, attaches a console with a fresh random token, and on exit stops the engine
(SIGTERM, then waits) and prints where the journal is so ``venuewatch report`` can be
run on it.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from tui.app.launch import run_console
from tui.errors import UserError
from tui.paths import state_dir

READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


class EngineStartError(UserError):
    """The engine could not be started (the message may end with its log's last lines)."""


def engine_and_console(
    source: list[str],
    *,
    title: str,
    what: str,
    user: str,
    layout: str | None,
    theme: str | None,
    fps: float | None,
) -> int:
    """Start ``venuewatch serve <source>`` as its own process and attach a console to it;
    the console's exit code. Shared by the demo and by ``venuewatch replay CAPTURE``."""
    if fps is not None and not 0 < fps <= 60:
        raise EngineStartError(f"--fps: expected a number above 0 and at most 60, got {fps:g}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    where = state_dir() / title
    where.mkdir(parents=True, exist_ok=True)
    journal = where / f"journal-{stamp}.jsonl"
    log = where / f"engine-{stamp}.log"
    token = secrets.token_urlsafe(32)
    cmd = [
        sys.executable,
        "-m",
        "tui.cli",
        "serve",
        *source,
        "--port",
        "0",
        "--journal",
        str(journal),
    ]
    print(f"venuewatch {title}: starting the engine ({what})…", file=sys.stderr, flush=True)
    with open(log, "ab") as err:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,  # the engine's logs must not scribble over the console's screen
            env={**os.environ, "VENUEWATCH_TOKEN": token},
        )
    code = 2
    try:
        assert proc.stdout is not None
        ready = _wait_ready(proc, proc.stdout, log)
        if isinstance(ready, str):
            raise EngineStartError(ready)
        code = run_console(
            ready["console"],
            token,
            user=user,
            layout=layout,
            theme=theme,
            fps=fps,
            title=title,
            quit_note=f"Quitting stops the {title} engine. The journal stays at {journal}.",
            engine_poll=proc.poll,
        )
    finally:
        _stop(proc)
        _tell_where(journal, log, proc.returncode)
    return code


def _wait_ready(proc: subprocess.Popen[bytes], out: IO[bytes], log: Path) -> dict[str, Any] | str:
    """The engine's ready message, or why it never came (with the log's last lines)."""
    lines: queue.Queue[bytes] = queue.Queue()

    def pump() -> None:
        # Keep reading after the ready line so a chatty engine can never block on a full
        # pipe; anything after it goes to the engine log.
        ready_seen = False
        for raw in iter(out.readline, b""):
            if ready_seen:
                with contextlib.suppress(OSError), open(log, "ab") as f:
                    f.write(raw)
            else:
                lines.put(raw)
                ready_seen = b'"ready"' in raw
        lines.put(b"")

    threading.Thread(target=pump, name="engine-stdout", daemon=True).start()
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return f"the engine did not start within {READY_TIMEOUT_S:g}s; its log: {log}"
        try:
            raw = lines.get(timeout=left)
        except queue.Empty:
            continue
        if not raw:
            code = proc.wait()
            return f"the engine exited (code {code}) before it was ready:\n{_tail(log)}"
        with contextlib.suppress(ValueError):
            msg = json.loads(raw)
            if isinstance(msg, dict) and msg.get("event") == "ready":
                return msg


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        print("venuewatch demo: the engine did not stop on SIGTERM; killing it", file=sys.stderr)
        proc.kill()
        proc.wait()


def _tell_where(journal: Path, log: Path, code: int | None) -> None:
    if code is not None and code not in (0, -signal.SIGTERM):
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        print(f"venuewatch demo: the engine {how}; its log: {log}", file=sys.stderr)
    if journal.exists():
        print(f"Journal: {journal}")
        print(f"Incident report: venuewatch report {journal}")


def _tail(path: Path, n: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-n:])
