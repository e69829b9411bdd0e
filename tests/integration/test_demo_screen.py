"""``venuewatch demo`` at 120×40 in a real terminal (tmux) shows every breaker and
every route its config ships, read off the screen — nothing hidden by the default
layout — and no pane without room pretends to be empty.

The screen is the synchronisation: ``tmux capture-pane`` is polled with a deadline.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from importlib.resources import files
from pathlib import Path

import pytest
from test_demo_smoke import Terminal

pytestmark = pytest.mark.slow


def named(name: str, screen: str) -> bool:
    """``name`` as a whole word (beside ``▶`` or a border, not inside a longer name)."""
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", screen) is not None


def test_demo_at_120x40_shows_every_breaker_and_route(tmp_path: Path) -> None:
    config = tomllib.loads(files("tui.data").joinpath("demo.toml").read_text(encoding="utf-8"))
    breakers = sorted(config["engine"]["breakers"])
    routes = sorted(config["engine"]["routes"])
    assert len(breakers) == 3 and len(routes) == 3
    sock = tmp_path / "tmux.sock"
    cmd = f'{shlex.quote(sys.executable)} -m tui.cli demo; echo "[demo exited $?]"; sleep 60'
    subprocess.run(
        ["tmux", "-S", str(sock), "new-session", "-d", "-x", "120", "-y", "40", "-s", "demo", cmd],
        check=True,
        # The size is the pane's: a COLUMNS/LINES inherited from the runner would win.
        env={
            **{k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")},
            "TERM": "xterm-256color",
        },
        timeout=10,
    )
    term = Terminal(sock, "demo")
    try:
        width = term.tmux("display", "-p", "-t", "demo", "#{window_width}x#{window_height}")
        assert width.strip() == "120x40"
        screen = term.wait(
            lambda s: "ATTACHED" in s and all(named(n, s) for n in breakers + routes),
            "every breaker and route on screen",
            timeout=90.0,
        )
        assert "NO ROOM" not in screen
        term.keys("q")
        term.wait(lambda s: "Quitting stops the demo engine" in s, "the quit confirm")
        term.keys("y")
        term.wait(lambda s: "[demo exited 0]" in s, "the demo to exit", timeout=30)
    finally:
        subprocess.run(["tmux", "-S", str(sock), "kill-server"], capture_output=True, timeout=10)
