"""One error format for every TOML file: file, line, field path, problem, did-you-mean."""

from __future__ import annotations

import pytest

from tui import config, tomlfile
from tui.app import settings
from tui.errors import UserError


def test_engine_config_unknown_key_says_did_you_mean() -> None:
    text = '[venues.binance]\nsymbols = ["BTCUSDT"]\nsymbls = 3\n'
    with pytest.raises(config.ConfigError) as err:
        config.parse(text, "desk.toml")
    assert str(err.value).startswith(
        "desk.toml: line 3: venues.binance.symbls: unknown key (did you mean 'symbols'?"
    )


def test_console_settings_unknown_key_says_did_you_mean() -> None:
    with pytest.raises(settings.SettingsError) as err:
        settings.parse("theme = 'x'\ncompact_belo = 80\n", "console.toml")
    assert str(err.value).startswith(
        "console.toml: line 2: compact_belo: unknown key (did you mean 'compact_below'?"
    )


def test_wrong_type_names_file_line_and_field() -> None:
    with pytest.raises(config.ConfigError) as err:
        config.parse('[console]\nhost = "h"\nport = "eighty"\n', "desk.toml")
    assert str(err.value) == "desk.toml: line 3: console.port: Expected `int`, got `str`"
    with pytest.raises(settings.SettingsError) as serr:
        settings.parse("venue_order = ['a', 2]", "console.toml")
    assert str(serr.value) == "console.toml: line 1: venue_order[1]: Expected `str`, got `int`"


def test_errors_are_one_line_user_errors() -> None:
    for bad in ("a = [", "[console]\nport = 'x'", "nope = 1"):
        with pytest.raises(UserError) as err:
            config.parse(bad, "c.toml")
        assert "\n" not in str(err.value) and str(err.value).startswith("c.toml: line ")


def test_no_close_match_lists_the_keys_without_a_guess() -> None:
    assert tomlfile.unknown_message("zzz", ["theme", "fps"]) == (
        "unknown key (expected one of: theme, fps)"
    )


def test_locate_finds_keys_in_tables_and_falls_back_to_the_table() -> None:
    lines = ["a = 1", "[node.m]", "# c", "panel = 'x'", "[node.n]", "size = 1"]
    assert tomlfile.locate(lines, ("a",)) == 1
    assert tomlfile.locate(lines, ("node", "m", "panel")) == 4
    assert tomlfile.locate(lines, ("node", "n", "panel")) == 5
    assert tomlfile.locate(lines, ("node", "x")) is None
