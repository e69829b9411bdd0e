"""Every error that is the user's to fix shares one base, and the CLI catches it once."""

from __future__ import annotations

import importlib

import pytest

from tui.app.layout_file import LayoutError
from tui.app.settings import SettingsError
from tui.config import ConfigError
from tui.console.people import PeopleError
from tui.console.tls import TLSError
from tui.control.journal import JournalBroken, JournalError, JournalLocked
from tui.control.venue_keys import KeysError
from tui.errors import UserError
from tui.report.times import TimeFlagError
from tui.secrets import InsecureSecretFile, SecretError

cli_main = importlib.import_module("tui.cli.main")  # tui.cli.main is also the function


@pytest.mark.parametrize(
    "cls",
    [
        ConfigError,
        SettingsError,
        LayoutError,
        SecretError,
        InsecureSecretFile,
        TLSError,
        JournalError,
        JournalBroken,
        JournalLocked,
        KeysError,
        PeopleError,
        TimeFlagError,
    ],
)
def test_user_errors_share_one_base(cls: type[Exception]) -> None:
    assert issubclass(cls, UserError)


def test_main_prints_one_line_and_exits_with_the_errors_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.cli import venues

    def broken(_args: object) -> int:
        raise LayoutError("desk.toml: line 3: node.main.split: expected \x1b[31mhorizontal")

    monkeypatch.setattr(venues, "run", broken)
    assert cli_main.main(["venues"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("venuewatch: desk.toml: line 3: node.main.split:")
    assert "\x1b" not in err  # sanitized before the terminal


def test_a_bug_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.cli import venues

    def bug(_args: object) -> int:
        raise KeyError("a programming error keeps its traceback")

    monkeypatch.setattr(venues, "run", bug)
    with pytest.raises(KeyError):
        cli_main.main(["venues"])
