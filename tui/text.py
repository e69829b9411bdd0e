"""Text from outside (consoles, venues) made safe for a terminal, a report or a log.

A note typed by one operator, a venue's error reason or a symbol in a frame
can hold escape sequences (ESC/CSI/OSC: clear the screen, retitle the window,
hyperlinks, colours) or Unicode bidi overrides that make a line read
differently from what it says. Rich (under Textual) strips only a few control
codes and lets ESC through, and a log or a Markdown report keeps them all.

Nothing is dropped: every such character is shown *escaped* (``\\x1b``,
``\\u202e``), so the evidence stays visible and the terminal stays ours. The
journal itself keeps the exact text (as JSON escapes); sanitizing happens at
every exit towards a person. Hand-written because no maintained library does
"escape, don't strip" for both C0/C1 controls and bidi formatting characters.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Final

# C0 controls (tab and newline too: every field is shown on one line), DEL, C1
# controls (0x9b is a one-byte CSI), and the Unicode bidi embeddings, overrides,
# isolates and marks, plus the line/paragraph separators.
_UNSAFE: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escape(m: re.Match[str]) -> str:
    c = m.group()
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def clean(text: object, limit: int | None = None) -> str:
    """One safe line: unsafe characters escaped; cut to ``limit`` characters with a mark."""
    s = text if isinstance(text, str) else str(text)
    if limit is not None and len(s) > limit:
        s = f"{s[:limit]}… (+{len(s) - limit} chars)"
    return _UNSAFE.sub(_escape, s)


def is_clean(text: str) -> bool:
    return _UNSAFE.search(text) is None


def clean_obj(obj: Any) -> Any:
    """Every string in a JSON-like value (dict keys too) made safe; other values as they are."""
    if isinstance(obj, str):
        return clean(obj) if _UNSAFE.search(obj) else obj
    if isinstance(obj, dict):
        return {clean_obj(k): clean_obj(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean_obj(v) for v in obj]
    return obj


class SafeFormatter(logging.Formatter):
    """A log formatter that escapes control characters in every line it writes.

    Lines of a traceback stay lines: each is cleaned on its own.
    """

    def format(self, record: logging.LogRecord) -> str:
        return "\n".join(clean(line) for line in super().format(record).split("\n"))
