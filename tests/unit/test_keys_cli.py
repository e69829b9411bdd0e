"""``venuewatch keys``: prompts (fed on stdin here), lists names only, clear one-line errors."""

from __future__ import annotations

import io
import stat

import pytest

from tui.cli.main import main
from tui.config import ConfigError, parse
from tui.control import venue_keys
from tui.secrets import state_home


def _feed(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_set_stores_each_field_and_list_shows_names_never_values(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _feed(monkeypatch, "okx-key-value\nokx-secret-value\nokx-pass-value\n")
    assert main(["keys", "set", "okx", "--account", "desk1"]) == 0
    creds = venue_keys.load("okx", "desk1")
    assert (creds.key, creds.secret, creds.passphrase) == (
        "okx-key-value",
        "okx-secret-value",
        "okx-pass-value",
    )
    secrets_dir = state_home() / "venuewatch" / "secrets"
    for f in secrets_dir.glob("venue.okx.desk1.*"):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert main(["keys", "list"]) == 0
    out = capsys.readouterr()
    assert "okx" in out.out and "desk1" in out.out and "key,secret,passphrase" in out.out
    for value in ("okx-key-value", "okx-secret-value", "okx-pass-value"):
        assert value not in out.out + out.err
        assert value not in venue_keys.index_path().read_text()


def test_bad_input_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "set", "nasdaq"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("venuewatch: keys: unknown venue 'nasdaq'") and "\n" not in err
    _feed(monkeypatch, "a-key\n\n")
    assert main(["keys", "set", "kraken"]) == 2
    err = capsys.readouterr().err.strip()
    assert "secret must not be empty" in err and "\n" not in err
    assert main(["keys", "test", "bybit"]) == 2
    err = capsys.readouterr().err.strip()
    assert "no key stored for bybit" in err and "keys set bybit" in err


def test_config_names_the_bad_controls_table() -> None:
    with pytest.raises(ConfigError, match=r"controls.nasdaq: unknown control adapter 'nasdaq'"):
        parse('[controls.nasdaq]\nurl = "http://127.0.0.1:1"\n', "desk.toml")
    with pytest.raises(ConfigError, match=r"desk.toml: .*controls.kraken.heartbeat_s"):
        parse(
            "[controls.kraken]\nkeep_alive = true\ndeadman_s = 10\nheartbeat_s = 30\n", "desk.toml"
        )
    with pytest.raises(ConfigError, match="secret"):
        parse('[controls.kraken]\nsecret = "inline-secret"\n', "desk.toml")
