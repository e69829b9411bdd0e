"""What responders have decided, as data: the facts the controls change.

The engine reads these facts (an isolated venue leaves the consensus at once;
its alerts are inhibited) and the controls change them through journalled
commands. Keeping the facts here, free of any control logic, lets data flow
one way: the engine never imports the controls.
"""

from __future__ import annotations

from typing import Final

import msgspec

LIVE: Final = "LIVE"
DEGRADED: Final = "DEGRADED"
ISOLATED: Final = "ISOLATED"
RECOVERING: Final = "RECOVERING"
VENUE_STATES: Final = (LIVE, DEGRADED, ISOLATED, RECOVERING)


class Trip(msgspec.Struct, kw_only=True):
    """A breaker's trip on one venue: it stays until a person clears it (restore,
    resume, undo of the breaker's action, or an explicit clear)."""

    ts_ns: int
    reason: str
    """The metric, its value, the threshold and how long it held."""
    command_id: str = ""
    value: float | None = None
    """The reading that tripped it."""


class BreakerState(msgspec.Struct, kw_only=True):
    armed: bool
    tripped: dict[str, Trip] = {}
    """Venue -> its trip."""
    holding: dict[str, int] = {}
    """Venue -> monotonic ns since which the condition has held."""


class RouteState(msgspec.Struct, kw_only=True):
    armed: bool
    """Automatic failover armed."""
    active: str | None
    """The venue the route currently uses (None: no usable venue)."""
    previous: str | None = None
    changed_ns: int = 0
    reason: str = ""


class ControlFacts:
    """Isolations, halts, routes and breakers: mutated only by the controls."""

    def __init__(self) -> None:
        self.isolated: dict[str, str] = {}
        """Venue -> why it was isolated."""
        self.recovering: dict[str, int] = {}
        """Venue -> monotonic ns since which it has been healthy on probation (0: not yet)."""
        self.halted: dict[tuple[str, str], str] = {}
        """(venue or "*", canonical instrument) -> why."""
        self.routes: dict[str, RouteState] = {}
        self.breakers: dict[str, BreakerState] = {}
        self.venue_halt: dict[str, str] = {}
        """Venue -> its venue-side halt state (REQUESTED, ACKED, CONFIRMED (0 open), FAILED)."""
        self.deadman: dict[str, str] = {}
        """Venue -> its dead-man timer as the engine keeps it (armed, last heartbeat, fires at)."""

    def is_halted(self, venue: str, instrument: str) -> bool:
        return (venue, instrument) in self.halted or ("*", instrument) in self.halted
