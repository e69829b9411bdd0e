"""Finding 8: each of these used to end in a traceback (or in silence); each is now one
line naming the file, flag or line, and a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui.app import layout_file
from tui.control.sinks import SinkSettings, WebhookSink


def venuewatch(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, "VENUEWATCH_TOKEN": os.environ.get("VENUEWATCH_TOKEN", "t" * 24)},
        check=False,
    )


def one_line(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    return lines[0]


def test_port_out_of_range_in_the_config(tmp_path: Path) -> None:
    (tmp_path / "engine.toml").write_text("[console]\nport = 99999\n")
    line = one_line(venuewatch("serve", "--config", "engine.toml", "--simulate", cwd=tmp_path))
    assert line == "venuewatch: engine.toml: line 2: console.port: expected 0-65535, got 99999"


def test_port_out_of_range_on_the_command_line(tmp_path: Path) -> None:
    r = venuewatch("serve", "--simulate", "--port", "99999", cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "argument --port: expected 0-65535, got 99999" in r.stderr


def test_a_token_file_readable_by_others(tmp_path: Path) -> None:
    secrets = Path(os.environ["XDG_STATE_HOME"]) / "venuewatch" / "secrets"
    secrets.mkdir(parents=True, mode=0o700)
    token = secrets / "console-token"
    token.write_text("t" * 32)
    token.chmod(0o644)
    env_token = os.environ.pop("VENUEWATCH_TOKEN", None)
    try:
        r = subprocess.run(
            [sys.executable, "-m", "tui.cli", "serve", "--simulate"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            check=False,
        )
    finally:
        if env_token is not None:
            os.environ["VENUEWATCH_TOKEN"] = env_token
    line = one_line(r)
    assert f"{token} has mode 0644" in line and "chmod 600" in line


def test_a_2000_deep_layout(tmp_path: Path) -> None:
    depth = 2000
    parts = ['root = "n0"']
    parts += [f'[node.n{i}]\nsplit = "vertical"\nchildren = ["n{i + 1}"]' for i in range(depth)]
    parts.append(f'[node.n{depth}]\npanel = "venues"')
    path = tmp_path / "deep.toml"
    path.write_text("\n".join(parts) + "\n")
    with pytest.raises(layout_file.LayoutError) as info:
        layout_file.load_file(path)
    message = str(info.value)
    assert "\n" not in message
    assert (
        message.startswith(f"{path}: line ") and "node.n16: splits nested deeper than 16" in message
    )


def _capture(tmp_path: Path, settings: dict[str, object]) -> Path:
    connect = {
        "ts": 1764000000123456789,
        "venue": "bybit",
        "conn": "bybit-1#1",
        "event": "connect",
        "url": "ws://127.0.0.1:1/v5/public/spot",
        "symbols": ["BTCUSDT"],
        "settings": settings,
    }
    path = tmp_path / "bybit.ndjson"
    path.write_text(json.dumps(connect) + "\n")
    return path


def test_replay_of_a_bybit_depth_500_connect_line(tmp_path: Path) -> None:
    _capture(tmp_path, {"name": "bybit", "adapter": "bybit", "symbols": ["BTCUSDT"], "depth": 500})
    r = venuewatch("replay", "bybit.ndjson", "--headless", cwd=tmp_path)
    line = one_line(r)
    assert line.startswith("venuewatch: bybit.ndjson: line 1: bybit: connect settings not usable")
    assert "depth 500 not offered" in line
    assert json.loads(r.stdout)["complete"] is False


def test_serve_replay_of_a_capture_that_breaks_the_reader(tmp_path: Path) -> None:
    (tmp_path / "broken.ndjson").write_text("garbage\n")
    line = one_line(venuewatch("serve", "--replay", "broken.ndjson", "--port", "0", cwd=tmp_path))
    assert line.startswith("venuewatch: broken.ndjson: line 1: not valid JSON")


def test_webhook_urls_are_redacted_wherever_a_sink_is_named() -> None:
    sink = WebhookSink(
        SinkSettings(kind="webhook", url="https://ops:hunter2@127.0.0.1:9/hooks/T0/B0?token=SECRET")
    )
    assert sink.name == "webhook:https://127.0.0.1:9/…"  # Slack-style paths hold tokens too
    assert "hunter2" not in sink.name and "SECRET" not in sink.name
