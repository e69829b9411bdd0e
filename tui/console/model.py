"""A console's copy of the engine state, kept current from protocol frames.

The TUI renders from this model at its own fixed rate; applying a frame only
records what changed (``dirty``), so a burst of frames costs a few dict writes
and one repaint, never a repaint per frame.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Final

from tui.console import protocol as p
from tui.engine.alerts import Alert
from tui.engine.view import BreakerRow, ConsensusRow, InstrumentRow, RouteRow, VenueRow

JOURNAL_KEEP: Final = 1000
NOTES_KEEP: Final = 500
HISTORY_KEEP: Final = 1200


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

    def apply(self, frame: p.Down) -> None:
        if isinstance(frame, p.Welcome):
            self.engine, self.user, self.publish_hz = frame.engine, frame.user, frame.publish_hz
            s = frame.state
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
            self.ts_ns = frame.ts_ns
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
