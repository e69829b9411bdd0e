"""Key bindings, read from the action registry: every key has a stable id that
console.toml can remap.

A responder's terminal may sit inside tmux, zellij, VS Code or wezterm, all of
which take ``ctrl+`` chords for themselves, so every action that matters in an
incident is a plain letter, and every binding can be moved::

    # $XDG_CONFIG_HOME/venuewatch/console.toml
    [keys]
    isolate-venue = "x"
    command-palette = "ctrl+k,colon"

The keys themselves are declared in :mod:`tui.app.actions`. This module holds no
Textual import at module level, so settings validation (which checks that ids
exist) stays cheap and testable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from tui.app.actions import ACTIONS, Action

if TYPE_CHECKING:
    from textual.binding import Binding

KEYS: Final[tuple[Action, ...]] = tuple(a for a in ACTIONS if a.key)
"""The actions that have a key (the others are palette-only)."""
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
            k.footer or k.title,
            show=k.show,
            id=k.id,
            tooltip=k.title,
        )
        for k in KEYS
    ]
