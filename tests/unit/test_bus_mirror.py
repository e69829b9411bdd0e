"""The engine's mirror of a collector: exact books, and never a silently wrong one.

A reference feed receives every frame the collector's adapters received; the
mirror receives what the bus delivered (messages lost, redelivered, a
collector restarted or gone silent). Whatever happens, a book the mirror calls
synced is exactly the reference book, and every loss is counted as a gap.
"""

from __future__ import annotations

import msgspec
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from adapters.capture import Line
from adapters.feed import Feed
from adapters.model import Event, FeedStatus
from adapters.venue import Session, VenueSettings
from adapters.venues.bybit import Bybit
from tui.bus.frames import CollectorHealth, FeedMessage, RawFrame, feed_decoder, feed_encoder
from tui.bus.mirror import Mirror

SYMBOL = "BTCUSDT"
SETTINGS: dict[str, object] = {"symbols": [SYMBOL], "adapter": "bybit"}


def book_frame(kind: str, u: int, bids: list[list[str]], asks: list[list[str]]) -> str:
    msg = {
        "topic": f"orderbook.50.{SYMBOL}",
        "type": kind,
        "ts": 1_672_304_485_000 + u,
        "data": {"s": SYMBOL, "b": bids, "a": asks, "u": u, "seq": u},
        "cts": 1_672_304_484_999 + u,
    }
    return msgspec.json.encode(msg).decode()


levels = st.lists(
    st.tuples(st.integers(0, 9), st.sampled_from(["0", "1", "2.5"])),
    max_size=4,
    unique_by=lambda x: x[0],
)


class Clock:
    def __init__(self) -> None:
        self.mono = 1_000_000_000_000
        self.wall = 1_700_000_000_000_000_000

    def advance(self, s: float) -> None:
        self.mono += int(s * 1e9)
        self.wall += int(s * 1e9)


class MirrorMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.clock = Clock()
        self.events: list[Event] = []
        self.mirror = Mirror(
            self.events.append, clock=lambda: self.clock.mono, wall=lambda: self.clock.wall
        )
        self.runs = 0
        self.delivered: list[bytes] = []
        self.seen: tuple[bool, object, int] = (False, None, -1)
        self.drop_next = False
        self.gaps_expected = 0
        self._new_run()

    def _new_run(self) -> None:
        self.runs += 1
        self.run = f"run{self.runs}"
        self.seq = 0
        self.conn_n = 0
        self.conn = ""
        self.u = 0
        self.ref = Feed(Bybit(VenueSettings(symbols=[SYMBOL])))
        self.session: Session | None = None
        self._send_health()

    def _send(self, msg: FeedMessage) -> None:
        payload = feed_encoder.encode(msg)
        if self.drop_next:
            self.drop_next = False
            self.gaps_expected += 1
            return
        self.delivered.append(payload)
        self.mirror.apply(feed_decoder.decode(payload))
        # A loss is only knowable when the next message arrives: until then the
        # mirror may lag the collector, but must match what it was delivered.
        ref = self.ref.instruments[SYMBOL]
        self.seen = (ref.synced, ref.book.levels(), ref.last_seq)

    def _send_health(self) -> None:
        self.seq += 1
        self._send(
            CollectorHealth(
                "tokyo",
                self.run,
                self.seq,
                self.clock.wall,
                {"bybit": SETTINGS},
                True,
                0.0,
                0,
                0,
                0,
                self.seq,
            )
        )

    def _line(self, line: Line) -> None:
        self.seq += 1
        self._send(RawFrame("tokyo", self.run, self.seq, line))

    @rule()
    def connect(self) -> None:
        self.conn_n += 1
        self.conn = f"bybit-1#{self.conn_n}"
        ts = self.clock.wall
        self.session = self.ref.venue.new_session(self.conn)
        self.ref.start_connection(self.conn, [SYMBOL], ts, ts)
        self._line(
            Line(ts, "bybit", self.conn, event="connect", symbols=[SYMBOL], settings=SETTINGS)
        )

    def _frame(self, text: str) -> None:
        assert self.session is not None
        self.clock.advance(0.01)
        ts = self.clock.wall
        self.ref.on_frame(self.session, text, ts, ts)
        self.ref.take_actions()
        self.ref.outbox.clear()
        self._line(Line(ts, "bybit", self.conn, raw=text))

    @precondition(lambda self: self.conn)
    @rule(bids=levels, asks=levels)
    def snapshot(self, bids: list[tuple[int, str]], asks: list[tuple[int, str]]) -> None:
        self.u += 1
        self._frame(
            book_frame(
                "snapshot",
                self.u,
                [[f"{90 + p}", q] for p, q in bids if q != "0"],
                [[f"{101 + p}", q] for p, q in asks if q != "0"],
            )
        )

    @precondition(lambda self: self.conn)
    @rule(bids=levels, asks=levels)
    def delta(self, bids: list[tuple[int, str]], asks: list[tuple[int, str]]) -> None:
        self.u += 1
        self._frame(
            book_frame(
                "delta",
                self.u,
                [[f"{90 + p}", q] for p, q in bids],
                [[f"{101 + p}", q] for p, q in asks],
            )
        )

    @rule()
    def lose_the_next_message(self) -> None:
        self.drop_next = True

    @precondition(lambda self: self.delivered)
    @rule(data=st.data())
    def redeliver(self, data: st.DataObject) -> None:
        payload = data.draw(st.sampled_from(self.delivered[-5:]))
        self.mirror.apply(feed_decoder.decode(payload))

    @rule()
    def health(self) -> None:
        self.clock.advance(1.0)
        self._send_health()
        self.mirror.check()

    @rule()
    def collector_restarts(self) -> None:
        self.drop_next = False
        self._new_run()

    @rule()
    def collector_goes_silent(self) -> None:
        self.clock.advance(4.0)
        self.mirror.check()
        self.seq_silent = True

    @invariant()
    def a_synced_book_is_the_reference_book(self) -> None:
        feed = self.mirror.feeds.get("bybit")
        if feed is None:
            return
        mine = feed.instruments[SYMBOL]
        if mine.synced:
            synced, levels, last_seq = self.seen
            assert synced
            assert mine.book.levels() == levels
            assert mine.last_seq == last_seq

    @invariant()
    def every_resync_request_names_a_known_collector(self) -> None:
        assert self.mirror.needs_resync <= {"tokyo"}


TestMirror = MirrorMachine.TestCase
TestMirror.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)


def test_a_lost_message_is_a_gap_that_discards_the_book_and_asks_for_a_resync() -> None:
    m = MirrorMachine()
    m.setup()
    m.connect()
    m.snapshot([(1, "1")], [(1, "1")])
    feed = m.mirror.feeds["bybit"]
    assert feed.instruments[SYMBOL].synced
    m.lose_the_next_message()
    m.delta([(2, "1")], [])
    m.delta([(3, "1")], [])
    st_ = feed.instruments[SYMBOL]
    assert not st_.synced and st_.gaps == 1
    assert m.mirror.needs_resync == {"tokyo"}
    gaps = [e for e in m.events if isinstance(e, FeedStatus) and e.status == "gap"]
    assert len(gaps) == 1 and "1 message(s) from collector tokyo lost" in gaps[0].reason


def test_a_restart_without_a_clean_stop_is_a_gap_but_needs_no_resync_request() -> None:
    m = MirrorMachine()
    m.setup()
    m.connect()
    m.snapshot([(1, "1")], [(1, "1")])
    m.collector_restarts()
    st_ = m.mirror.feeds["bybit"].instruments[SYMBOL]
    assert not st_.synced and st_.gaps == 1
    assert m.mirror.needs_resync == set()
    assert m.mirror.collectors["tokyo"].gaps == 1


def test_a_silent_collector_is_lost_and_its_venue_disconnected() -> None:
    m = MirrorMachine()
    m.setup()
    m.connect()
    m.snapshot([(1, "1")], [(1, "1")])
    m.collector_goes_silent()
    st_ = m.mirror.feeds["bybit"].instruments[SYMBOL]
    assert not st_.synced
    assert m.mirror.collectors["tokyo"].lost
    downs = [e for e in m.events if isinstance(e, FeedStatus) and e.status == "disconnected"]
    assert downs and "silent for 4.0s" in downs[-1].reason


def test_redelivered_messages_are_applied_once() -> None:
    m = MirrorMachine()
    m.setup()
    m.connect()
    m.snapshot([(1, "1")], [(1, "1")])
    m.delta([(2, "1")], [])
    before = m.mirror.feeds["bybit"].instruments[SYMBOL].updates
    for payload in m.delivered:
        m.mirror.apply(feed_decoder.decode(payload))
    st_ = m.mirror.feeds["bybit"].instruments[SYMBOL]
    assert st_.updates == before and st_.synced and st_.gaps == 0


def test_an_engine_behind_its_stream_does_not_call_a_collector_lost() -> None:
    m = MirrorMachine()
    m.setup()
    m.connect()
    m.snapshot([(1, "1")], [(1, "1")])
    m.mirror.backlog = 5000  # the collector's recent messages are still queued
    m.collector_goes_silent()
    assert not m.mirror.collectors["tokyo"].lost
    assert m.mirror.feeds["bybit"].instruments[SYMBOL].synced
    m.mirror.backlog = 0
    m.mirror.check()
    assert m.mirror.collectors["tokyo"].lost


def test_a_collector_publishing_late_is_named_on_its_venues_timeline_and_when_it_recovers() -> None:
    m = MirrorMachine()
    m.setup()

    def health(lag_ms: float) -> None:
        m.seq += 1
        m._send(
            CollectorHealth(
                "tokyo", m.run, m.seq, m.clock.wall, {"bybit": SETTINGS}, True, lag_ms, 0, 0, 0, 0
            )
        )

    health(50.0)
    health(2500.0)
    health(2600.0)  # still late: said once
    health(40.0)
    notes = [e for e in m.events if isinstance(e, FeedStatus) and e.status == "venue_notice"]
    assert [n.reason for n in notes] == [
        "collector tokyo publishing late: lag 2.5s",
        "collector tokyo publishing back on time: lag 0.0s",
    ]
    assert all(n.venue == "bybit" and n.conn == "collector:tokyo" for n in notes)
