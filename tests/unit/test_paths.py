"""Every file venuewatch keeps comes from tui.paths, and the XDG rules hold everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui import config, paths, secrets
from tui.app import layout_file, settings


def test_paths_follow_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "st"))
    assert paths.config_dir() == tmp_path / "cfg" / "venuewatch"
    assert paths.state_dir() == tmp_path / "st" / "venuewatch"
    assert settings.settings_path() == tmp_path / "cfg" / "venuewatch" / "console.toml"
    assert layout_file.user_dir() == tmp_path / "cfg" / "venuewatch" / "layouts"
    assert secrets.SecretStore().directory == tmp_path / "st" / "venuewatch" / "secrets"
    assert config.state_dir() == paths.state_dir() and config.config_dir() == paths.config_dir()


def test_a_relative_xdg_home_is_ignored_by_config_and_secrets_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/cfg")
    monkeypatch.setenv("XDG_STATE_HOME", "relative/state")
    home = Path.home()
    assert paths.config_dir() == home / ".config" / "venuewatch"
    assert paths.state_dir() == home / ".local" / "state" / "venuewatch"
    # Before tui.paths, the journal went to ./relative/state while secrets went to ~.
    assert config.state_dir() / "secrets" == secrets.SecretStore().directory
    assert paths.journal_file().is_absolute() and paths.secrets_dir().is_absolute()


def test_without_xdg_the_defaults_are_under_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.delenv("XDG_STATE_HOME")
    assert paths.config_file() == Path.home() / ".config" / "venuewatch" / "config.toml"
    assert paths.journal_file() == Path.home() / ".local/state/venuewatch/journal.jsonl"
