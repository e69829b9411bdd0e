"""Book keeping for one venue: events in, exact books and counters out.

The feed is the single place where a venue's rules are applied to books:
sequence continuity, checksums, crossed-book checks, snapshot buffering and
resynchronisation. It does no I/O. When a book must be rebuilt it marks the
instrument unsynced, clears the book (a wrong book is never shown as a right
one) and queues an action; the supervisor carries the action out live, and
replay simply counts it, because the capture already holds what followed.

Counters are plain attributes on slotted objects so the hot path costs a few
increments; the engine reads them at its own tick rather than being called per
frame.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from adapters.book import new_tracker
from adapters.model import (
    NO_SEQ,
    BookDelta,
    BookSnapshot,
    Event,
    FeedStatus,
    Heartbeat,
    ParseError,
    Reply,
    Trade,
)
from adapters.sequence import (
    APPLY,
    CHECKSUM,
    CROSSED,
    GAP,
    OWN_RULE,
    RESET,
    UNPARSED,
    rule_code,
)
from adapters.tracker_py import LATENCY_RING
from adapters.venue import CheckedDelta, Session, Venue
from adapters.wire import decode_failure

__all__ = ["LATENCY_RING", "MAX_BUFFERED", "Action", "Feed", "InstrumentState"]

MAX_BUFFERED: Final = 20_000
"""Deltas held while an out-of-band snapshot is in flight."""


class Action:
    """Something the supervisor must do for the feed."""

    __slots__ = ("conn", "kind", "reason", "symbol")

    SNAPSHOT: Final = "snapshot"
    RESUBSCRIBE: Final = "resubscribe"
    RECONNECT: Final = "reconnect"

    def __init__(self, kind: str, conn: str, symbol: str, reason: str) -> None:
        self.kind = kind
        self.conn = conn
        self.symbol = symbol
        self.reason = reason

    def __repr__(self) -> str:
        return f"Action({self.kind}, {self.conn}, {self.symbol}, {self.reason!r})"


def _tracked(name: str, doc: str) -> property:
    """An attribute that lives in the instrument's tracker (read at the engine's tick)."""

    def get(self: InstrumentState) -> Any:
        return getattr(self.core, name)

    def put(self: InstrumentState, value: Any) -> None:
        setattr(self.core, name, value)

    return property(get, put, doc=doc)


class InstrumentState:
    """One instrument's book, continuity state and counters.

    What every update touches (the sequence state, the update counter and clocks,
    the latency ring) lives in ``core``, the instrument's tracker (native where
    built), which applies a whole update in one call; it is read here through
    properties of the same names as before.
    """

    __slots__ = (
        "book",
        "buffer",
        "buffering",
        "checksum_failures",
        "checksum_ok",
        "checksum_skipped",
        "conn",
        "core",
        "crossed",
        "frames",
        "gaps",
        "lag_episodes",
        "lag_resyncs",
        "lagging",
        "parse_errors",
        "resets",
        "resync_reason",
        "resync_since_mono",
        "resyncs",
        "snapshots",
        "symbol",
        "synced",
    )

    last_seq = _tracked("last_seq", "the venue's id of the last update applied (or the snapshot's)")
    fresh = _tracked("fresh", "no update applied since the snapshot")
    updates = _tracked("updates", "updates applied")
    last_update_ns = _tracked("last_update_ns", "wall clock (ns) of the last update applied")
    last_update_mono = _tracked("last_update_mono", "monotonic clock (ns) of the last update")
    last_exch_ns = _tracked("last_exch_ns", "the venue's time (ns) of the last timed update")

    def __init__(self, symbol: str, rule: int = OWN_RULE, depth: int = 0) -> None:
        self.symbol = symbol
        self.conn = ""
        self.core = new_tracker(rule, depth)
        self.book = self.core.book
        self.synced = False
        self.buffering = False
        self.buffer: list[BookDelta] = []
        self.frames = 0
        self.snapshots = 0
        self.gaps = 0
        self.checksum_ok = 0
        self.checksum_failures = 0
        self.checksum_skipped = 0
        self.resyncs = 0
        self.resets = 0
        self.parse_errors = 0
        self.crossed = 0
        self.resync_since_mono = 0
        self.resync_reason = ""
        self.lagging = False
        """Its connection is shedding frames: the book is cleared until a resync."""
        self.lag_episodes = 0
        self.lag_resyncs = 0

    @property
    def lat_n(self) -> int:
        """Latency samples recorded so far."""
        return self.core.lat_n

    def latencies(self, since_n: int = 0) -> list[int]:
        """Latency samples (ns) recorded after sample number ``since_n``."""
        return self.core.latencies(since_n)


class Feed:
    """All books of one venue, and the rules that keep them exact."""

    def __init__(self, venue: Venue, emit: Callable[[Event], None] | None = None) -> None:
        self.venue = venue
        self.name = venue.name
        self.emit: Callable[[Event], None] = emit or _drop
        self.sequence = venue.sequence
        self.rule = rule_code(venue)
        """The tracker runs the venue's rule (else ``sequence`` decides in Python)."""
        self.checksum_spec = venue.checksum_spec
        self.checked = type(venue).checksum_spec is not Venue.checksum_spec
        """The tracker verifies the venue's checksum on the hot path (Kraken)."""
        self.truncate = venue.depth if venue.truncate_to_depth else 0
        self.instruments: dict[str, InstrumentState] = {
            s: self._new_state(s) for s in venue.settings.symbols
        }
        self.external_snapshots = venue.snapshot_mode == "external"
        self.can_cross = venue.can_cross
        self.frames = 0
        self.parse_errors = 0
        self.heartbeats = 0
        self.trades = 0
        self.unknown_symbols = 0
        self.connects = 0
        self.disconnects = 0
        self.last_frame_mono = 0
        self.shed_frames = 0
        """Frames dropped unparsed while a connection was behind (see :mod:`adapters.lag`)."""
        self.actions: list[Action] = []
        self.outbox: list[tuple[str, str]] = []
        self.listeners: list[Callable[[InstrumentState], None]] = []

    def _new_state(self, symbol: str) -> InstrumentState:
        return InstrumentState(symbol, self.rule, self.truncate)

    # -- connection lifecycle ----------------------------------------------------------

    def start_connection(self, conn: str, symbols: list[str], now_ns: int, now_mono: int) -> None:
        """A new connection will carry ``symbols``: their books start unsynced."""
        self.connects += 1
        for s in symbols:
            st = self.instruments.get(s)
            if st is None:
                st = self.instruments[s] = self._new_state(s)
            st.conn = conn
            self._unsync(st, now_mono)
            st.lagging = False
            st.resync_reason = "connecting"
            if self.external_snapshots:
                st.buffering = True
                self.actions.append(Action(Action.SNAPSHOT, conn, s, "initial snapshot"))
        self.emit(FeedStatus(self.name, conn, now_ns, now_mono, "connected"))

    def end_connection(self, conn: str, reason: str, now_ns: int, now_mono: int) -> None:
        self.disconnects += 1
        for st in self.instruments.values():
            if st.conn == conn:
                self._unsync(st, now_mono)
                st.lagging = False  # the next connection starts with a fresh book anyway
                st.resync_reason = f"disconnected: {reason}"
        self.actions = [a for a in self.actions if a.conn != conn]
        self.outbox = [o for o in self.outbox if o[0] != conn]
        self.emit(FeedStatus(self.name, conn, now_ns, now_mono, "disconnected", reason=reason))

    # -- the hot path ----------------------------------------------------------------------

    def on_frame(self, session: Session, frame: bytes | str, recv_ns: int, recv_mono: int) -> None:
        self.frames += 1
        self.last_frame_mono = recv_mono
        fast = session.fast_decode
        if fast is not None and self.rule:
            # The hot path: a delta decoded with no event made, applied by the
            # instrument's tracker in one call. Only "applied" (and "crossed", a
            # checksum mismatch, or for the native reader a skip) end here; every
            # other outcome changed nothing, and the frame takes the general path
            # below from the start.
            route = session.fast_route
            if route is not None:  # the frame read natively, straight into the tracker
                done = route(self.instruments, frame, recv_ns, recv_mono)
                if done is not None:
                    if done.__class__ is tuple:
                        self._routed(done, recv_ns, recv_mono)
                    else:
                        for fn in self.listeners:
                            fn(done)
                    return
            try:
                m = fast(frame).delta
            except Exception:  # not a delta this decoder takes: parse() says what it is
                pass
            else:
                st = self.instruments.get(m.symbol)
                if st is not None and st.synced:
                    if self.checked:
                        if self._checked(st, m, recv_ns, recv_mono):  # type: ignore[arg-type]
                            return
                    else:
                        try:
                            verdict = st.core.step_ms(
                                m.seq,
                                m.first_seq,
                                m.prev_seq,
                                m.exch_ms,
                                recv_ns,
                                recv_mono,
                                m.bids,
                                m.asks,
                            )
                        except ValueError:
                            verdict = UNPARSED  # the general path words and handles it
                        if not verdict:  # APPLY
                            st.frames += 1
                            for fn in self.listeners:
                                fn(st)
                            return
                        if verdict == CROSSED:
                            st.frames += 1
                            self._applied(st, recv_ns, recv_mono, True, None, None)
                            return
        try:
            events = session.parse(frame, recv_ns, recv_mono)
        except Exception as exc:  # an adapter bug must cost one frame, never the feed
            events = (decode_failure(self.name, session.conn, recv_ns, recv_mono, frame, exc),)
        for ev in events:
            # A book delta is nearly every frame: it is tested first and kept inline.
            if ev.__class__ is BookDelta:
                st = self.instruments.get(ev.symbol)
                if st is None:
                    self.unknown_symbols += 1
                    continue
                st.frames += 1
                if st.synced:
                    self._delta(st, ev)
                elif st.buffering:
                    self._buffer(st, ev)
            else:
                self._event(session, ev)

    def _routed(self, done: tuple[int, InstrumentState, int], recv_ns: int, recv_mono: int) -> None:
        """The native reader read an update the feed has more to say about (or, for a
        skipped one, nothing)."""
        verdict, st, expected = done
        if verdict == CHECKSUM:
            got = self.venue.checksum(st.book, st.symbol)
            self._mismatch(st, expected, got, recv_ns, recv_mono)
        elif verdict == CROSSED:
            self._applied(st, recv_ns, recv_mono, True, None, None)
        # SKIP: an update the book already covers, counted by the reader: nothing to do

    def _checked(self, st: InstrumentState, m: CheckedDelta, recv_ns: int, recv_mono: int) -> bool:
        """The hot path of a venue whose checksum the tracker verifies (Kraken): update
        and checksum in one native call. False: nothing was applied (no checksum, an
        unknown precision, levels or a time the native parser does not take, or a
        verdict but "apply"), and the general path takes the frame from the start."""
        expected = m.checksum
        spec = self.checksum_spec(m.symbol)
        if expected is None or spec is None:
            return False
        try:
            verdict = st.core.step_checked(
                m.seq,
                m.first_seq,
                m.prev_seq,
                m.timestamp,
                recv_ns,
                recv_mono,
                m.bids,
                m.asks,
                expected,
                *spec,
            )
        except ValueError:
            return False  # the general path words and handles it
        if not verdict:  # APPLY, checksum verified
            st.frames += 1
            st.checksum_ok += 1
            for fn in self.listeners:
                fn(st)
            return True
        if verdict == CROSSED:
            st.frames += 1
            st.checksum_ok += 1
            self._applied(st, recv_ns, recv_mono, True, None, None)
            return True
        if verdict == CHECKSUM:
            st.frames += 1
            got = self.venue.checksum(st.book, st.symbol)
            self._mismatch(st, expected, got, recv_ns, recv_mono)
            return True
        return False

    def _event(self, session: Session, ev: Event) -> None:
        cls = ev.__class__
        if cls is BookSnapshot:
            st = self.instruments.get(ev.symbol)  # type: ignore[union-attr]
            if st is None:
                self.unknown_symbols += 1
                return
            st.frames += 1
            self._snapshot(st, ev)  # type: ignore[arg-type]
        elif cls is Heartbeat:
            self.heartbeats += 1
        elif cls is Reply:
            self.outbox.append((session.conn, ev.frame))  # type: ignore[union-attr]
        elif cls is ParseError:
            self.parse_errors += 1
            st = self.instruments.get(ev.symbol)  # type: ignore[union-attr]
            if st is not None:
                st.parse_errors += 1
            self.emit(ev)
        elif cls is FeedStatus:
            self._status(ev)  # type: ignore[arg-type]
        elif cls is Trade:
            self.trades += 1

    def shed(self, recv_mono: int, n: int = 1) -> None:
        """``n`` frames dropped unparsed: counted (rates, silence) but never applied."""
        self.frames += n
        self.shed_frames += n
        self.last_frame_mono = recv_mono

    def start_shedding(self, conn: str, reason: str, now_ns: int, now_mono: int) -> None:
        """``conn`` is falling behind: every book on it is lagging until a resync.

        The book is cleared (frames will be skipped, so it cannot stay exact
        and must never be shown as current) and no resync is asked for yet:
        one would only queue behind the same backlog.
        """
        for st in self.instruments.values():
            if st.conn != conn or st.lagging:
                continue
            self._unsync(st, now_mono)
            st.lagging = True
            st.lag_episodes += 1
            st.resync_reason = f"lagging: {reason}"
            self.emit(FeedStatus(self.name, conn, now_ns, now_mono, "lagging", st.symbol, reason))
        self.actions = [a for a in self.actions if a.conn != conn or a.kind == Action.RECONNECT]

    def stop_shedding(self, conn: str, reason: str, now_ns: int, now_mono: int) -> None:
        """``conn`` has caught up: resync every lagging book on it (snapshot or resubscribe)."""
        for st in self.instruments.values():
            if st.conn != conn or not st.lagging:
                continue
            st.lagging = False
            st.lag_resyncs += 1
            self.resync(st.symbol, f"lagging: {reason}", now_ns, now_mono)

    def _delta(self, st: InstrumentState, d: BookDelta) -> None:
        core = st.core
        try:
            if self.rule:
                verdict = core.step(
                    d.seq,
                    d.first_seq,
                    d.prev_seq,
                    d.exch_ns,
                    d.recv_ns,
                    d.recv_mono,
                    d.bids,
                    d.asks,
                )
            else:
                verdict = self.sequence(core.last_seq, core.fresh, d)
                if verdict == RESET:
                    st.resets += 1
                    self.emit(
                        FeedStatus(
                            self.name,
                            st.conn,
                            d.recv_ns,
                            d.recv_mono,
                            "reset",
                            st.symbol,
                            f"sequence restarted: {core.last_seq} -> {d.seq}",
                        )
                    )
                    verdict = APPLY
                if verdict == APPLY:
                    verdict = core.force(d.seq, d.exch_ns, d.recv_ns, d.recv_mono, d.bids, d.asks)
        except ValueError as exc:  # a NaN price (no ladder can order it), a seq past int64
            self._refused(st, d.recv_ns, d.recv_mono, exc)
            return
        if verdict in (APPLY, CROSSED):
            self._applied(st, d.recv_ns, d.recv_mono, verdict == CROSSED, d.checksum, d)
        elif verdict == UNPARSED:  # a session's parse gives decoded levels: never, but not silent
            self._refused(st, d.recv_ns, d.recv_mono, ValueError("levels not decoded"))
        else:
            self._not_applied(st, d, verdict)

    def _applied(
        self,
        st: InstrumentState,
        recv_ns: int,
        recv_mono: int,
        crossed: bool,
        checksum: int | None,
        d: BookDelta | None,
    ) -> None:
        """The tracker applied an update: the checks it leaves to the venue, then listeners."""
        if checksum is not None and d is not None and not self._checksum(st, checksum, d):
            return
        if crossed and not self.can_cross:
            self._crossed(st, recv_ns, recv_mono)
            return
        for fn in self.listeners:
            fn(st)

    def _not_applied(self, st: InstrumentState, d: BookDelta, verdict: int) -> None:
        if verdict == GAP:
            st.gaps += 1
            self.emit(
                FeedStatus(
                    self.name, st.conn, d.recv_ns, d.recv_mono, "gap", st.symbol, _gap_text(st, d)
                )
            )
            self.resync(st.symbol, f"sequence gap: {_gap_text(st, d)}", d.recv_ns, d.recv_mono)
        elif not (d.bids or d.asks):
            # SKIP of an empty update is a venue keep-alive (OKX): the book is
            # confirmed current, so it counts as fresh. Other skips are updates
            # the snapshot already covered.
            st.core.last_update_mono = d.recv_mono

    def _buffer(self, st: InstrumentState, d: BookDelta) -> None:
        if len(st.buffer) >= MAX_BUFFERED:
            st.buffer.clear()
            self.resync(
                st.symbol, "snapshot too slow: delta buffer overflowed", d.recv_ns, d.recv_mono
            )
            return
        st.buffer.append(d)

    def _refused(self, st: InstrumentState, recv_ns: int, recv_mono: int, exc: Exception) -> None:
        """Levels the book refused: a parse error, and the book rebuilt from scratch
        (part of the message may already be in it)."""
        self.parse_errors += 1
        st.parse_errors += 1
        reason = f"levels refused by the book: {exc}"
        self.emit(ParseError(self.name, st.conn, recv_ns, recv_mono, reason, "", st.symbol))
        self.resync(st.symbol, reason, recv_ns, recv_mono)

    def _snapshot(self, st: InstrumentState, snap: BookSnapshot) -> None:
        core = st.core
        try:
            core.last_seq = snap.seq  # the native tracker refuses one past int64
            st.book.load(snap.bids, snap.asks)
        except ValueError as exc:
            self._refused(st, snap.recv_ns, snap.recv_mono, exc)
            return
        if self.truncate:
            st.book.truncate(self.truncate)
        core.fresh = True
        was_synced = st.synced
        st.synced = True
        st.buffering = False
        st.snapshots += 1
        core.last_update_mono = snap.recv_mono
        core.last_update_ns = snap.recv_ns
        if snap.checksum is not None and not self._checksum(st, snap.checksum, snap):
            return
        if not self.venue.can_cross and st.book.crossed():
            self._crossed(st, snap.recv_ns, snap.recv_mono)
            return
        if not was_synced:
            self.emit(
                FeedStatus(
                    self.name,
                    st.conn,
                    snap.recv_ns,
                    snap.recv_mono,
                    "resync_finished",
                    st.symbol,
                    st.resync_reason,
                )
            )
        if self.listeners:
            for fn in self.listeners:
                fn(st)

    def on_snapshot(self, snap: BookSnapshot) -> None:
        """An out-of-band snapshot (REST) arrived: load it and replay the buffer.

        Buffered deltas the snapshot already covers are dropped by the venue's
        sequence rule; a snapshot that is older than the first buffered delta
        cannot be bridged and is fetched again.
        """
        st = self.instruments.get(snap.symbol)
        if st is None:
            self.unknown_symbols += 1
            return
        buffered = st.buffer
        if buffered:
            # The id the oldest buffered delta follows: its prev_seq where the venue
            # gives one (ids jump between events on Binance futures), else U - 1.
            first = buffered[0]
            follows = first.prev_seq if first.prev_seq != NO_SEQ else first.first_seq - 1
            if follows > snap.seq:
                reason = f"snapshot {snap.seq} older than buffered stream (follows {follows})"
                self.actions.append(Action(Action.SNAPSHOT, st.conn, st.symbol, reason))
                return
        st.buffer = []
        self._snapshot(st, snap)
        for d in buffered:
            if not st.synced:
                break
            self._delta(st, d)

    # -- integrity faults -------------------------------------------------------------------

    def _checksum(self, st: InstrumentState, expected: int, ev: BookDelta | BookSnapshot) -> bool:
        got = self.venue.checksum(st.book, st.symbol)
        if got is None:
            st.checksum_skipped += 1
            return True
        if got == expected:
            st.checksum_ok += 1
            return True
        self._mismatch(st, expected, got, ev.recv_ns, ev.recv_mono)
        return False

    def _mismatch(
        self, st: InstrumentState, expected: int, got: int | None, recv_ns: int, recv_mono: int
    ) -> None:
        st.checksum_failures += 1
        reason = f"checksum mismatch: venue {expected}, local {got}"
        status = "checksum_mismatch"
        self.emit(FeedStatus(self.name, st.conn, recv_ns, recv_mono, status, st.symbol, reason))
        self.resync(st.symbol, reason, recv_ns, recv_mono)

    def _crossed(self, st: InstrumentState, recv_ns: int, recv_mono: int) -> None:
        st.crossed += 1
        reason = f"crossed book: bid {st.book.best_bid()} >= ask {st.book.best_ask()}"
        self.emit(FeedStatus(self.name, st.conn, recv_ns, recv_mono, "crossed", st.symbol, reason))
        self.resync(st.symbol, reason, recv_ns, recv_mono)

    def _status(self, ev: FeedStatus) -> None:
        if ev.status == "reconnect":
            self.actions.append(Action(Action.RECONNECT, ev.conn, "", ev.reason))
        elif ev.status == "reset" and ev.symbol in self.instruments:
            self.instruments[ev.symbol].resets += 1
        elif ev.status == "gap" and not ev.symbol:
            # A connection-wide gap (Coinbase numbers every message on the
            # connection): every book on it may have lost an update.
            for st in self.instruments.values():
                if st.conn == ev.conn and st.synced:
                    st.gaps += 1
                    self.resync(st.symbol, f"connection gap: {ev.reason}", ev.recv_ns, ev.recv_mono)
        self.emit(ev)

    def resync(self, symbol: str, reason: str, now_ns: int, now_mono: int) -> None:
        """Discard a book and ask for a fresh one."""
        st = self.instruments.get(symbol)
        if st is None:
            return
        st.resyncs += 1
        self._unsync(st, now_mono)
        st.resync_reason = reason
        if self.external_snapshots:
            st.buffering = True
            kind = Action.SNAPSHOT
        else:
            kind = Action.RESUBSCRIBE
        self.actions.append(Action(kind, st.conn, symbol, reason))
        self.emit(
            FeedStatus(self.name, st.conn, now_ns, now_mono, "resync_started", symbol, reason)
        )

    def _unsync(self, st: InstrumentState, now_mono: int) -> None:
        st.synced = False
        st.buffering = False
        st.buffer = []
        st.core.fresh = False
        st.book.clear()
        st.resync_since_mono = now_mono

    def take_actions(self) -> list[Action]:
        actions, self.actions = self.actions, []
        return actions


def _gap_text(st: InstrumentState, d: BookDelta) -> str:
    return f"after {st.last_seq} got first={d.first_seq} prev={d.prev_seq} last={d.seq}"


def _drop(_: Event) -> None:
    return None
