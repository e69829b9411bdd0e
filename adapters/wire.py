"""Small helpers shared by venue parsers: failures and timestamps."""

from __future__ import annotations

import calendar
import time

import msgspec

from adapters.model import ParseError, excerpt


def decode_failure(
    venue: str,
    conn: str,
    recv_ns: int,
    recv_mono: int,
    frame: bytes | str,
    exc: Exception,
    symbol: str = "",
) -> ParseError:
    """A parse-error event naming what was wrong and where."""
    if isinstance(exc, msgspec.ValidationError):
        reason = f"unexpected message shape: {exc}"
    elif isinstance(exc, msgspec.DecodeError):
        reason = f"malformed JSON: {exc}"
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return ParseError(venue, conn, recv_ns, recv_mono, reason, excerpt(frame), symbol)


class IsoClock:
    """Parses ``2023-10-06T17:35:55.440295Z`` (any fraction length) to epoch ns.

    Venues stamp many frames within the same second, so the whole-second part
    is cached: the common case is one slice, one dict lookup and one int().
    """

    __slots__ = ("_head", "_secs")

    def __init__(self) -> None:
        self._head = ""
        self._secs = 0

    def ns(self, text: str) -> int:
        """Epoch nanoseconds, or 0 if the text is not an ISO UTC timestamp."""
        if len(text) < 20:
            return 0
        head = text[:19]
        if head != self._head:
            try:
                t = time.strptime(head, "%Y-%m-%dT%H:%M:%S")
            except ValueError:
                return 0
            self._head = head
            self._secs = calendar.timegm(t)
        if len(text) == 27 and text[19] == "." and text[26] == "Z":
            # The common shape (microseconds, UTC): no string surgery needed.
            return self._secs * 1_000_000_000 + int(text[20:26]) * 1000
        frac = text[20:].rstrip("Z") if text[19] == "." else ""
        if frac and not frac.isdigit():
            # An offset such as +00:00 after the fraction.
            frac = frac.split("+")[0].split("-")[0]
            if not frac.isdigit():
                return self._secs * 1_000_000_000
        digits = (frac + "000000000")[:9] if frac else "0"
        return self._secs * 1_000_000_000 + int(digits)
