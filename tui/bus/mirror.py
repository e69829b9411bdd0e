"""The engine's side of the bus: collectors' frames into local feeds, no I/O.

Each venue's raw frames go through the same sessions and :class:`Feed` rules
as a capture replay, so the engine's books are rebuilt exactly, by the same
code, from what the collector received. What the bus adds is trust in the
stream itself:

- every message of a collector run carries a sequence number; a hole (the
  collector's queue overflowed, the stream dropped messages, a consumer was
  reset) or a new run without a clean stop is a *gap*: every book the collector
  fed is discarded (counted as a gap, resync reason named) and a resync is
  requested, never silently continued;
- a collector that stops reporting health is *lost*: its connections end, its
  venues count as disconnected, which the engine's detectors alert on;
- receive times are mapped onto this machine's monotonic clock through both
  clocks' offsets from the NATS server, so staleness and rates mean the same
  as on one machine.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Final

import msgspec

from adapters import registry
from adapters.capture import Line
from adapters.feed import Feed
from adapters.model import Event, FeedStatus, ParseError
from adapters.venue import ProtocolError, Session, VenueSettings
from tui.bus.frames import CollectorHealth, FeedMessage, RawFrame, SupervisorStatus

log = logging.getLogger("venuewatch.mirror")

LAG_NOTICE_MS: Final = 1000.0
"""A collector publishing this late is named on its venues' timelines (again on recovery)."""
LOST_AFTER_S: Final = 3.0
"""A collector silent (no health, no frame) this long is lost: its books are not trusted."""


class CollectorState:
    __slots__ = (
        "conns",
        "first_seq",
        "gaps",
        "health",
        "lagging",
        "last_mono",
        "last_seq",
        "lost",
        "name",
        "offset_ns",
        "run",
        "stopped",
    )

    def __init__(self, name: str, run: str, seq: int, now_mono: int) -> None:
        self.name = name
        self.run = run
        self.first_seq = seq
        """The first message this engine saw of the run (resumed consumers start mid-run)."""
        self.last_seq = seq - 1
        self.last_mono = now_mono
        self.offset_ns = 0
        self.conns: set[tuple[str, str]] = set()
        self.gaps = 0
        self.lost = False
        self.lagging = False
        self.stopped = False
        self.health: CollectorHealth | None = None

    def summary(self) -> dict[str, Any]:
        h = self.health
        return {
            "run": self.run,
            "seq": self.last_seq,
            "lost": self.lost,
            "stopped": self.stopped,
            "gaps": self.gaps,
            "offset_ms": round(self.offset_ns / 1e6, 3),
            "publish_lag_ms": h.publish_lag_ms if h else None,
            "dropped": h.dropped if h else None,
            "venues": sorted(h.venues) if h else [],
        }


class Mirror:
    """Collectors' messages in, local feeds (books, counters, events) out."""

    def __init__(
        self,
        emit: Callable[[Event], None] | None = None,
        clock: Callable[[], int] = time.monotonic_ns,
        wall: Callable[[], int] = time.time_ns,
        lost_after_s: float = LOST_AFTER_S,
    ) -> None:
        self.emit = emit
        self.clock = clock
        self.wall = wall
        self.lost_after_ns = int(lost_after_s * 1e9)
        self.feeds: dict[str, Feed] = {}
        self.owner: dict[str, str] = {}
        self.collectors: dict[str, CollectorState] = {}
        self.sessions: dict[tuple[str, str], Session] = {}
        self.own_offset_ns = 0
        """This machine's clock minus the NATS server's."""
        self.needs_resync: set[str] = set()
        """Collectors whose books were discarded and must be rebuilt (the source asks them)."""
        self.skipped = 0
        """Frames for a venue whose adapter settings are not known yet."""
        self.conflicts = 0
        self.messages = 0
        self.backlog = 0
        """Messages still waiting in the stream behind the last one applied (set by the source)."""
        self.retired: dict[str, set[str]] = {}
        self.stale_runs = 0

    # -- messages --------------------------------------------------------------------------

    def apply(self, msg: FeedMessage) -> None:
        self.messages += 1
        if msg.run in self.retired.get(msg.collector, ()):
            self.stale_runs += 1
            return  # a previous run's message delivered late: that run's books are gone
        now = self.clock()
        cs = self._collector(msg.collector, msg.run, msg.seq, now)
        if msg.seq <= cs.last_seq:
            return  # redelivered after a consumer restart: already applied
        if msg.seq != cs.last_seq + 1:
            lost = msg.seq - cs.last_seq - 1
            self._discard(cs, "gap", f"{lost} message(s) from collector {cs.name} lost in transit")
        cs.last_seq = msg.seq
        cs.last_mono = now
        if cs.lost:
            cs.lost = False
            log.info("collector %s is back", cs.name)
        if isinstance(msg, RawFrame):
            self._line(cs, msg.line)
        elif isinstance(msg, CollectorHealth):
            self._health(cs, msg)
        elif isinstance(msg, SupervisorStatus):
            st = msg.status
            if self._owned(cs, st.venue) and self.emit is not None:
                mono = self._mono(cs, st.recv_ns)
                self.emit(msgspec.structs.replace(st, recv_mono=mono))

    def _collector(self, name: str, run: str, seq: int, now: int) -> CollectorState:
        cs = self.collectors.get(name)
        if cs is not None and cs.run == run:
            return cs
        fresh = CollectorState(name, run, seq, now)
        if cs is not None:
            self.retired.setdefault(name, set()).add(cs.run)
            fresh.offset_ns = cs.offset_ns
            fresh.conns = cs.conns
            fresh.gaps = cs.gaps
            if not cs.stopped:
                # The new run connects afresh by itself: no resync request needed.
                reason = f"collector {name} restarted without a clean stop"
                self._discard(fresh, "gap", reason, resync=False)
        self.collectors[name] = fresh
        return fresh

    def _health(self, cs: CollectorState, h: CollectorHealth) -> None:
        cs.health = h
        cs.offset_ns = h.clock_offset_ns
        for venue, settings in h.venues.items():
            if venue not in self.feeds:
                self._feed(venue, settings)
            self.owner.setdefault(venue, cs.name)
        lagging = h.publish_lag_ms >= LAG_NOTICE_MS or not h.nats_connected
        if lagging != cs.lagging:
            cs.lagging = lagging
            what = "late" if lagging else "back on time"
            self._notice(
                cs, f"collector {cs.name} publishing {what}: lag {h.publish_lag_ms / 1e3:.1f}s"
            )
        if h.stopping:
            cs.stopped = True
            self._discard(cs, "", f"collector {cs.name} stopped")

    def _notice(self, cs: CollectorState, reason: str) -> None:
        """A collector's own trouble, on the timeline of every venue it serves."""
        if self.emit is None or cs.health is None:
            return
        now_ns, now_mono = self.wall(), self.clock()
        for venue in sorted(cs.health.venues):
            if self.owner.get(venue) == cs.name:
                conn = f"collector:{cs.name}"
                self.emit(FeedStatus(venue, conn, now_ns, now_mono, "venue_notice", "", reason))

    def _owned(self, cs: CollectorState, venue: str) -> bool:
        owner = self.owner.setdefault(venue, cs.name)
        if owner == cs.name:
            return True
        other = self.collectors.get(owner)
        if other is None or other.lost or other.stopped:
            self.owner[venue] = cs.name  # the venue moved to a live collector
            return True
        if self.conflicts == 0:
            log.warning("venue %s is served by %s and %s; keeping %s", venue, owner, cs.name, owner)
        self.conflicts += 1
        return False

    def prime(self, health: CollectorHealth) -> None:
        """Feeds for the venues a collector last announced, before any message is applied.

        An engine that starts (or takes over) knows its venues at once, so the
        control state rebuilt from the journal finds them (an isolation of a
        venue the engine does not know yet would otherwise be dropped).
        """
        if health.stopping:
            return
        for venue, settings in health.venues.items():
            if venue not in self.feeds:
                self._feed(venue, settings)

    def _feed(self, venue: str, settings: dict[str, object]) -> Feed:
        vs = msgspec.convert({**settings, "name": venue}, VenueSettings)
        f = self.feeds[venue] = Feed(registry.load(vs.adapter or venue)(vs), self.emit)
        now = self.clock()
        for st in f.instruments.values():
            st.resync_since_mono = now  # unsynced since now, not since the machine booted
        return f

    def _mono(self, cs: CollectorState, ts: int) -> int:
        """A collector's receive time as this machine's monotonic time."""
        local_ts = ts - cs.offset_ns + self.own_offset_ns
        now_mono, now_wall = self.clock(), self.wall()
        return now_mono - max(0, now_wall - local_ts)

    def _line(self, cs: CollectorState, line: Line) -> None:
        if not self._owned(cs, line.venue):
            return
        feed = self.feeds.get(line.venue)
        if feed is None:
            if line.event == "connect" and line.settings is not None:
                feed = self._feed(line.venue, line.settings)
            else:
                self.skipped += 1
                return
        ts = line.ts
        mono = self._mono(cs, ts)
        key = (feed.name, line.conn)
        event = line.event
        if event is None:
            session = self.sessions.get(key)
            if session is None:
                # Joined mid-connection: its books stay unsynced until a snapshot.
                session = self.sessions[key] = feed.venue.new_session(line.conn)
            feed.on_frame(session, line.payload(), ts, mono)
        elif event == "connect":
            self.sessions[key] = feed.venue.new_session(line.conn)
            cs.conns.add(key)
            feed.start_connection(line.conn, list(line.symbols or []), ts, mono)
        elif event == "disconnect":
            cs.conns.discard(key)
            self.sessions.pop(key, None)
            feed.end_connection(line.conn, line.reason or "disconnected", ts, mono)
        elif event == "snapshot":
            symbol = line.symbol or ""
            try:
                snap = feed.venue.parse_snapshot(symbol, line.payload(), ts, mono)
            except (ProtocolError, NotImplementedError) as exc:
                feed.parse_errors += 1
                feed.emit(ParseError(feed.name, line.conn, ts, mono, str(exc), "", symbol))
            else:
                feed.on_snapshot(snap)
        # The collector's supervisor carries resyncs out; the stream holds what followed.
        feed.actions.clear()
        feed.outbox.clear()

    # -- trust ------------------------------------------------------------------------------

    def _discard(self, cs: CollectorState, status: str, reason: str, resync: bool = True) -> None:
        """End every connection a collector fed: its books are no longer known to be right."""
        now_ns, now_mono = self.wall(), self.clock()
        if status == "gap":
            cs.gaps += 1
            if resync:
                self.needs_resync.add(cs.name)
        targets = set(cs.conns)
        # A book can be synced by an in-band snapshot on a connection whose
        # connect line this engine never saw (it joined mid-stream): end those too.
        for venue, owner in self.owner.items():
            feed = self.feeds.get(venue)
            if owner != cs.name or feed is None:
                continue
            targets.update(
                (venue, s.conn) for s in feed.instruments.values() if s.synced or s.buffering
            )
        venues = {v for v, _ in targets}
        for venue, conn in sorted(targets):
            feed = self.feeds.get(venue)
            if feed is None:
                continue
            if status == "gap":
                for st in feed.instruments.values():
                    if st.conn == conn and st.synced:
                        st.gaps += 1
                        feed.emit(
                            FeedStatus(venue, conn, now_ns, now_mono, "gap", st.symbol, reason)
                        )
            self.sessions.pop((venue, conn), None)
            feed.end_connection(conn, reason, now_ns, now_mono)
        cs.conns = set()
        if venues:
            log.warning("%s: %s", ", ".join(sorted(venues)), reason)

    def check(self) -> None:
        """Called on the engine's tick: collectors that went quiet are lost.

        Only judged when caught up: an engine working through a backlog has
        the collectors' recent messages still queued, so their silence is its own.
        """
        if self.backlog > 0:
            return
        now = self.clock()
        for cs in self.collectors.values():
            if cs.lost or cs.stopped:
                continue
            quiet = now - cs.last_mono
            if quiet > self.lost_after_ns:
                cs.lost = True
                self._discard(cs, "gap", f"collector {cs.name} silent for {quiet / 1e9:.1f}s")

    def summary(self) -> dict[str, Any]:
        return {name: cs.summary() for name, cs in sorted(self.collectors.items())}
