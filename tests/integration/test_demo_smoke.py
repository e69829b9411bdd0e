"""``venuewatch demo`` in a real terminal (tmux): it starts, shows venues, a key isolates
one, quitting stops the engine and leaves a journal with the command.

The screen is the synchronisation here: the test polls ``tmux capture-pane`` at short
intervals until what it waits for is on screen, with a deadline.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tui.control import journal

pytestmark = pytest.mark.slow


class Terminal:
    def __init__(self, sock: Path, session: str) -> None:
        self.sock, self.session = sock, session

    def tmux(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-S", str(self.sock), *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return out.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.session, *keys)

    def wait(self, cond: Callable[[str], object], what: str, timeout: float = 45.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if cond(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; screen:\n{text}")
            time.sleep(0.1)  # polling the screen is the synchronisation (see the docstring)


def engine_processes(journal_path: Path) -> list[int]:
    """Pids whose command line names this journal (the demo's engine)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "serve" in cmd and str(journal_path) in cmd:
            pids.append(int(proc.name))
    return pids


def test_demo_starts_isolates_with_one_key_and_quits_cleanly(tmp_path: Path) -> None:
    sock = tmp_path / "tmux.sock"
    demo_dir = Path(os.environ["XDG_STATE_HOME"]) / "venuewatch" / "demo"
    # A private tmux server started from this environment (isolated HOME/XDG dirs); the
    # shell keeps the pane open after the demo exits so its last words can be read.
    cmd = f'{shlex.quote(sys.executable)} -m tui.cli demo; echo "[demo exited $?]"; sleep 60'
    subprocess.run(
        ["tmux", "-S", str(sock), "new-session", "-d", "-x", "120", "-y", "40", "-s", "demo", cmd],
        check=True,
        env={**os.environ, "TERM": "xterm-256color"},
        timeout=10,
    )
    term = Terminal(sock, "demo")
    try:
        screen = term.wait(
            lambda s: "ATTACHED" in s and "LIVE" in s and "binance" in s,
            "the console attached and showing venues",
        )
        m = re.search(r"▶ (\S+) · ", screen)
        assert m, f"no selection in the status bar:\n{screen}"
        venue = m.group(1)
        term.keys("i")
        row = re.compile(rf"▶{re.escape(venue)}\s+\S+ ISOLATED")
        term.wait(lambda s: row.search(s), f"{venue} ISOLATED on screen")
        term.wait(lambda s: f"isolate {venue} — done, journal #" in s, "the outcome notification")
        (journal_path,) = demo_dir.glob("journal-*.jsonl")
        assert engine_processes(journal_path), "the engine should run in its own process"
        term.keys("q")
        term.wait(lambda s: "Quitting stops the demo engine" in s, "the quit confirm")
        term.keys("y")
        screen = term.wait(lambda s: "[demo exited 0]" in s, "the demo to exit", timeout=30)
        assert f"Journal: {journal_path}" in screen.replace("\n", "")
        assert "venuewatch report" in screen
        assert engine_processes(journal_path) == []
        entries = [e.as_dict() for e in journal.read(journal_path).entries]
        isolate = [e for e in entries if e["kind"] == "command" and e["action"] == "isolate"]
        assert isolate and isolate[0]["args"] == {"venue": venue}
        assert entries[-1]["kind"] == "system" and entries[-1]["event"] == "engine stopped"
    finally:
        subprocess.run(["tmux", "-S", str(sock), "kill-server"], capture_output=True, timeout=10)
