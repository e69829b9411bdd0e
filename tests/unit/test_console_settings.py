"""The console app driven by keys against a real engine on loopback.

Each key is checked twice: the app says what happened, and the engine's own
journal (or facts) shows it happened. Waiting is event-driven: conditions are
re-checked on every render tick of the app (10 Hz), with a deadline.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.app import settings as settings_mod


def test_console_settings_errors_name_the_field_and_the_fix() -> None:
    cases = {
        "thme = 'light'": "console.toml: line 1: thme: unknown key (did you mean 'theme'? "
        "expected one of: theme, layout",
        "fps = 'fast'": "console.toml: line 1: fps: Expected `float`, got `str`",
        "fps = 0": "console.toml: line 1: fps: expected a number above 0 and at most 60, got 0",
        "[keys]\nisolate = 'x'": "console.toml: line 2: keys.isolate: unknown binding id "
        "(known: venue-up",
        "[keys]\nisolate-venue = 3": 'keys.isolate-venue: expected key names as a string like "x"',
        "[keys]\nisolate-venue = 'r'": "key 'r' is bound to both isolate-venue and restore-venue",
        "fps = [": "console.toml: line 1: TOML syntax",
    }
    for text, expected in cases.items():
        try:
            settings_mod.parse(text, "console.toml")
        except settings_mod.SettingsError as exc:
            assert expected in str(exc), (text, str(exc))
        else:
            raise AssertionError(f"{text!r} was accepted")
    ok = settings_mod.parse(
        "theme = 'light'\n[keys]\nisolate-venue = 'x'\nrestore-venue = 'i'", "console.toml"
    )
    assert ok.keys == {"isolate-venue": "x", "restore-venue": "i"}  # a swap is not a clash
    assert settings_mod.load() == settings_mod.Settings()  # no file: the defaults


def test_attach_token_comes_from_file_then_env_then_keyring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.console.credentials import resolve_token
    from tui.secrets import set_secret

    monkeypatch.delenv("VENUEWATCH_TOKEN", raising=False)
    with pytest.raises(ValueError, match="no console token: give --token-file FILE"):
        resolve_token(None)
    set_secret("console-token", "from-keyring")
    assert resolve_token(None) == "from-keyring"
    monkeypatch.setenv("VENUEWATCH_TOKEN", "from-env")
    assert resolve_token(None) == "from-env"
    f = tmp_path / "token"
    f.write_text("from-file\n", encoding="utf-8")
    f.chmod(0o600)
    assert resolve_token(str(f)) == "from-file"
    with pytest.raises(ValueError, match="cannot read"):
        resolve_token(str(tmp_path / "missing"))
