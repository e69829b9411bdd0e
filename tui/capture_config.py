"""Which configuration judges a replay: ``--config``, else the capture's own, else defaults.

Headless and console replays both ask here, so the same capture is judged by
the same detectors, breakers and routes whichever way it is watched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from adapters import capture
from tui.config import Config, from_dict, load

_LOOK_AHEAD = 50
"""Lines to look through for the config line (the recorder writes it first)."""


def capture_settings(cfg: Config) -> dict[str, Any]:
    """What a recorder stores in a capture's ``config`` line."""
    return {
        "engine": msgspec.to_builtins(cfg.engine),
        "instruments": msgspec.to_builtins(cfg.instruments),
    }


def replay_config(capture_path: str | Path, config_path: str | None) -> tuple[Config, str]:
    """(configuration, where it came from). Raises ConfigError or CaptureError."""
    if config_path:
        return load(config_path), f"--config {config_path}"
    for n, (_, line) in enumerate(capture.read(capture_path)):
        if line.event == "config" and line.settings is not None:
            source = f"{capture_path} (config line)"
            return from_dict(dict(line.settings), source), "the capture's"
        if n >= _LOOK_AHEAD or line.event is None:
            break
    return Config(), "built-in defaults (the capture has no config line)"
