"""Every error that is the user's to fix shares one base, and the CLI catches it once."""

from __future__ import annotations

import importlib

import pytest

from tui.app.engine_launch import EngineStartError
from tui.app.layout_file import LayoutError
from tui.app.settings import SettingsError
from tui.bus.jetstream import BusError
from tui.config import ConfigError
from tui.console.client import AttachError
from tui.console.credentials import TokenError
from tui.console.people import PeopleError
from tui.console.tls import TLSError
from tui.control.journal import JournalBroken, JournalError, JournalLocked
from tui.control.venue_keys import KeysError
from tui.errors import UserError
from tui.report import EvidenceError, NotAJournal
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
        TokenError,
        AttachError,
        NotAJournal,
        EvidenceError,
        EngineStartError,
        BusError,
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


def test_no_subcommand_catches_a_user_error_only_to_print_it() -> None:
    """main prints every UserError once; a subcommand may catch one only to clean up
    and re-raise it (a bare ``raise`` in the handler)."""
    import ast
    from pathlib import Path

    def subclasses(cls: type[Exception]) -> set[str]:
        out = {cls.__name__}
        for sub in cls.__subclasses__():
            out |= subclasses(sub)
        return out

    names = subclasses(UserError) | {"CaptureError", "AdapterError", "ImportFailed"}
    # Catches that do more than print: each says why.
    allowed = {
        ("attach.py", "ConfigError"),  # a broken config falls back to the default token name
        ("ctl.py", "AttachError"),  # after sending: adds "the outcome is unknown"
        ("keys.py", "VenueError"),  # the venue's answer to `keys test`, reported as a result
        ("replay.py", "CaptureError"),  # a torn capture ends the replay's JSON report
        ("serve.py", "JournalError"),  # stops the simulators; "cannot start the engine"
        ("serve_bus.py", "JournalError"),  # stops the bus source; "cannot start the engine"
        ("venues.py", "AdapterError"),  # one line per adapter in the listing
    }
    assert {"ConfigError", "BusError", "TokenError", "AttachError"} <= names
    assert cli_main.__file__ is not None
    cli = Path(cli_main.__file__).parent
    offenders = []
    for path in sorted(cli.glob("*.py")):
        if path.name == "main.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ExceptHandler) or node.type is None:
                continue
            caught = {
                n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "")
                for n in ast.walk(node.type)
            }
            reraises = any(isinstance(n, ast.Raise) and n.exc is None for n in ast.walk(node))
            bad = {n for n in caught & names if (path.name, n) not in allowed}
            if bad and not reraises:
                offenders.append(f"{path.name}:{node.lineno} catches {sorted(bad)}")
    assert offenders == []
