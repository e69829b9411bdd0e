"""The responsiveness bench reads the state where the venues panel draws it.

A word elsewhere on screen (the timeline, a toast) or half a redraw of the row
must not count as the screen showing the new state.
"""

from __future__ import annotations

import pyte

from tui.bench.terminal import venue_state

PANEL = [
    "╭─ » Venues ──────────────────────────────────────────────╮╭─ Timeline ─────────────────╮",
    "│# venue           state         alerts silent  msg/s note ││ #3 bench isolate binance   │",
    "│1▶binance         ● LIVE             —   0.0s   28.6      ││ ISOLATED binance: done     │",
    "│2 kraken          ■ ISOLATED         —   0.0s   29.4      ││                            │",
    "╰──────────────────────────────────────────────────────────╯╰────────────────────────────╯",
    "│9 binance         ■ ISOLATED  (another panel's rows are not the venues panel's)        │",
]


def test_the_row_state_is_read_from_the_state_cell_of_that_venue() -> None:
    assert venue_state(PANEL, "binance") == "LIVE"  # ISOLATED elsewhere does not count
    assert venue_state(PANEL, "kraken") == "ISOLATED"
    assert venue_state(PANEL, "okx") is None
    assert venue_state(PANEL[2:], "binance") is None  # no venues panel on screen


def test_half_a_redraw_is_not_the_new_state() -> None:
    screen = pyte.Screen(100, 8)
    stream = pyte.ByteStream(screen)
    stream.feed("\r\n".join(PANEL[:4]).encode())
    assert venue_state(screen.display, "binance") == "LIVE"
    stream.feed(b"\x1b[3;20H\xe2\x96\xa0 ISOLA")  # the row rewritten in place, cut mid-word
    assert venue_state(screen.display, "binance") == "ISOLA"
    stream.feed(b"TED")
    assert venue_state(screen.display, "binance") == "ISOLATED"
