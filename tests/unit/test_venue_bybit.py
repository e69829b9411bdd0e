"""Bybit v5 ``orderbook``: documented frames, the ``u`` rule, categories, and the wire."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.feed import Action, Feed
from adapters.instruments import Canonical, InstrumentMap, UnknownSymbol
from adapters.model import (
    STATUSES,
    BookDelta,
    BookSnapshot,
    FeedStatus,
    Heartbeat,
    ParseError,
    Reply,
    Trade,
)
from adapters.simulator.market import SimBook
from adapters.simulator.venues.bybit import View
from adapters.venue import APPLY, GAP, VenueSettings
from adapters.venues.bybit import Bybit

pytestmark = pytest.mark.usefixtures("book_impl")
"""Every test here runs with the native book and with the pure-Python reference."""

# Verbatim from https://bybit-exchange.github.io/docs/v5/websocket/public/orderbook
# ("Response Example", Snapshot tab), with the page's "..." elisions removed.
DOC_SNAPSHOT = """{
    "topic": "orderbook.50.BTCUSDT",
    "type": "snapshot",
    "ts": 1672304484978,
    "data": {
        "s": "BTCUSDT",
        "b": [
            [
                "16493.50",
                "0.006"
            ],
            [
                "16493.00",
                "0.100"
            ]
        ],
        "a": [
            [
                "16611.00",
                "0.029"
            ],
            [
                "16612.00",
                "0.213"
            ]
        ],
    "u": 18521288,
    "seq": 7961638724
    },
    "cts": 1672304484976
}"""

# From https://bybit-exchange.github.io/docs/v5/ws/connect, whitespace collapsed: "Pong
# message example of public channels" (Spot, Linear/Inverse, Option/Spread tabs) and "Topic
# subscription response message example" (Public Spot, Linear/Inverse, Option/Spread tabs).
DOC_PONG_SPOT = (
    '{"success": true, "ret_msg": "pong", "conn_id": "0970e817-426e-429a-a679-ff7f55e0b16a", '
    '"op": "ping"}'
)
DOC_PONG_LINEAR = (
    '{"success": true, "ret_msg": "pong", "conn_id": "465772b1-7630-4fdc-a492-e003e6f0f260", '
    '"req_id": "", "op": "ping"}'
)
DOC_PONG_OPTION = '{"args": ["1672916271846"], "op": "pong"}'
DOC_ACK_SPOT = (
    '{"success": true, "ret_msg": "subscribe", "conn_id": "2324d924-aa4d-45b0-a858-7b8be29ab52b", '
    '"req_id": "10001", "op": "subscribe"}'
)
DOC_ACK_LINEAR = (
    '{"success": true, "ret_msg": "", "conn_id": "3cd84cb1-4d06-4a05-930a-2efe5fc70f0f", '
    '"req_id": "", "op": "subscribe"}'
)
DOC_ACK_OPTION = (
    '{"success": true, "conn_id": "aa01fbfffe80af37-00000001-000b37b9-7147f432704fd28c-00e1c172", '
    '"data": {"failTopics": [], "successTopics": ["orderbook.100.BTC-6JAN23-18000-C"]}, '
    '"type": "COMMAND_RESP"}'
)


def frame(kind: str, u: int, bids: list[list[str]], asks: list[list[str]]) -> str:
    msg = {
        "topic": "orderbook.50.BTCUSDT",
        "type": kind,
        "ts": 1672304485000 + u,
        "data": {"s": "BTCUSDT", "b": bids, "a": asks, "u": u, "seq": 7961638724 + u},
        "cts": 1672304484999 + u,
    }
    return msgspec.json.encode(msg).decode()


def make(**options: str) -> tuple[Bybit, Feed, list[object]]:
    venue = Bybit(VenueSettings(symbols=["BTCUSDT"], options=options))
    events: list[object] = []
    feed = Feed(venue, events.append)
    feed.start_connection("c1", ["BTCUSDT"], 0, 0)
    return venue, feed, events


# -- the documented frames and the book rules -------------------------------------------------


def test_documented_snapshot_loads_the_book() -> None:
    venue, feed, _ = make()
    (snap,) = venue.new_session("c1").parse(DOC_SNAPSHOT.encode(), 5, 6)
    assert isinstance(snap, BookSnapshot)
    assert snap.venue == "bybit" and snap.symbol == "BTCUSDT" and snap.seq == 18521288
    assert snap.exch_ns == 1672304484978 * 1_000_000
    assert snap.bids == [(16493.5, 0.006), (16493.0, 0.1)]
    assert snap.asks == [(16611.0, 0.029), (16612.0, 0.213)]
    feed.on_frame(venue.new_session("c1"), DOC_SNAPSHOT, 5, 6)
    st_ = feed.instruments["BTCUSDT"]
    assert st_.synced and st_.last_seq == 18521288
    assert st_.book.best_bid() == 16493.5 and st_.book.best_ask() == 16611.0


def test_deltas_apply_in_sequence_and_size_zero_deletes() -> None:
    venue, feed, _ = make()
    s = venue.new_session("c1")
    feed.on_frame(s, DOC_SNAPSHOT, 1, 1)
    feed.on_frame(s, frame("delta", 18521289, [["16493.50", "0"]], [["16611.00", "0.5"]]), 2, 2)
    feed.on_frame(s, frame("delta", 18521290, [["16494.00", "1.25"]], []), 3, 3)
    st_ = feed.instruments["BTCUSDT"]
    assert st_.synced and st_.updates == 2 and st_.last_seq == 18521290 and st_.gaps == 0
    assert st_.book.levels() == ({16494.0: 1.25, 16493.0: 0.1}, {16611.0: 0.5, 16612.0: 0.213})


def test_a_skipped_u_is_a_gap_and_resubscribes_the_topic() -> None:
    venue, feed, events = make()
    s = venue.new_session("c1")
    feed.on_frame(s, DOC_SNAPSHOT, 1, 1)
    feed.on_frame(s, frame("delta", 18521290, [["16494.00", "1"]], []), 2, 2)
    st_ = feed.instruments["BTCUSDT"]
    assert st_.gaps == 1 and not st_.synced and not st_.book.levels()[0]
    (action,) = feed.take_actions()
    assert action.kind == Action.RESUBSCRIBE and "sequence gap" in action.reason
    unsub, sub = (msgspec.json.decode(f) for f in venue.resubscribe_frames("BTCUSDT"))
    assert unsub == {"op": "unsubscribe", "args": ["orderbook.50.BTCUSDT"]}
    assert sub == {"op": "subscribe", "args": ["orderbook.50.BTCUSDT"]}
    assert any(isinstance(e, FeedStatus) and e.status == "gap" for e in events)


def test_sequence_rule() -> None:
    venue = Bybit(VenueSettings(symbols=["BTCUSDT"]))

    def delta(u: int) -> BookDelta:
        return BookDelta("bybit", "BTCUSDT", 0, 0, 0, [], [], u)

    assert venue.sequence(100, True, delta(101)) == APPLY
    assert venue.sequence(100, False, delta(101)) == APPLY
    assert venue.sequence(100, False, delta(102)) == GAP
    assert venue.sequence(100, False, delta(100)) == GAP  # a repeat is not a continuation
    assert venue.sequence(100, False, delta(1)) == GAP  # a restart must come as a snapshot


def test_a_new_snapshot_overwrites_and_u1_is_reported_as_a_restart() -> None:
    venue, feed, events = make()
    s = venue.new_session("c1")
    feed.on_frame(s, DOC_SNAPSHOT, 1, 1)
    restart = frame("snapshot", 1, [["16500.00", "2"]], [["16501.00", "3"]])
    (notice, snap) = s.parse(restart, 2, 2)
    assert isinstance(notice, FeedStatus) and notice.status == "reset"
    assert notice.symbol == "BTCUSDT" and "u=1" in notice.reason
    assert isinstance(snap, BookSnapshot) and snap.seq == 1
    feed.on_frame(s, restart, 2, 2)
    st_ = feed.instruments["BTCUSDT"]
    assert st_.book.levels() == ({16500.0: 2.0}, {16501.0: 3.0}) and st_.last_seq == 1
    feed.on_frame(s, frame("delta", 2, [["16499.00", "1"]], []), 3, 3)
    assert st_.synced and st_.last_seq == 2 and st_.gaps == 0 and st_.resyncs == 0
    assert [e for e in events if isinstance(e, FeedStatus) and e.status == "reset"]
    # An ordinary snapshot mid-stream replaces the book silently.
    assert len(s.parse(frame("snapshot", 77, [], []), 4, 4)) == 1


def test_the_venue_keeps_the_depth_so_nothing_is_truncated_locally() -> None:
    venue, feed, _ = make()
    assert not venue.truncate_to_depth and feed.truncate == 0
    s = venue.new_session("c1")
    bids = [[f"{16000 + i}.00", "1"] for i in range(60)]
    feed.on_frame(s, frame("snapshot", 10, bids, [["17000.00", "1"]]), 1, 1)
    assert len(feed.instruments["BTCUSDT"].book.bids) == 60


# -- control frames ------------------------------------------------------------------------------


def test_documented_pongs_are_heartbeats() -> None:
    s = Bybit(VenueSettings(symbols=["BTCUSDT"])).new_session("c1")
    for pong in (DOC_PONG_SPOT, DOC_PONG_LINEAR):
        (hb,) = s.parse(pong, 1, 2)
        assert isinstance(hb, Heartbeat) and hb.conn == "c1" and hb.exch_ns == 0
    (hb,) = s.parse(DOC_PONG_OPTION, 1, 2)
    assert isinstance(hb, Heartbeat) and hb.exch_ns == 1672916271846 * 1_000_000


def test_documented_acks_and_refusals() -> None:
    s = Bybit(VenueSettings(symbols=["BTCUSDT"])).new_session("c1")
    for ack in (DOC_ACK_SPOT, DOC_ACK_LINEAR, DOC_ACK_OPTION):
        (ev,) = s.parse(ack, 1, 1)
        assert isinstance(ev, FeedStatus) and ev.status == "subscribed"
    refused = (
        '{"success":false,"ret_msg":"Invalid symbol :[orderbook.50.NOPEUSDT]",'
        '"conn_id":"x","req_id":"","op":"subscribe"}'
    )
    (err,) = s.parse(refused, 1, 1)
    assert isinstance(err, ParseError) and err.symbol == "NOPEUSDT"
    assert "subscribe refused" in err.reason and "Invalid symbol" in err.reason
    option_refused = (
        '{"success":true,"conn_id":"x","data":{"failTopics":["orderbook.25.BTC-6JAN23-1-C"],'
        '"successTopics":[]},"type":"COMMAND_RESP"}'
    )
    (err,) = s.parse(option_refused, 1, 1)
    assert isinstance(err, ParseError) and err.symbol == "BTC-6JAN23-1-C"
    unsub = '{"success":true,"ret_msg":"","conn_id":"x","req_id":"","op":"unsubscribe"}'
    assert isinstance(s.parse(unsub, 1, 1)[0], Heartbeat)


def test_other_topics_are_ignored_and_bad_book_frames_name_their_symbol() -> None:
    s = Bybit(VenueSettings(symbols=["BTCUSDT"])).new_session("c1")
    trade = '{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[]}'
    assert s.parse(trade, 1, 1) == ()
    mangled = '{"topic":"orderbook.50.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","b":{}}}'
    (err,) = s.parse(mangled, 1, 1)
    assert isinstance(err, ParseError) and err.symbol == "BTCUSDT"
    (err,) = s.parse(frame("partial", 5, [], []), 1, 1)
    assert isinstance(err, ParseError) and "partial" in err.reason
    (err,) = s.parse(b"<html>502</html>", 1, 1)
    assert isinstance(err, ParseError) and "malformed JSON" in err.reason


# -- settings, subscriptions, instruments ---------------------------------------------------------


def test_category_chooses_url_and_depth() -> None:
    assert Bybit(VenueSettings(symbols=[])).url == "wss://stream.bybit.com/v5/public/spot"
    linear = Bybit(VenueSettings(symbols=[], options={"category": "linear"}))
    assert linear.url == "wss://stream.bybit.com/v5/public/linear" and linear.depth == 50
    option = Bybit(VenueSettings(symbols=[], options={"category": "option"}))
    assert option.url.endswith("/v5/public/option") and option.depth == 25
    custom = Bybit(VenueSettings(symbols=[], url="ws://127.0.0.1:1/x", depth=200))
    assert custom.url == "ws://127.0.0.1:1/x" and custom.topic("BTCUSDT") == "orderbook.200.BTCUSDT"
    with pytest.raises(ValueError, match="category"):
        Bybit(VenueSettings(symbols=[], options={"category": "futures"}))
    with pytest.raises(ValueError, match="depth 25"):
        Bybit(VenueSettings(symbols=[], depth=25))


def test_subscriptions_keep_to_ten_args_per_request_and_ping() -> None:
    symbols = [f"C{i}USDT" for i in range(23)]
    venue = Bybit(VenueSettings(symbols=symbols))
    frames = [msgspec.json.decode(f) for f in venue.subscribe_frames(symbols)]
    assert [len(f["args"]) for f in frames] == [10, 10, 3]
    assert frames[0] == {"op": "subscribe", "args": [f"orderbook.50.C{i}USDT" for i in range(10)]}
    assert venue.keepalive_frame() == '{"op":"ping"}' and venue.keepalive_interval_s == 20.0
    assert venue.silence_timeout_s > venue.keepalive_interval_s


@pytest.mark.parametrize(
    ("category", "symbol", "expected"),
    [
        ("spot", "BTCUSDT", Canonical("BTC", "USDT")),
        ("spot", "ETHBTC", Canonical("ETH", "BTC")),
        ("linear", "BTCUSDT", Canonical("BTC", "USDT", "perp")),
        ("linear", "ETHUSDC", Canonical("ETH", "USDC", "perp")),
        ("linear", "BTCPERP", Canonical("BTC", "USDC", "perp")),
        ("linear", "BTC-27DEC24", Canonical("BTC", "USDC", "future", "20241227")),
        ("linear", "BTCUSDT-26SEP25", Canonical("BTC", "USDT", "future", "20250926")),
        ("inverse", "BTCUSD", Canonical("BTC", "USD", "perp")),
        ("inverse", "BTCUSDZ26", Canonical("BTC", "USD", "future", "20261225")),
        ("inverse", "ETHUSDZ22", Canonical("ETH", "USD", "future", "20221230")),
        (
            "option",
            "BTC-27DEC24-60000-C",
            Canonical("BTC", "USDC", "option", "20241227", "60000", "C"),
        ),
        (
            "option",
            "ETH-3JAN25-3500-P-USDT",
            Canonical("ETH", "USDT", "option", "20250103", "3500", "P"),
        ),
    ],
)
def test_canonical(category: str, symbol: str, expected: Canonical) -> None:
    venue = Bybit(VenueSettings(symbols=[], options={"category": category}))
    assert venue.canonical(symbol) == expected


def test_canonical_names_across_categories() -> None:
    spot = Bybit(VenueSettings(symbols=[]))
    linear = Bybit(VenueSettings(symbols=[], options={"category": "linear"}))
    names = InstrumentMap()
    assert names.resolve("bybit", "BTCUSDT", spot.canonical("BTCUSDT")) == ("BTC-USD", "spot")
    assert names.resolve("bybit-linear", "BTCUSDT", linear.canonical("BTCUSDT")) == (
        "BTC-USD-PERP",
        "perp",
    )
    assert names.resolve("bybit-linear", "BTC-27DEC24", linear.canonical("BTC-27DEC24")) == (
        "BTC-USD-20241227",
        "future",
    )
    for bad in ("BTC-32DEC24", "BTC-27DEC24-1-X"):
        with pytest.raises(UnknownSymbol):
            Bybit(VenueSettings(symbols=[], options={"category": "option"})).canonical(bad)
    with pytest.raises(UnknownSymbol):
        Bybit(VenueSettings(symbols=[], options={"category": "inverse"})).canonical("BTCUSDQ2X")


# -- the simulator's published view ----------------------------------------------------------------


def test_sim_view_deletes_levels_pushed_out_of_the_top_n() -> None:
    book = SimBook("BTCUSDT", "BTC-USD", 2, 6, depth=80)
    book.seed_levels(65000.0)
    view = View(book, 50, 41)
    fiftieth = min(view.bids)
    assert fiftieth in book.bids  # still in the venue's book, only outside the view
    best = max(book.bids) + 1
    book.bids[best] = 7
    diff = view.refresh(book)
    assert diff is not None and view.u == 42
    assert (best, 7) in diff[0] and (fiftieth, 0) in diff[0] and not diff[1]
    assert len(view.bids) == 50 and fiftieth in book.bids
    del book.bids[best]
    diff = view.refresh(book)
    assert diff is not None and (best, 0) in diff[0] and (fiftieth, book.bids[fiftieth]) in diff[0]
    book.bids[min(book.bids) - 1] = 5  # deep in the book: no message, no new u
    assert view.refresh(book) is None and view.u == 43


# -- over loopback websockets ---------------------------------------------------------------


# -- the parser never raises ----------------------------------------------------------------

MODEL = (BookSnapshot, BookDelta, FeedStatus, ParseError, Heartbeat, Reply, Trade)
SESSION = Bybit(VenueSettings(symbols=["BTCUSDT"])).new_session("c1")

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
levels = st.lists(
    st.lists(
        st.sampled_from(["16493.50", "0", "0.006", "", "x", "1e999", "-1"]) | json_values,
        max_size=3,
    ),
    max_size=4,
)
book_like = st.fixed_dictionaries(
    {
        "topic": st.sampled_from(["orderbook.50.BTCUSDT", "publicTrade.BTCUSDT", ""]) | st.text(),
        "type": st.sampled_from(["snapshot", "delta", "COMMAND_RESP"]) | st.text(),
        "data": st.fixed_dictionaries(
            {
                "s": st.just("BTCUSDT") | json_values,
                "b": levels,
                "a": levels,
                "u": st.integers() | json_values,
            },
            optional={"seq": st.integers()},
        )
        | json_values,
    },
    optional={"ts": st.integers() | json_values, "cts": json_values},
)
control_like = st.fixed_dictionaries(
    {},
    optional={
        "op": st.sampled_from(["ping", "pong", "subscribe", "unsubscribe"]) | json_values,
        "success": json_values,
        "ret_msg": st.sampled_from(["pong", "Invalid symbol :[orderbook.50.X]"]) | json_values,
        "args": json_values,
        "type": st.just("COMMAND_RESP") | json_values,
        "data": st.fixed_dictionaries({"failTopics": json_values}) | json_values,
    },
)


def _check(events: object) -> None:
    assert isinstance(events, tuple | list)
    for ev in events:
        assert isinstance(ev, MODEL)
        if isinstance(ev, FeedStatus):
            assert ev.status in STATUSES


# Parse only (no book is touched): one book implementation, not both.
@pytest.mark.parametrize("book_impl", ["native"], indirect=True)
@given(book_like | control_like)
def test_book_and_control_shaped_frames_never_raise(value: object) -> None:
    raw = msgspec.json.encode(value)
    _check(SESSION.parse(raw, 1, 1))
    _check(SESSION.parse(raw.decode(), 1, 1))
