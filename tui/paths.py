"""Where venuewatch keeps its files: every path comes from here, on platformdirs.

- config: ``$XDG_CONFIG_HOME/venuewatch`` (``~/.config/venuewatch``): ``config.toml``,
  ``console.toml``, ``layouts/``.
- state: ``$XDG_STATE_HOME/venuewatch`` (``~/.local/state/venuewatch``): the journal,
  replays, ``secrets/`` (the keyring's 0600 fallback), people and venue-key records.

The XDG layout is used on every POSIX system, macOS included (``platformdirs.unix``):
a terminal tool's files belong where its users' dotfiles are, and the README documents
those paths. A relative ``XDG_*_HOME`` is ignored, as the XDG spec says, everywhere
(config and secrets used to disagree about that).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Final

from platformdirs import PlatformDirs
from platformdirs.api import PlatformDirsABC
from platformdirs.unix import Unix

APP: Final = "venuewatch"


def _dirs() -> PlatformDirsABC:
    return PlatformDirs(APP) if sys.platform == "win32" else Unix(APP)


def _relative(var: str) -> bool:
    value = os.environ.get(var, "")
    return bool(value) and not os.path.isabs(value)


def config_dir() -> Path:
    if _relative("XDG_CONFIG_HOME"):
        return Path.home() / ".config" / APP
    return Path(_dirs().user_config_dir)


def state_dir() -> Path:
    if _relative("XDG_STATE_HOME"):
        return Path.home() / ".local" / "state" / APP
    return Path(_dirs().user_state_dir)


def state_home() -> Path:
    """The directory ``state_dir()`` is in (``$XDG_STATE_HOME``)."""
    return state_dir().parent


def config_file() -> Path:
    return config_dir() / "config.toml"


def console_settings_file() -> Path:
    return config_dir() / "console.toml"


def layouts_dir() -> Path:
    return config_dir() / "layouts"


def secrets_dir() -> Path:
    return state_dir() / "secrets"


def journal_file() -> Path:
    return state_dir() / "journal.jsonl"


def replays_dir() -> Path:
    return state_dir() / "replays"
