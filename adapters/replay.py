"""Replay: a capture fed through the same sessions and feeds as live data.

Resync actions are counted but not carried out: the capture already holds
whatever the live supervisor did about them (the REST snapshot it fetched, the
snapshot a resubscription produced). Receive timestamps stand in for the
monotonic clock, so staleness and rates replay as they happened.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from adapters import capture, registry
from adapters.feed import Feed
from adapters.model import Event, ParseError
from adapters.venue import ProtocolError, Session, Venue, VenueSettings


class Replayer:
    def __init__(
        self,
        emit: Callable[[Event], None] | None = None,
        venue_factory: Callable[[str], Venue] | None = None,
    ) -> None:
        self.emit = emit
        self.venue_factory = venue_factory or _default_venue
        self.feeds: dict[str, Feed] = {}
        self.sessions: dict[tuple[str, str], Session] = {}
        self.lines = 0
        self.actions = 0
        self.first_ts = 0
        self.last_ts = 0
        self.tops: dict[tuple[str, str], tuple[float | None, float | None]] = {}
        self.source = ""
        """The capture being read, named in errors."""

    def feed(self, venue: str, settings: dict[str, object] | None = None) -> Feed:
        f = self.feeds.get(venue)
        if f is None:
            if settings is not None:
                vs = msgspec.convert({**settings, "name": venue}, VenueSettings)
                made = registry.load(vs.adapter or venue)(vs)
            else:
                made = self.venue_factory(venue)
            f = self.feeds[venue] = Feed(made, self.emit)
        return f

    def _session(self, feed: Feed, conn: str) -> Session:
        key = (feed.name, conn)
        s = self.sessions.get(key)
        if s is None:
            s = self.sessions[key] = feed.venue.new_session(conn)
        return s

    def apply(self, line: capture.Line) -> None:
        """Feed one capture line through its venue's session and feed."""
        self.lines += 1
        ts = line.ts
        if not self.first_ts:
            self.first_ts = ts
        self.last_ts = ts
        event = line.event
        if event == "config":
            return  # engine settings: the application's business, not the adapters'
        if event is None and (line.venue, line.conn) not in self.sessions:
            # Without its connect line a frame has no symbols or settings: every
            # book would be silently empty. Say what is missing instead.
            where = f"{self.source}: " if self.source else ""
            raise capture.CaptureError(
                f"{where}line {self.lines}: a frame of {line.venue} connection "
                f"{line.conn!r} before any 'connect' line for it (a capture needs the "
                "connect line with the venue's symbols and settings; convert other "
                "recorders' files with `venuewatch import`)"
            )
        try:
            feed = self.feed(line.venue, line.settings)
        except (ValueError, TypeError, KeyError, msgspec.ValidationError) as exc:
            # Settings recorded by another version or edited by hand (e.g. a depth the
            # adapter does not offer): name the line instead of crashing the replay.
            raise capture.CaptureError(
                f"line {self.lines}: {line.venue}: connect settings not usable: {exc}"
            ) from None
        if event is None:
            feed.on_frame(self._session(feed, line.conn), line.payload(), ts, ts)
        elif event == "connect":
            self.sessions[(feed.name, line.conn)] = feed.venue.new_session(line.conn)
            feed.start_connection(line.conn, list(line.symbols or []), ts, ts)
        elif event == "disconnect":
            # A disconnect discards the books; keep their last top of book for the report.
            for sym, st in feed.instruments.items():
                if st.conn == line.conn and st.synced:
                    self.tops[(feed.name, sym)] = (st.book.best_bid(), st.book.best_ask())
            feed.end_connection(line.conn, line.reason or "disconnected", ts, ts)
            self.sessions.pop((feed.name, line.conn), None)
        elif event == "snapshot":
            symbol = line.symbol or ""
            try:
                snap = feed.venue.parse_snapshot(symbol, line.payload(), ts, ts)
            except (ProtocolError, NotImplementedError) as exc:
                feed.parse_errors += 1
                feed.emit(ParseError(feed.name, line.conn, ts, ts, str(exc), "", symbol))
            else:
                feed.on_snapshot(snap)
        if feed.actions:
            self.actions += len(feed.take_actions())
        feed.outbox.clear()

    def run(self, path: str | Path) -> None:
        """Replay a whole capture as fast as possible (raises CaptureError)."""
        self.source = str(path)
        for _, line in capture.read(path):
            self.apply(line)

    async def play(
        self, path: str | Path, speed: float = 0.0, on_line: Callable[[], None] | None = None
    ) -> None:
        """Replay paced by receive time: ``speed`` 1 is real time, 0 is flat out."""
        self.source = str(path)
        start = time.monotonic()
        first = 0
        for n, (_, line) in enumerate(capture.read(path), 1):
            if speed > 0:
                first = first or line.ts
                due = start + (line.ts - first) / 1e9 / speed
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            self.apply(line)
            if on_line is not None:
                on_line()
            if speed <= 0 and n % 2000 == 0:
                await asyncio.sleep(0)  # let the engine breathe

    def report(self) -> dict[str, Any]:
        """Per venue and instrument counters, and each final top of book."""
        venues: dict[str, Any] = {}
        for name, f in sorted(self.feeds.items()):
            instruments: dict[str, Any] = {}
            for sym, st in sorted(f.instruments.items()):
                bid, ask = (
                    (st.book.best_bid(), st.book.best_ask())
                    if st.synced
                    else self.tops.get((name, sym), (None, None))
                )
                instruments[sym] = {
                    "frames": st.frames,
                    "updates": st.updates,
                    "snapshots": st.snapshots,
                    "gaps": st.gaps,
                    "checksum_ok": st.checksum_ok,
                    "checksum_failures": st.checksum_failures,
                    "checksum_unverified": st.checksum_skipped,
                    "resyncs": st.resyncs,
                    "resets": st.resets,
                    "parse_errors": st.parse_errors,
                    "crossed": st.crossed,
                    "synced_at_end": st.synced,
                    "best_bid": bid,
                    "best_ask": ask,
                }
            venues[name] = {
                "frames": f.frames,
                "parse_errors": f.parse_errors,
                "connects": f.connects,
                "disconnects": f.disconnects,
                "heartbeats": f.heartbeats,
                "unknown_symbols": f.unknown_symbols,
                "instruments": instruments,
            }
        return {
            "lines": self.lines,
            "first_ts": self.first_ts,
            "last_ts": self.last_ts,
            "resync_actions": self.actions,
            "venues": venues,
        }


def _default_venue(name: str) -> Venue:
    return registry.load(name)(VenueSettings(symbols=[]))
