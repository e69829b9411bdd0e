"""The console's themes, registered with Textual's theme system.

Colour only ever *repeats* what the words say: every state is spelled out
(``ISOLATED``, ``LIVE``, ``LOST``), so a light terminal, a colour-blind
responder or ``NO_COLOR`` loses nothing. Textual 8 honours ``NO_COLOR`` by
adding a monochrome filter to its output (``App.no_color``, CSS pseudo-class
``:nocolor``): colours become greys of their luminance, bold and reverse
remain, and the words carry the state (the alarm backgrounds of the status bar
stay visible as grey blocks).

The colour-blind-safe theme uses the Okabe-Ito palette: blue for healthy,
yellow for warning, orange for error — pairs that stay distinct under
protanopia, deuteranopia and tritanopia — and never red against green.
"""

from __future__ import annotations

from typing import Final

from textual.theme import Theme

DARK: Final = "venuewatch-dark"
LIGHT: Final = "venuewatch-light"
COLORBLIND: Final = "venuewatch-colorblind"

THEMES: Final = (
    Theme(
        name=DARK,
        primary="#5AA9E6",
        secondary="#3B6E99",
        accent="#E6B450",
        foreground="#D8DEE9",
        background="#0E1318",
        surface="#151B22",
        panel="#1E2630",
        success="#5FB36B",
        warning="#E6A23C",
        error="#F0524A",
        dark=True,
    ),
    Theme(
        name=LIGHT,
        primary="#0A5FB4",
        secondary="#4A6A8A",
        accent="#8A5A00",
        foreground="#1F2328",
        background="#F7F7F5",
        surface="#FFFFFF",
        panel="#E6E9EC",
        success="#1A7F37",
        warning="#9A6700",
        error="#C4212C",
        dark=False,
    ),
    Theme(
        name=COLORBLIND,
        primary="#56B4E9",
        secondary="#0072B2",
        accent="#CC79A7",  # focus and selection: reddish purple, apart from the state colours
        foreground="#E8E8E8",
        background="#101418",
        surface="#171C21",
        panel="#222A31",
        success="#56B4E9",
        warning="#F0E442",
        error="#E69F00",
        dark=True,
    ),
)

NAMES: Final = tuple(t.name for t in THEMES)
ALIASES: Final = {
    "dark": DARK,
    "light": LIGHT,
    "colorblind": COLORBLIND,
    "colourblind": COLORBLIND,
    "cb": COLORBLIND,
}


def resolve(name: str) -> str:
    """A theme name with the short aliases (``--theme light``) expanded."""
    return ALIASES.get(name, name)
