"""The message line: a key's answer (a command's outcome, "no venue selected") in a
fixed row above the footer.

Not a toast: a toast is a widget mounted when it appears and removed when it
goes, and each of those asks for a layout pass of the whole screen (tens of ms
on a busy console, more under load), right when the person is waiting to press
the next key. This line is mounted once, one row high and the full width, so a
new message repaints this row alone. It keeps the latest message (stamped with
the time it came, so an old one is not read as new) until the next; the app
keeps every one in ``notices``. Long-lived warnings (the engine changing, a
broken layout) still come as toasts: they are rare and not the answer to a key.
"""

from __future__ import annotations

import time
from typing import Final

from textual.content import Content
from textual.notifications import SeverityLevel
from textual.widgets import Static

STYLE: Final[dict[str, str]] = {
    "information": "",
    "warning": "bold $text-warning",
    "error": "bold $text-error",
}
MARK: Final[dict[str, str]] = {"information": "", "warning": "! ", "error": "✗ "}


def text(severity: SeverityLevel, message: str, at: float) -> Content:
    """One line: the time, a mark for a warning or an error, the message's lines
    joined with `` · `` (the full text is in the app's ``notices``)."""
    clock = time.strftime("%H:%M:%S", time.gmtime(at))
    one = " · ".join(part.strip() for part in message.splitlines() if part.strip())
    return Content.assemble(
        (f"{clock} ", "dim"), (f"{MARK.get(severity, '')}{one}", STYLE.get(severity, ""))
    )


class MessageLine(Static):
    """Always mounted, one row: the latest answer to a key."""

    DEFAULT_CSS = """
    MessageLine {
        height: 1;
        width: 1fr;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        background: $panel;
    }
    """

    def __init__(self) -> None:
        super().__init__("", id="message", markup=False)
        self.shown: tuple[SeverityLevel, str] | None = None
        self.writes = 0

    def say(self, severity: SeverityLevel, message: str, at: float | None = None) -> None:
        self.shown = (severity, message)
        self.writes += 1
        # One row of fixed size whatever it says: a repaint of this row, no layout pass.
        self.update(text(severity, message, time.time() if at is None else at), layout=False)
