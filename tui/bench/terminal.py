"""The console's terminal as a responder sees it: its pty output through an emulator.

The responsiveness bench times a key until the *venue's row* in the venues panel
shows the new state. :mod:`pyte` (a VT100/xterm emulator) replays every byte the
console writes into a grid of cells, so the bench reads the one cell range where
that row's state is drawn — not the state's word anywhere in the output, which
could come from the journal pane, a toast or half a redraw.

The time of a match is when the bytes that completed it arrived from the pty:
one thread only reads and stamps, another emulates (pyte takes ~2 µs a byte, so a
large repaint would otherwise hold back the stamp of the chunk behind it).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from typing import Final

import pyte

from tui.app.panels.venues import COLUMNS

HEADER: Final = "# venue"
"""The venues panel's first column heading (``tui.app.panels.venues``)."""
STATE_COL: Final = next(c for c in COLUMNS if c.key == "state")
"""Its state column: the cell holds a glyph and the state's word (``■ ISOLATED``)."""


def locate(lines: list[str], venue: str) -> tuple[int, int, int] | None:
    """Where ``venue``'s row of the venues panel is drawn in ``lines``: (row, column
    of its name, column of its state cell); None if no venues panel shows it."""
    for y, line in enumerate(lines):
        x = line.find(HEADER)
        sx = line.find(STATE_COL.head, x + len(HEADER)) if x > 0 else -1
        if sx < 0:
            continue
        for row_y in range(y + 1, len(lines)):
            row = lines[row_y]
            if row[x - 1] not in "│┃":
                break  # past the panel's bottom border
            # "1▶binance": the selection digit and marker, then the name.
            names = row[x + 2 : sx].split()
            if names and names[0] == venue:
                return row_y, x + 2, sx
    return None


def venue_state(lines: list[str], venue: str) -> str | None:
    """The state word in ``venue``'s row of the venues panel drawn in ``lines``
    (None: no venues panel on screen, or no row for that venue)."""
    at = locate(lines, venue)
    if at is None:
        return None
    y, _, sx = at
    return _word(lines[y][sx : sx + STATE_COL.width])


def _word(cell: str) -> str:
    words = cell.split()
    return words[-1] if words else ""


class Terminal:
    """A pty's output, emulated, with one pending expectation timed on arrival."""

    def __init__(self, fd: int, cols: int, rows: int) -> None:
        self.fd = fd
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.lock = threading.Lock()
        self.bytes = 0
        self._want: tuple[str, str] | None = None
        self._at: tuple[int, int, int] | None = None  # the venue's row: see locate()
        self._lines = [" " * cols] * rows
        self.hit = 0.0
        """When the expected state was first drawn (monotonic s; 0: not yet)."""
        self._chunks: queue.SimpleQueue[tuple[float, bytes]] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._emulate, daemon=True)
        self.thread.start()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                chunk = b""
            self._chunks.put((time.monotonic(), chunk))
            if not chunk:
                return

    def _emulate(self) -> None:
        while True:
            arrived, chunk = self._chunks.get()
            if not chunk:
                return
            with self.lock:
                self.bytes += len(chunk)
                self.stream.feed(chunk)
                want = self._want
                if want is not None and self._state(want[0]) == want[1]:
                    self.hit, self._want = arrived, None

    def _state(self, venue: str) -> str | None:
        # Rendering the whole screen as text (``display``) takes milliseconds in pyte:
        # too slow after every chunk. The row found last time is read cell by cell
        # while it still names the venue; the screen is searched only when it moved.
        at = self._at
        if at is None or self._cells(at[0], at[1], len(venue) + 1) != venue + " ":
            at = self._at = locate(self._text(), venue)
            if at is None:
                return None
        return _word(self._cells(at[0], at[2], STATE_COL.width))

    def _text(self) -> list[str]:
        """The screen as lines of text, re-read only where pyte marked lines dirty
        (its ``display`` renders every line, milliseconds each call)."""
        screen = self.screen
        for y in screen.dirty:
            self._lines[y] = self._cells(y, 0, screen.columns)
        screen.dirty.clear()
        return self._lines

    def _cells(self, y: int, x: int, n: int) -> str:
        line = self.screen.buffer[y]
        return "".join(line[i].data for i in range(x, x + n))

    def expect(self, venue: str, state: str) -> None:
        """Time the next output that shows ``state`` in ``venue``'s row (see :attr:`hit`)."""
        with self.lock:
            self.hit = 0.0
            self._want = (venue, state)

    def state(self, venue: str) -> str | None:
        with self.lock:
            return self._state(venue)

    def shows(self, text: str) -> bool:
        """Whether ``text`` is on screen now (anywhere)."""
        with self.lock:
            return any(text in line for line in self._text())
