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

from pathlib import Path
from typing import Final

import msgspec

from tui import tomlfile
from tui.app import keys
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
        text = tomlfile.read_text(p, SettingsError)
    except FileNotFoundError:
        return Settings()
    return parse(text, str(p))


def parse(text: str, source: str) -> Settings:
    data = tomlfile.loads(text, source, SettingsError)
    table = data.get("keys")
    if isinstance(table, dict):
        for bid, value in table.items():
            if not isinstance(value, str):
                raise tomlfile.located(
                    SettingsError,
                    source,
                    text,
                    ("keys", bid),
                    f'expected key names as a string like "x", '
                    f"got {type(value).__name__} {value!r}",
                )
    settings = tomlfile.convert(data, Settings, source, text, SettingsError)
    problems = check(settings)
    if problems:
        raise SettingsError(f"{source}: " + "; ".join(tomlfile.placed(text, p) for p in problems))
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
