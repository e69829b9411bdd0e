"""The message line: a key's answer (a command's outcome, "no venue selected") in a
fixed row above the footer, and the console's questions ("Restore kraken?").

Not a toast: a toast is a widget mounted when it appears and removed when it
goes, and each of those asks for a layout pass of the whole screen (tens of ms
on a busy console, more under load), right when the person is waiting to press
the next key. This line is mounted once, one row high and the full width, so a
new message repaints this row alone. It keeps the latest message (stamped with
the time it came, so an old one is not read as new) until the next; the app
keeps every one in ``notices``. Long-lived warnings (the engine changing, a
broken layout) still come as toasts: they are rare and not the answer to a key.

A question (a confirm: :mod:`tui.app.asking`) is asked here too, not in a modal
dialog: opening a see-through modal restyled and repainted the whole screen below
(~330 ms of the loop under load) and closing it laid that screen out again, while
an opaque one hid the console. The line sits on its own layer above the panes, so
while it asks it grows upward over their bottom rows (question and keys on the
first row, the detail below) without resizing any pane.
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


def one_line(message: str) -> str:
    """A message's lines joined with `` · ``."""
    return " · ".join(part.strip() for part in message.splitlines() if part.strip())


def text(severity: SeverityLevel, message: str, at: float) -> Content:
    """One line: the time, a mark for a warning or an error, the message's lines
    joined with `` · `` (the full text is in the app's ``notices``)."""
    clock = time.strftime("%H:%M:%S", time.gmtime(at))
    return Content.assemble(
        (f"{clock} ", "dim"),
        (f"{MARK.get(severity, '')}{one_line(message)}", STYLE.get(severity, "")),
    )


def question_text(
    question: str, detail: str, yes: str, expires_s: float, note: str = ""
) -> Content:
    """The question and its keys on the first row (they must show whatever the width),
    the detail from the second; ``y`` and cancel are clickable too."""
    parts: list[Content | str | tuple[str, str]] = [
        ("? ", "bold"),
        (one_line(question), "bold"),
        "  ",
        (f" y: {yes} ", "bold reverse @click=app.answer_question(True)"),
        " · ",
        (" n/esc: cancel ", "bold reverse @click=app.answer_question(False)"),
    ]
    if note:
        parts.append((f" · {one_line(note)}", "italic"))
    parts.append(("\n" + one_line(f"{detail} (expires in {expires_s:g} s)"), ""))
    return Content.assemble(*parts)


class MessageLine(Static):
    """Always mounted, one row: the latest answer to a key, or a question."""

    DEFAULT_CSS = """
    MessageLine {
        height: 1;
        width: 1fr;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        background: $panel;
    }
    MessageLine.-asking {
        height: auto;
        max-height: 4;
        text-wrap: wrap;
        background: $warning;
        color: $text;
    }
    """

    def __init__(self) -> None:
        super().__init__("", id="message", markup=False)
        self.shown: tuple[SeverityLevel, str] | None = None
        self.asking: Content | None = None
        self.writes = 0

    @property
    def plain(self) -> str:
        """What the line shows, as text (tests)."""
        shown = self.content
        return shown.plain if isinstance(shown, Content) else str(shown)

    def say(self, severity: SeverityLevel, message: str, at: float | None = None) -> None:
        self.shown = (severity, message)
        self.writes += 1
        shown = text(severity, message, time.time() if at is None else at)
        if self.asking is not None:
            # A question is up: it keeps the line; the message is in ``notices`` and
            # shows once the question is answered (the app says so then).
            return
        # One row of fixed size whatever it says: a repaint of this row, no layout pass.
        self.update(shown, layout=False)

    def ask(self, content: Content) -> None:
        """Show a question until :meth:`done`: one layout pass (the line grows over
        the panes' bottom rows; no pane changes size)."""
        self.writes += 1
        self.asking = content
        self.set_class(True, "-asking")
        self.update(content)

    def done(self, severity: SeverityLevel, message: str) -> None:
        """The question is over: back to one row, saying how it ended."""
        self.asking = None
        self.set_class(False, "-asking")
        self.shown = (severity, message)
        self.writes += 1
        self.update(text(severity, message, time.time()))
