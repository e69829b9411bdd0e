"""Key bindings as data: every key has a stable id that console.toml can remap.

A responder's terminal may sit inside tmux, zellij, VS Code or wezterm, all of
which take ``ctrl+`` chords for themselves, so every action that matters in an
incident is a plain letter, and every binding can be moved::

    # $XDG_CONFIG_HOME/venuewatch/console.toml
    [keys]
    isolate-venue = "x"
    command-palette = "ctrl+k,colon"

This module holds no Textual import at module level, so settings validation
(which checks that ids exist) stays cheap and testable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from textual.binding import Binding


@dataclass(frozen=True)
class Key:
    id: str
    """Stable binding id: what console.toml [keys] remaps."""
    key: str
    """Default key(s), comma-separated, in Textual's key names."""
    action: str
    description: str
    group: str
    show: bool = False
    """Shown in the footer."""
    footer: str = ""
    """Short footer label (defaults to the description)."""


KEYS: Final[tuple[Key, ...]] = (
    # None of these is a priority binding: Textual checks App-level priority bindings even
    # inside modals, where an Input's arrows and the palette's list need those keys.
    # Panes hold no focusable widget that takes them, so on the main screen they reach
    # the app anyway.
    # -- selection: acts on names from the engine's model, never on a filtered view --
    Key("venue-up", "up", "select_venue(-1)", "Previous venue", "Select"),
    Key("venue-down", "down", "select_venue(1)", "Next venue", "Select"),
    Key(
        "instrument-prev",
        "left",
        "select_instrument(-1)",
        "Previous instrument",
        "Select",
    ),
    Key(
        "instrument-next",
        "right",
        "select_instrument(1)",
        "Next instrument",
        "Select",
    ),
    *(
        Key(
            f"venue-{n}",
            str(n),
            f"select_venue_at({n})",
            f"Venue #{n} in display order",
            "Select",
        )
        for n in range(1, 10)
    ),
    Key("next-route", "t", "next_route", "Next route (the one f fails over)", "Select"),
    # -- controls: stopping is one key, the risky direction asks first --
    Key(
        "isolate-venue",
        "i",
        "isolate",
        "Isolate the selected venue (no confirm)",
        "Act",
        show=True,
        footer="isolate",
    ),
    Key(
        "restore-venue",
        "r",
        "restore",
        "Restore the selected venue (confirm)",
        "Act",
        show=True,
        footer="restore",
    ),
    Key(
        "halt-instrument",
        "h",
        "halt",
        "Halt the selected instrument on the selected venue",
        "Act",
        show=True,
        footer="halt",
    ),
    Key(
        "resume-instrument",
        "H",
        "resume",
        "Resume the selected instrument on the selected venue",
        "Act",
        show=True,
        footer="resume",
    ),
    Key(
        "failover-route",
        "f",
        "failover",
        "Fail over the selected route",
        "Act",
        show=True,
        footer="failover",
    ),
    Key(
        "undo",
        "u",
        "undo",
        "Undo your own last command still in effect",
        "Act",
        show=True,
        footer="undo",
    ),
    Key(
        "acknowledge-alert",
        "k",
        "acknowledge",
        "Acknowledge the newest alert on the selected venue (it stays listed)",
        "Act",
    ),
    Key("add-note", "n", "note", "Add a note to the journal", "Act", show=True, footer="note"),
    Key(
        "arm-toggle",
        "a",
        "arm_toggle",
        "Arm or disarm breakers and auto-failover (confirm)",
        "Act",
        show=True,
        footer="arm",
    ),
    # -- replay: the time machine (active, and in the footer, only when the engine is one) --
    Key("replay-pause", "p", "replay('replay-pause')", "Replay: pause", "Replay", True, "pause"),
    Key("replay-resume", "P", "replay('replay-resume')", "Replay: resume", "Replay", True, "play"),
    Key(
        "replay-step",
        "greater_than_sign",
        "replay('replay-step')",
        "Replay: step to the next alert",
        "Replay",
        True,
        "next alert",
    ),
    Key(
        "replay-speed",
        "v",
        "replay('replay-speed')",
        "Replay: next speed (×1, ×10, ×100, max)",
        "Replay",
        True,
        "speed",
    ),
    Key(
        "replay-seek",
        "j",
        "replay('replay-seek')",
        "Replay: seek to a time (earlier or later)",
        "Replay",
        True,
        "seek",
    ),
    Key(
        "replay-seek-entry",
        "J",
        "replay('replay-seek-entry')",
        "Replay: seek to a journal entry",
        "Replay",
        True,
        "seek entry",
    ),
    # -- the console itself --
    Key(
        "command-palette",
        "ctrl+p,colon",
        "command_palette",
        "Command palette (every action)",
        "Console",
        show=True,
        footer="palette",
    ),
    Key(
        "help",
        "question_mark",
        "help",
        "Help: the keys in effect, and what every symbol means",
        "Console",
        show=True,
        footer="keys·symbols",
    ),
    Key(
        "quit",
        "q",
        "request_quit",
        "Quit (confirms while commands are in flight)",
        "Console",
        show=True,
        footer="quit",
    ),
    Key("layout-next", "l", "next_layout", "Next layout", "Layout"),
    Key("pane-grow", "plus,equals_sign", "pane_resize(1)", "Grow the focused pane", "Layout"),
    Key("pane-shrink", "minus", "pane_resize(-1)", "Shrink the focused pane", "Layout"),
    Key("pane-swap", "s", "pane_swap", "Swap the focused pane's panel for the next one", "Layout"),
    Key(
        "page-back",
        "left_square_bracket",
        "page(-1)",
        "Page the focused pane back (hidden columns, else rows)",
        "Layout",
    ),
    Key(
        "page-on",
        "right_square_bracket",
        "page(1)",
        "Page the focused pane on (hidden columns, else rows)",
        "Layout",
    ),
    Key("layout-write", "w", "layout_write", "Write the layout to a user file", "Layout"),
)

BY_ID: Final = {k.id: k for k in KEYS}
IDS: Final = tuple(BY_ID)


def effective(overrides: dict[str, str]) -> dict[str, str]:
    """Binding id -> key(s) after the user's remapping."""
    return {k.id: overrides.get(k.id, k.key) for k in KEYS}


def clashes(overrides: dict[str, str]) -> list[str]:
    """Keys bound to more than one id after remapping, as readable sentences."""
    seen: dict[str, str] = {}
    out = []
    for bid, keys in effective(overrides).items():
        for key in (k.strip() for k in keys.split(",")):
            normal = _ALIASES.get(key, key)
            if normal in seen:
                out.append(f"key {key!r} is bound to both {seen[normal]} and {bid}")
            else:
                seen[normal] = bid
    return out


_ALIASES: Final = {
    "?": "question_mark",
    ":": "colon",
    "+": "plus",
    "-": "minus",
    "=": "equals_sign",
    "[": "left_square_bracket",
    ">": "greater_than_sign",
    "]": "right_square_bracket",
    " ": "space",
}


def bindings() -> list[Binding]:
    """The Textual bindings (ids carried, so ``App.set_keymap`` can move them)."""
    from textual.binding import Binding

    return [
        Binding(
            k.key,
            k.action,
            k.footer or k.description,
            show=k.show,
            id=k.id,
            tooltip=k.description,
        )
        for k in KEYS
    ]
