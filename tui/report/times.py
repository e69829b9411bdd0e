"""Times in reports: journal timestamps, ISO 8601 flags and durations.

``--since``/``--until`` accept ISO 8601 at any precision a person types
(``2026-11-28``, ``2026-11-28T07:00Z``, ``…T07:00:00.123+01:00``). An
``--until`` covers the whole unit it names: ``--until 07:00`` keeps 07:00:59.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tui.errors import UserError

_JOURNAL_TS = "%Y-%m-%dT%H:%M:%S.%fZ"
_TIME_PART = re.compile(r"[T ](\d\d)(:\d\d)?(:\d\d)?(\.\d+)?")


class TimeFlagError(UserError, ValueError):
    """A time flag a person typed that is not ISO 8601; the message names the flag."""


def journal_ns(ts: str) -> int:
    """A journal ``ts`` (UTC, microseconds) as ns since the epoch."""
    dt = datetime.strptime(ts, _JOURNAL_TS).replace(tzinfo=UTC)
    return int(dt.timestamp()) * 1_000_000_000 + dt.microsecond * 1000


def iso(ns: int, digits: int = 6) -> str:
    """ns since the epoch as UTC ISO 8601 (``…T07:01:48.883000Z``)."""
    dt = datetime.fromtimestamp(ns // 1_000_000_000, UTC)
    frac = f"{ns % 1_000_000_000:09d}"[:digits]
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if digits else "") + "Z"


def parse_flag(flag: str, text: str, end_of_unit: bool = False) -> int:
    """An ISO 8601 time typed for ``flag`` as ns since the epoch (naive = UTC)."""
    raw = text.strip()
    value = raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise TimeFlagError(
            f"{flag}: {text!r} is not an ISO 8601 time (e.g. 2026-11-28T07:00:00Z)"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    ns = int(dt.timestamp()) * 1_000_000_000 + dt.microsecond * 1000
    if end_of_unit:
        ns += _unit_ns(value) - 1
    return ns


def _unit_ns(value: str) -> int:
    """The span of the smallest unit written: a day, an hour, a minute, a second or less."""
    m = _TIME_PART.search(value)
    if m is None:
        return int(timedelta(days=1).total_seconds()) * 1_000_000_000
    _hours, minutes, seconds, frac = m.groups()
    if frac:
        return int(10 ** max(0, 9 - (len(frac) - 1)))
    if seconds:
        return 1_000_000_000
    if minutes:
        return 60_000_000_000
    return 3_600_000_000_000


def duration(seconds: float | None) -> str:
    """A duration for people: ``850 ms``, ``12.3 s``, ``4 min 05 s``, ``2 h 03 min``."""
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"
