"""Launching an engine with a console lives in the app layer, not in a CLI module."""

from __future__ import annotations

import ast
import contextlib
import io
from pathlib import Path

import pytest

import tui.cli
from tui.app.engine_launch import EngineStartError, engine_and_console
from tui.cli.main import main

CLI = Path(tui.cli.__file__).parent


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_replay_no_longer_imports_the_demo_command() -> None:
    imports = _imports(CLI / "replay.py")
    assert "tui.cli.demo" not in imports and "tui.cli.common.launch_engine_and_console" in imports
    assert "def engine_and_console" not in (CLI / "demo.py").read_text(encoding="utf-8")


def test_a_bad_frame_rate_is_a_user_error_before_any_engine_starts() -> None:
    with pytest.raises(EngineStartError, match=r"--fps: expected a number above 0"):
        engine_and_console(
            ["--simulate"], title="t", what="w", user="", layout=None, theme=None, fps=0
        )


def test_the_demo_command_maps_it_to_one_line_and_exit_code_2() -> None:
    # The command raises; main, the one place errors are caught, prints one line.
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["demo", "--fps", "99"]) == 2
    assert err.getvalue() == (
        "venuewatch: --fps: expected a number above 0 and at most 60, got 99\n"
    )
