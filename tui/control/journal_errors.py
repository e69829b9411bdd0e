"""What can go wrong with the journal (one-line errors) and whether it can record now."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tui.errors import UserError


class JournalError(UserError):
    """The journal cannot be written; the message says why and what to do."""


class JournalBroken(JournalError):
    """The chain is broken before the last line: never append to a tampered journal."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(
            f"{path}: chain broken at {reason}; refusing to append to it. "
            "Keep it as evidence and start a new journal."
        )
        self.path, self.line, self.reason = path, line, reason


class JournalLocked(JournalError):
    """Another writer holds the journal; two writers would fork the chain."""


class JournalTruncated(JournalError):
    """The journal ends before its anchor: entries were removed. Never reuse their seqs."""


class JournalUnwritable(JournalError, OSError):
    """An append could not be made durable (disk full, I/O error); nothing was recorded.

    The hook for the controller: catch it around an append and refuse the
    command (no effect) with ``reason`` (one line, meant for a console). It is an
    OSError too, so code that treats storage failures alike keeps working. The
    journal is not wedged: a later append retries, and journals the gap.
    """

    def __init__(self, path: Path, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"journal unwritable: {reason}")

    def __str__(self) -> str:
        return f"journal unwritable: {self.reason}"


@dataclass(frozen=True, slots=True)
class Health:
    """Whether the journal can record right now (part of the engine's health)."""

    ok: bool
    reason: str = ""  # one line: why the last write failed
    since: str = ""  # UTC ts of the first failure of this outage
    failed_writes: int = 0  # appends refused in this outage
