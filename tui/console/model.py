"""A console's copy of the engine state, kept current from protocol frames.

The TUI renders from this model at its own fixed rate; applying a frame only
records what changed (``dirty``), so a burst of frames costs a few dict writes
and one repaint, never a repaint per frame.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any, Final

import msgspec

from tui.console import protocol as p
from tui.engine.alerts import Alert
from tui.engine.view import BreakerRow, ConsensusRow, InstrumentRow, RouteRow, VenueRow

JOURNAL_KEEP: Final = 1000
NOTES_KEEP: Final = 500
HISTORY_KEEP: Final = 1200
STALE_AFTER_S: Final = 2.0
"""Data older than this is not shown as live. The engine publishes at 10 Hz (an
empty update is still a frame), so two seconds is twenty missed frames: long
enough not to blink on a busy link, short enough that nobody acts on it."""


class Staleness(msgspec.Struct, frozen=True):
    """Why the console's copy is not live, and how old it is."""

    age_s: float
    """Seconds since the engine's clock last moved in a frame we applied."""
    reason: str


class ConsoleModel:
    def __init__(self) -> None:
        self.engine = ""
        self.user = ""
        self.ts_ns = 0
        self.venues: dict[str, VenueRow] = {}
        self.instruments: dict[tuple[str, str], InstrumentRow] = {}
        self.consensus: dict[str, ConsensusRow] = {}
        self.routes: dict[str, RouteRow] = {}
        self.breakers: dict[str, BreakerRow] = {}
        self.alerts: list[Alert] = []
        self.resolved: deque[Alert] = deque(maxlen=500)
        self.journal: deque[dict[str, Any]] = deque(maxlen=JOURNAL_KEEP)
        self.notes: deque[dict[str, Any]] = deque(maxlen=NOTES_KEEP)
        self.history: dict[str, deque[tuple[int, float]]] = {}
        self.dirty: set[str] = set()
        self.publish_hz = 10.0
        self.clock: Callable[[], float] = time.monotonic
        self.stale_after_s: float | None = STALE_AFTER_S
        """None: never judged stale (a snapshot, labelled as one, is a fixed moment)."""
        self.link_down = ""
        """Set by the source while it is not attached (why); "" while attached."""
        self.fresh_mono: float | None = None
        """clock() when a frame last advanced the engine's clock."""
        self.frame_mono: float | None = None
        """clock() when any frame last arrived."""

    def _heard(self, ts_ns: int) -> None:
        now = self.clock()
        self.frame_mono = now
        if ts_ns > self.ts_ns or self.fresh_mono is None:
            self.fresh_mono = now

    def age_s(self) -> float:
        """Seconds since the data last moved (0 before the first frame)."""
        return max(0.0, self.clock() - self.fresh_mono) if self.fresh_mono is not None else 0.0

    def now_ns(self) -> int:
        """The engine's time now, as best the console knows: its last frame's time
        plus how long ago that was, so ages keep counting while the data is stale
        (a snapshot's clock stays frozen at its own timestamp)."""
        if self.stale_after_s is None:
            return self.ts_ns
        return self.ts_ns + int(self.age_s() * 1e9)

    def staleness(self) -> Staleness | None:
        """None while the data is live; else how old it is and why.

        Judged here, console-side, from what arrives: a lost link is stale at once;
        frames that stop (a stalled publisher) or whose engine clock stops moving
        (a replay that ended, a wedged engine) are stale after ``stale_after_s``.
        """
        if self.stale_after_s is None:
            return None
        age = self.age_s()
        if self.link_down:
            return Staleness(age, self.link_down)
        if self.fresh_mono is None:
            return Staleness(0.0, "no data from the engine yet")
        if age < self.stale_after_s:
            return None
        quiet = self.clock() - (self.frame_mono or 0.0)
        if quiet >= self.stale_after_s:
            return Staleness(age, f"no frame from the engine for {quiet:.0f}s")
        if self.engine.startswith("replay") and self.engine.endswith("paused"):
            return None  # a paused replay's clock stands still on purpose; frames still come
        return Staleness(age, "the engine's clock has stopped (replay ended or engine stalled)")

    def apply(self, frame: p.Down) -> None:
        if isinstance(frame, p.Welcome):
            self.engine, self.user, self.publish_hz = frame.engine, frame.user, frame.publish_hz
            s = frame.state
            self.fresh_mono = None
            self._heard(s.ts_ns)
            self.ts_ns = s.ts_ns
            self.venues = {v.name: v for v in s.venues}
            self.instruments = {(i.venue, i.symbol): i for i in s.instruments}
            self.consensus = {c.instrument: c for c in s.consensus}
            self.routes = {r.name: r for r in s.routes}
            self.breakers = {b.name: b for b in s.breakers}
            self.alerts = list(s.alerts)
            self.resolved.clear()
            self.resolved.extend(frame.resolved)
            self.journal.clear()
            self.journal.extend(frame.journal)
            self.notes.clear()
            self.notes.extend(n for n in frame.feed_notes if n)
            self.history = {k: deque(v, maxlen=HISTORY_KEEP) for k, v in frame.history.items()}
            self.dirty |= {
                "venues",
                "instruments",
                "consensus",
                "routes",
                "breakers",
                "alerts",
                "journal",
                "history",
            }
        elif isinstance(frame, p.Update):
            self._heard(frame.ts_ns)
            self.ts_ns = frame.ts_ns
            if frame.engine is not None:
                self.engine = frame.engine
            for v in frame.venues:
                self.venues[v.name] = v
            for i in frame.instruments:
                self.instruments[(i.venue, i.symbol)] = i
                if i.spread_bps is not None:
                    key = f"{i.venue}|{i.instrument}"
                    self.history.setdefault(key, deque(maxlen=HISTORY_KEEP)).append(
                        (frame.ts_ns, i.spread_bps)
                    )
            for c in frame.consensus:
                self.consensus[c.instrument] = c
            for r in frame.routes:
                self.routes[r.name] = r
            for b in frame.breakers:
                self.breakers[b.name] = b
            if frame.alerts is not None:
                self.alerts = list(frame.alerts)
                self.dirty.add("alerts")
            for name, rows in (
                ("venues", frame.venues),
                ("instruments", frame.instruments),
                ("consensus", frame.consensus),
                ("routes", frame.routes),
                ("breakers", frame.breakers),
            ):
                if rows:
                    self.dirty.add(name)
            if frame.instruments:
                self.dirty.add("history")
        elif isinstance(frame, p.Journal):
            self.journal.append(frame.entry)
            self.dirty.add("journal")
        elif isinstance(frame, p.AlertChange):
            if frame.what == "resolved":
                self.resolved.append(frame.alert)
            self.dirty.add("alerts")
        elif isinstance(frame, p.FeedNote):
            self.notes.append(frame.note)
            self.dirty.add("journal")

    def take_dirty(self) -> set[str]:
        d, self.dirty = self.dirty, set()
        return d

    def instruments_of(self, venue: str) -> list[InstrumentRow]:
        return [i for (v, _), i in self.instruments.items() if v == venue]

    def canonical_names(self) -> list[str]:
        return sorted({i.instrument for i in self.instruments.values()})
