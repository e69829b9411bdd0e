"""Console settings: ``$XDG_CONFIG_HOME/venuewatch/console.toml``.

Typed and strict like the engine's configuration: an unknown key is an error
that names it, so a typo never silently leaves a key where tmux will steal it.
Command-line options (``--theme``, ``--layout``, ``--fps``, ``--user``) win
over the file. Each field's docstring is its user documentation::

    theme = "venuewatch-colorblind"
    layout = "incident"
    fps = 4.0
    compact_below = 100

    [keys]
    isolate-venue = "x"
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Final

import msgspec

from tui.app import keys
from tui.app.layout_file import syntax_where
from tui.errors import UserError
from tui.paths import config_dir

MAX_FPS: Final = 60.0


class Settings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    theme: str = "venuewatch-dark"
    """Colour theme: venuewatch-dark, venuewatch-light, venuewatch-colorblind (blue/orange),
    or any Textual theme. States are always spelled out in words, whatever the colours."""
    layout: str = ""
    """Layout name or .toml file to start with. Empty: ``default``, or ``compact`` when the
    terminal is narrower than ``compact_below`` columns."""
    compact_below: int = 100
    """Below this many columns the compact layout is picked automatically (unless a layout
    was chosen explicitly)."""
    fps: float = 10.0
    """Screen refreshes per second. Lower it over a slow SSH link (e.g. 2)."""
    user: str = ""
    """Who you are in the journal (``console:<user>``); default: your login name."""
    venue_order: list[str] = []
    """Venues in the order digits 1–9 select them (shown beside each row); venues not
    listed follow in the engine's configured order. Rows may re-sort; digits never do."""
    keys: dict[str, str] = {}
    """Binding id -> key(s), comma-separated: ``isolate-venue = "x"``. Ids are listed by
    ``?`` in the console."""


class SettingsError(UserError, ValueError):
    """console.toml cannot be used; the message names the file, the place and the fix."""


def settings_path() -> Path:
    return config_dir() / "console.toml"


def load(path: Path | None = None) -> Settings:
    """The user's settings, or the defaults when there is no file."""
    p = path or settings_path()
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise SettingsError(f"{p}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{p}: not UTF-8 text: {exc}") from None
    return parse(text, str(p))


def parse(text: str, source: str) -> Settings:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{source}: {syntax_where(exc, text)}TOML syntax: {exc}") from None
    table = data.get("keys")
    if isinstance(table, dict):
        for bid, value in table.items():
            if not isinstance(value, str):
                raise SettingsError(
                    f'{source}: keys.{bid}: expected key names as a string like "x", '
                    f"got {type(value).__name__} {value!r}"
                )
    try:
        settings = msgspec.convert(data, Settings)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"{source}: {_readable(str(exc))}") from None
    problems = check(settings)
    if problems:
        raise SettingsError(f"{source}: " + "; ".join(problems))
    return settings


def check(s: Settings) -> list[str]:
    problems = []
    if not 0 < s.fps <= MAX_FPS:
        problems.append(f"fps: expected a number above 0 and at most {MAX_FPS:g}, got {s.fps:g}")
    if s.compact_below < 0:
        problems.append(f"compact_below: expected a number of columns, got {s.compact_below}")
    for bid, value in s.keys.items():
        if bid not in keys.BY_ID:
            problems.append(f"keys.{bid}: unknown binding id (known: {', '.join(keys.IDS)})")
        elif not value.strip() or any(not k.strip() for k in value.split(",")):
            problems.append(f'keys.{bid}: expected key names like "x" or "ctrl+k,colon"')
    problems.extend(f"keys: {c}" for c in keys.clashes(s.keys))
    return problems


def _readable(msg: str) -> str:
    """msgspec's "... - at `$.keys.x`" as "keys.x: ..." (the field path first)."""
    unknown = re.match(r"Object contains unknown field `(.*)`", msg)
    if unknown:
        fields = ", ".join(Settings.__struct_fields__)
        return f"{unknown.group(1)}: unknown setting (known: {fields})"
    m = re.match(r"(.*) - at `\$\.?(.*)`\Z", msg)
    if m:
        path = re.sub(r"\[(\d+)\]", r".\1", m.group(2))
        problem = m.group(1)
        return f"{path}: {problem}" if path else problem
    return msg
