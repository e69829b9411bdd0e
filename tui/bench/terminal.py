"""The console's terminal as a responder sees it: its pty output through an emulator.

The responsiveness bench times a key until the *venue's row* in the venues panel
shows the new state. :mod:`pyte` (a VT100/xterm emulator) replays every byte the
console writes into a grid of cells, so the bench reads the one cell range where
that row's state is drawn — not the state's word anywhere in the output, which
could come from the journal pane, a toast or half a redraw.

The time of a match is when the bytes that completed it arrived from the pty
(taken before they are emulated), so the emulator's own cost is not counted.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Final

import pyte

from tui.app.panels.venues import COLUMNS

HEADER: Final = "# venue"
"""The venues panel's first column heading (``tui.app.panels.venues``)."""
STATE_COL: Final = next(c for c in COLUMNS if c.key == "state")
"""Its state column: the cell holds a glyph and the state's word (``■ ISOLATED``)."""


def venue_state(lines: list[str], venue: str) -> str | None:
    """The state word in ``venue``'s row of the venues panel drawn in ``lines``
    (None: no venues panel on screen, or no row for that venue)."""
    for y, line in enumerate(lines):
        x = line.find(HEADER)
        sx = line.find(STATE_COL.head, x + len(HEADER)) if x > 0 else -1
        if sx < 0:
            continue
        for row in lines[y + 1 :]:
            if row[x - 1] not in "│┃":
                break  # past the panel's bottom border
            # "1▶binance": the selection digit and marker, then the name.
            names = row[x + 2 : sx].split()
            if names and names[0] == venue:
                words = row[sx : sx + STATE_COL.width].split()
                return words[-1] if words else ""
    return None


class Terminal:
    """A pty's output, emulated, with one pending expectation timed on arrival."""

    def __init__(self, fd: int, cols: int, rows: int) -> None:
        self.fd = fd
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.lock = threading.Lock()
        self.bytes = 0
        self._want: tuple[str, str] | None = None
        self.hit = 0.0
        """When the expected state was first drawn (monotonic s; 0: not yet)."""
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            arrived = time.monotonic()
            with self.lock:
                self.bytes += len(chunk)
                self.stream.feed(chunk)
                want = self._want
                if want is not None and venue_state(self.screen.display, want[0]) == want[1]:
                    self.hit, self._want = arrived, None

    def expect(self, venue: str, state: str) -> None:
        """Time the next output that shows ``state`` in ``venue``'s row (see :attr:`hit`)."""
        with self.lock:
            self.hit = 0.0
            self._want = (venue, state)

    def state(self, venue: str) -> str | None:
        with self.lock:
            return venue_state(self.screen.display, venue)

    def shows(self, text: str) -> bool:
        """Whether ``text`` is on screen now (anywhere)."""
        with self.lock:
            return any(text in line for line in self.screen.display)
