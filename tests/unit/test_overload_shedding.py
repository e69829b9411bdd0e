"""Overload: the lag governor's rules and the feed's lagging → resyncing → exact cycle.

The state machine drives a real Binance feed (external snapshots) and a real
:class:`LagGovernor` the way the supervisor does, against a model of the
venue's book, and checks at every step that a lagging book is never current:
not synced, empty, marked in health and in the console's row, and alerted as
``book-lagging`` (not as a plain unsynced book). Whenever the feed says a book
is synced, it equals the venue's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from adapters.feed import Action, Feed, InstrumentState
from adapters.lag import NS, RECOVER, SHED, LagGovernor, Priority
from adapters.model import BookDelta, BookSnapshot, Event, FeedStatus
from adapters.venue import Session, Venue, VenueSettings
from adapters.venues.binance import BinanceSpot
from adapters.venues.bybit import Bybit
from tui.engine import detectors
from tui.engine.health import InstrumentHealth
from tui.engine.settings import EngineSettings

CONN = "binance-1#1"
SYMBOL = "BTCUSDT"
MS = 1_000_000


class _Given(Session):
    """A session whose frames are already events (the parser is tested elsewhere)."""

    def parse(self, frame: bytes | str, recv_ns: int, recv_mono: int) -> Sequence[Event]:
        return self.pending

    pending: Sequence[Event] = ()


# -- the governor alone ----------------------------------------------------------------


def test_a_connection_behind_for_the_threshold_sheds_once() -> None:
    gov = LagGovernor(shed_after_s=0.5)
    assert gov.observe(1 * NS, pending=10) == ""
    assert gov.observe(1 * NS + 400 * MS, pending=10) == ""
    assert gov.observe(1 * NS + 500 * MS, pending=10) == SHED
    assert gov.shedding and gov.episodes == 1
    assert gov.observe(1 * NS + 600 * MS, pending=10) == ""


def test_an_empty_queue_resets_the_lag() -> None:
    gov = LagGovernor(shed_after_s=0.5)
    gov.observe(1 * NS, pending=10)
    gov.observe(1 * NS + 400 * MS, pending=0)
    assert gov.lag_s(1 * NS + 400 * MS) == 0.0
    assert gov.observe(1 * NS + 800 * MS, pending=10) == ""  # behind again for 0 s only


def test_shedding_stops_only_when_applying_would_keep_up() -> None:
    gov = LagGovernor(shed_after_s=0.1, min_shed_s=0.0, recover_duty=0.5)
    t = NS
    gov.observe(t, 5)
    for _ in range(100):  # 20 µs an apply, measured while applying
        gov.applied(20_000)
    t += 300 * MS
    assert gov.observe(t, 5) == SHED
    # 100k frames/s arriving (shed cheaply, so the queue empties) x 20 µs = 2 s/s: stay shed.
    for _ in range(30_000):
        gov.shed()
    t += 300 * MS
    assert gov.observe(t, 0) == ""
    assert gov.shedding
    # The burst is over: 100 frames/s x 20 µs is 0.2 % of the loop.
    for _ in range(30):
        gov.shed()
    t += 300 * MS
    assert gov.observe(t, 0) == RECOVER
    assert not gov.shedding


async def test_a_reader_waits_while_a_command_is_carried_out() -> None:
    prio = Priority()
    order: list[str] = []

    async def reader() -> None:
        await prio.turn()
        order.append("frames")

    with prio.hold():
        task = asyncio.get_running_loop().create_task(reader())
        for _ in range(10):
            await asyncio.sleep(0)  # many loop turns: the reader must still be waiting
        assert not order and not task.done()
        order.append("command journalled and acked")
    await task
    assert order == ["command journalled and acked", "frames"]


async def test_a_stuck_command_does_not_stop_ingest_for_good() -> None:
    prio = Priority()
    with prio.hold():
        await prio.turn()  # returns (after MAX_HOLD_S) although the hold is never released
    assert prio.held == 0


async def test_without_a_command_a_turn_is_one_loop_turn() -> None:
    prio = Priority()
    await asyncio.wait_for(prio.turn(), 5.0)


# -- the feed and the governor together, against the venue's book ---------------------


class Overload(RuleBasedStateMachine):
    """Binance: lagging books come back through a REST snapshot and the delta buffer."""

    def make_venue(self) -> Venue:
        return BinanceSpot(VenueSettings(symbols=[SYMBOL], rest_url="http://127.0.0.1:1"))

    def __init__(self) -> None:
        super().__init__()
        self.venue = self.make_venue()
        self.external = self.venue.snapshot_mode == "external"
        self.events: list[Event] = []
        self.feed = Feed(self.venue, self.events.append)
        self.session = _Given(self.venue, CONN)
        self.gov = LagGovernor(shed_after_s=0.3, min_shed_s=0.1, recover_duty=0.5)
        self.now = NS
        self.seq = 100
        self.bids: dict[float, float] = {100.0: 1.0}
        self.asks: dict[float, float] = {101.0: 1.0}
        self.health = InstrumentHealth("binance", SYMBOL, "BTC-USD", "spot")
        self.engine_settings = EngineSettings()
        self.feed.start_connection(CONN, [SYMBOL], self.now, self.now)
        self.snapshots_asked = len(self._snapshot_actions())

    @property
    def inst(self) -> InstrumentState:
        return self.feed.instruments[SYMBOL]

    def _snapshot_actions(self) -> list[Action]:
        return [a for a in self.feed.actions if a.kind == Action.SNAPSHOT]

    # -- the venue moves; the reader receives, applies or sheds ---------------------------

    @rule(
        price=st.sampled_from([99.0, 99.5, 100.0, 101.0, 101.5, 102.0]),
        qty=st.sampled_from([0.0, 1.0, 2.5]),
        dt_ms=st.integers(0, 50),
    )
    def venue_update(self, price: float, qty: float, dt_ms: int) -> None:
        self.now += dt_ms * MS
        self.seq += 1
        side = self.bids if price <= 100.0 else self.asks
        if qty:
            side[price] = qty
        else:
            side.pop(price, None)
        level = [(price, qty)]
        bids, asks = (level, []) if side is self.bids else ([], level)
        delta = BookDelta(
            "binance", SYMBOL, self.now, self.now, 0, bids, asks, self.seq, first_seq=self.seq
        )
        if self.gov.shedding:
            self.feed.shed(self.now)
            self.gov.shed()
            return
        self.session.pending = (delta,)
        self.feed.on_frame(self.session, b"", self.now, self.now)
        self.gov.applied(20_000)

    @rule(dt_ms=st.integers(0, 400), pending=st.integers(0, 3))
    def slice_ends(self, dt_ms: int, pending: int) -> None:
        """The reader's slice boundary (or the watchdog): what the supervisor does."""
        self.now += dt_ms * MS
        verdict = self.gov.observe(self.now, pending)
        if verdict == SHED:
            self.feed.start_shedding(CONN, "test backlog", self.now, self.now)
        elif verdict == RECOVER:
            self.feed.stop_shedding(CONN, "test caught up", self.now, self.now)

    @rule()
    def rest_snapshot_arrives(self) -> None:
        """The supervisor hands over a snapshot only while the feed buffers for one; an
        in-band venue sends one after a (re)subscription, on the stream."""
        st_ = self.inst
        if self.external:
            if not self._snapshot_actions() or st_.synced or not st_.buffering:
                return
        elif st_.synced or self.gov.shedding:
            return
        self.feed.take_actions()
        snap = BookSnapshot(
            "binance",
            SYMBOL,
            self.now,
            self.now,
            0,
            list(self.bids.items()),
            list(self.asks.items()),
            self.seq,
        )
        if self.external:
            self.feed.on_snapshot(snap)
        else:
            self.session.pending = (snap,)
            self.feed.on_frame(self.session, b"", self.now, self.now)
        assert st_.synced and not st_.lagging

    # -- what must always hold ------------------------------------------------------------

    @invariant()
    def lagging_follows_the_governor(self) -> None:
        assert self.inst.lagging == self.gov.shedding

    @invariant()
    def a_lagging_book_is_never_current(self) -> None:
        st_ = self.inst
        if st_.lagging:
            assert not st_.synced and not st_.buffering
            assert st_.book.levels() == ({}, {})
            assert not [a for a in self.feed.actions if a.kind != Action.RECONNECT]
        self.health.sample(
            st_, self.now, 0.1, self.engine_settings.detectors.for_class("spot"), True
        )
        assert self.health.lagging == st_.lagging
        if st_.lagging:
            assert not self.health.synced and self.health.mid is None
            rules = [
                c.rule
                for c in detectors.instrument_conditions(
                    self.health,
                    self.engine_settings.detectors,
                    self.engine_settings.detectors.for_class("spot"),
                    self.now,
                    None,
                    False,
                )
            ]
            assert "book-lagging" in rules and "unsynced" not in rules

    @invariant()
    def a_synced_book_is_exact(self) -> None:
        st_ = self.inst
        if st_.synced:
            assert st_.book.levels() == (self.bids, self.asks)

    @invariant()
    def count_full_cycles(self) -> None:
        if self.inst.lag_resyncs and self.inst.synced:
            event("exact again after lagging")  # --hypothesis-show-statistics: how often

    @invariant()
    def every_lagging_episode_ends_in_one_resync(self) -> None:
        st_ = self.inst
        assert st_.lag_resyncs == st_.lag_episodes - (1 if st_.lagging else 0)
        lagged = [e for e in self.events if isinstance(e, FeedStatus) and e.status == "lagging"]
        assert len(lagged) == st_.lag_episodes


# 25 steps reach shed → recover → snapshot often enough; the profile sets the examples.
Overload.TestCase.settings = settings(settings(), stateful_step_count=25)
TestOverload = Overload.TestCase


class OverloadInBand(Overload):
    """Bybit: lagging books come back through a resubscription's in-band snapshot."""

    def make_venue(self) -> Venue:
        return Bybit(VenueSettings(symbols=[SYMBOL]))


OverloadInBand.TestCase.settings = settings(settings(), stateful_step_count=25)
TestOverloadInBand = OverloadInBand.TestCase


def test_a_lagging_book_recovers_exactly_through_a_snapshot() -> None:
    """The whole cycle once, spelled out: exact → lagging → resyncing → exact."""
    m = Overload()
    m.rest_snapshot_arrives()
    m.venue_update(price=100.0, qty=3.0, dt_ms=1)
    assert m.inst.synced
    m.slice_ends(dt_ms=0, pending=2)
    m.slice_ends(dt_ms=300, pending=2)
    assert m.inst.lagging and not m.inst.synced
    for p in (99.0, 101.0, 102.0):
        m.venue_update(price=p, qty=1.0, dt_ms=1)
    assert m.feed.shed_frames == 3
    m.slice_ends(dt_ms=400, pending=0)
    m.slice_ends(dt_ms=400, pending=0)
    assert not m.inst.lagging and m.inst.buffering and m.inst.resync_reason.startswith("lagging")
    m.venue_update(price=99.5, qty=1.0, dt_ms=1)  # buffered until the snapshot
    m.rest_snapshot_arrives()
    assert m.inst.synced and m.inst.book.levels() == (m.bids, m.asks)
    m.a_lagging_book_is_never_current()
    m.every_lagging_episode_ends_in_one_resync()
