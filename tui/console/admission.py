"""Admission of console input: command sizes checked before journalling, wrong
tokens throttled per peer and logged in aggregate."""

from __future__ import annotations

import logging
from typing import Final

from tui.console import protocol as p
from tui.control import commands
from tui.text import clean

log = logging.getLogger("venuewatch.console")

AUTH_WINDOW_S: Final = 60.0
AUTH_FAILURES_ALLOWED: Final = 5
"""Wrong tokens a peer may send per window before it is refused without a check."""
MAX_ID: Final = 64
MAX_ACTION: Final = 32
MAX_ARGS: Final = 16
MAX_ARG: Final = 256
MAX_TEXT: Final = commands.MAX_TEXT
"""Longest note text / reason (characters), the controller's own limit: longer is refused
here, before anything is journalled."""


def oversized(frame: p.CommandRequest) -> str | None:
    """Why a command's fields are too large to journal, or None. Checked before journalling."""
    if len(frame.id) > MAX_ID:
        return f"id longer than {MAX_ID} characters"
    if len(frame.action) > MAX_ACTION:
        return f"action longer than {MAX_ACTION} characters"
    if len(frame.args) > MAX_ARGS:
        return f"more than {MAX_ARGS} arguments"
    if len(frame.reason) > MAX_TEXT:
        return f"reason is {len(frame.reason)} characters (limit {MAX_TEXT})"
    for k, v in frame.args.items():
        limit = MAX_TEXT if k == "text" else MAX_ARG
        if len(k) > MAX_ARG or len(v) > limit:
            return f"argument {clean(k, limit=32)!r} is {len(v)} characters (limit {limit})"
    return None


class AuthThrottle:
    """Wrong tokens per peer: throttled after a few, logged once per window per peer."""

    def __init__(self) -> None:
        self._peers: dict[str, list[float]] = {}  # peer -> [window start, failures, logged]

    def blocked(self, peer: str, now: float) -> float:
        """Seconds this peer must wait before its next attempt is even checked (0 = go)."""
        rec = self._peers.get(peer)
        if rec is None or now - rec[0] >= AUTH_WINDOW_S:
            return 0.0
        return AUTH_WINDOW_S - (now - rec[0]) if rec[1] >= AUTH_FAILURES_ALLOWED else 0.0

    def failed(self, peer: str, now: float) -> None:
        rec = self._peers.get(peer)
        if rec is None or now - rec[0] >= AUTH_WINDOW_S:
            self._summarise(peer, rec)
            rec = self._peers[peer] = [now, 0, 0]
        rec[1] += 1
        if rec[1] == 1:
            log.warning("console refused: wrong token from %s", peer)
            rec[2] = 1

    def flush(self, now: float) -> None:
        """Log the aggregate of every window that has ended (called by the publisher)."""
        for peer in [k for k, r in self._peers.items() if now - r[0] >= AUTH_WINDOW_S]:
            self._summarise(peer, self._peers.pop(peer))

    @staticmethod
    def _summarise(peer: str, rec: list[float] | None) -> None:
        if rec is not None and rec[1] > rec[2]:
            log.warning(
                "console refused: %d wrong-token attempts from %s in %gs",
                int(rec[1]),
                peer,
                AUTH_WINDOW_S,
            )
