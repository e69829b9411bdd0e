"""One error format for every TOML file: file, line, field path, problem, did-you-mean."""

from __future__ import annotations

import pytest

from tui import config, tomlfile
from tui.app import layout_file as lf
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


LEAF = 'root = "m"\n[node.m]\npanel = "{panel}"\n{params}\n'


def test_layout_unknown_key_says_did_you_mean() -> None:
    with pytest.raises(lf.LayoutError) as err:
        lf.parse('root = "m"\n[node.m]\npanel = "alerts"\nsiez = 3\n', "desk.toml", "desk")
    assert str(err.value).startswith(
        "desk.toml: line 4: node.m.siez: unknown key (did you mean 'size'?"
    )


def test_a_typoed_panel_parameter_is_an_error_naming_it() -> None:
    text = LEAF.format(panel="venues", params='params = { ordr = "config" }')
    with pytest.raises(lf.LayoutError) as err:
        lf.parse(text, "desk.toml", "desk")
    assert str(err.value) == (
        "desk.toml: line 4: node.m.params.ordr: unknown key "
        "(did you mean 'order'? expected one of: venues, order)"
    )
    table = LEAF.format(panel="timeline", params="[node.m.params]\nlimt = 5")
    with pytest.raises(lf.LayoutError, match=r"line 5: node\.m\.params\.limt: .*'limit'"):
        lf.parse(table, "desk.toml", "desk")


def test_a_mistyped_panel_parameter_names_file_and_field() -> None:
    text = LEAF.format(panel="timeline", params='params = { limit = "many" }')
    with pytest.raises(lf.LayoutError) as err:
        lf.parse(text, "desk.toml", "desk")
    assert str(err.value) == ("desk.toml: line 4: node.m.params.limit: Expected `int`, got `str`")
    text = LEAF.format(panel="venues", params='params = { order = "best" }')
    with pytest.raises(lf.LayoutError, match=r"node\.m\.params\.order: Invalid enum value 'best'"):
        lf.parse(text, "desk.toml", "desk")
    text = LEAF.format(panel="alerts", params="params = { resolved = -1 }")
    with pytest.raises(lf.LayoutError, match=r"node\.m\.params\.resolved: Expected `int` >= 0"):
        lf.parse(text, "desk.toml", "desk")


def test_valid_panel_parameters_are_kept_as_written() -> None:
    text = LEAF.format(panel="spreads", params='params = { window = 30, instrument = "BTC-USD" }')
    leaf = lf.parse(text, "desk.toml", "desk").leaves()[0]
    assert leaf.params == {"window": 30, "instrument": "BTC-USD"}


def test_a_table_value_of_the_wrong_type_names_its_key() -> None:
    text = 'root = "m"\n[node.m]\npanel = "alerts"\n[node.n]\npanel = 3\n'
    with pytest.raises(lf.LayoutError) as err:
        lf.parse(text, "desk.toml", "desk")
    assert str(err.value) == "desk.toml: line 5: node.n.panel: Expected `str`, got `int`"


def test_config_cross_field_errors_name_the_file_and_each_fields_line() -> None:
    from tui.config import ConfigError, from_dict, parse

    text = (
        "# desk config\n"
        "[console]\n"
        'host = "127.0.0.1"\n'
        'tls_cert = "cert.pem"\n'  # line 4: a cert without its key
        "\n"
        "[venues.kraken]\n"
        "symbols = []\n"  # line 7: an enabled venue with nothing to watch
        "\n"
        "[controls.kraken]\n"
        "keep_alive = true\n"
        "heartbeat_s = 90.0\n"  # line 11: not shorter than deadman_s
        "deadman_s = 60.0\n"
    )
    with pytest.raises(ConfigError) as err:
        parse(text, "desk.toml")
    msg = str(err.value)
    assert msg.startswith("desk.toml: ") and "\n" not in msg
    assert "line 4: console.tls_cert and console.tls_key: give both or neither" in msg
    assert "line 7: venues.kraken.symbols: at least one symbol is needed" in msg
    assert "line 11: controls.kraken.heartbeat_s: must be shorter than deadman_s" in msg
    # Without a file there is no line to name: the field alone.
    with pytest.raises(ConfigError, match=r"\A<dict>: venues.kraken.symbols: at least one"):
        from_dict({"venues": {"kraken": {"symbols": []}}}, "<dict>")


def test_a_problem_naming_no_field_in_the_text_keeps_its_words() -> None:
    assert tomlfile.placed("[a]\nb = 1\n", "a.b: bad") == "line 2: a.b: bad"
    assert tomlfile.placed("[a]\nb = 1\n", "sinks[0].url: bad") == "sinks[0].url: bad"
    assert tomlfile.placed("", "a.b: bad") == "a.b: bad"
