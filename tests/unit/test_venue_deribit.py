"""Deribit: the documented JSON-RPC messages, the change_id rule, heartbeats, instruments."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.feed import Action, Feed
from adapters.instruments import Canonical, UnknownSymbol
from adapters.model import (
    BookDelta,
    BookSnapshot,
    FeedStatus,
    Heartbeat,
    ParseError,
    Reply,
    Trade,
)
from adapters.simulator.catalogue import DEFAULT_VENUES
from adapters.venue import VenueSettings
from adapters.venues.deribit import Deribit

# Verbatim from Deribit's API reference (docs.deribit.com), "public/set_heartbeat":
# the request and its response.
DOC_SET_HEARTBEAT = """{
  "jsonrpc": "2.0",
  "id": 9098,
  "method": "public/set_heartbeat",
  "params": {
    "interval": 30
  }
}"""
DOC_SET_HEARTBEAT_OK = '{\n  "jsonrpc": "2.0",\n  "id": 1569,\n  "result": "ok"\n}'
# Verbatim from "public/test": the response.
DOC_TEST_RESULT = (
    '{\n  "jsonrpc": "2.0",\n  "id": 8212,\n  "result": {\n    "version": "1.2.26"\n  }\n}'
)

pytestmark = pytest.mark.usefixtures("book_impl")
"""Every test here runs with the native book and with the pure-Python reference."""
# Verbatim from "private/subscribe" (the same method as public/subscribe): the response.
DOC_SUBSCRIBE_RESULT = """{
  "jsonrpc": "2.0",
  "id": 4235,
  "result": [
    "deribit_price_index.btc_usd"
  ]
}"""
# Verbatim from the "Notifications" article: a notification of a channel that is not a book.
DOC_NOTIFICATION = """{
    "jsonrpc": "2.0",
    "method": "subscription",
    "params": {
        "channel": "deribit_price_index.btc_usd",
        "data": {
            "timestamp": 1535098298227,
            "price": 6521.17,
            "index_name": "btc_usd"
        }
    }
}"""
# As received from www.deribit.com when a raw book is asked for without authentication
# (recorded in cryptofeed issue #768).
RAW_REFUSED = (
    '{"jsonrpc":"2.0","id":"cryptofeed","error":{"message":'
    '"raw_subscriptions_not_available_for_unauthorized","code":13778},'
    '"usIn":1642494034550822,"usOut":1642494034551046,"usDiff":224,"testnet":false}'
)
TEST_REQUEST = '{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}'
HEARTBEAT = '{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"heartbeat"}}'
PERP = "BTC-PERPETUAL"


def book(
    kind: str,
    change_id: int,
    bids: list[list[object]],
    asks: list[list[object]],
    prev: int | None = None,
    symbol: str = PERP,
) -> str:
    """A book notification in the documented shape (numbers as JSON numbers)."""
    data: dict[str, object] = {
        "type": kind,
        "timestamp": 1700000000123,
        "instrument_name": symbol,
        "change_id": change_id,
        "bids": bids,
        "asks": asks,
    }
    if prev is not None:
        data["prev_change_id"] = prev
    msg = {
        "jsonrpc": "2.0",
        "method": "subscription",
        "params": {"channel": f"book.{symbol}.100ms", "data": data},
    }
    return msgspec.json.encode(msg).decode()


SNAPSHOT = book(
    "snapshot",
    297217,
    [["new", 5042.34, 30], ["new", 5041.94, 20]],
    [["new", 5042.64, 40], ["new", 5043.3, 40]],
)


def make(symbols: list[str] | None = None, **kw: object) -> tuple[Deribit, Feed, list[object]]:
    symbols = symbols or [PERP]
    venue = Deribit(msgspec.convert({"symbols": symbols, **kw}, VenueSettings))
    events: list[object] = []
    feed = Feed(venue, events.append)
    feed.start_connection("c1", symbols, 0, 0)
    return venue, feed, events


# -- requests and answers -------------------------------------------------------------


def test_subscribe_frames_set_the_heartbeat_then_subscribe_to_100ms_books() -> None:
    venue = Deribit(VenueSettings(symbols=[PERP, "BTC-27DEC24"]))
    hb, sub = (msgspec.json.decode(f) for f in venue.subscribe_frames([PERP, "BTC-27DEC24"]))
    doc = msgspec.json.decode(DOC_SET_HEARTBEAT)
    assert {k: v for k, v in hb.items() if k != "id"} == {k: v for k, v in doc.items() if k != "id"}
    assert sub["method"] == "public/subscribe" and sub["jsonrpc"] == "2.0"
    assert sub["params"] == {"channels": ["book.BTC-PERPETUAL.100ms", "book.BTC-27DEC24.100ms"]}
    assert isinstance(sub["id"], int) and sub["id"] != hb["id"]
    assert venue.url == "wss://www.deribit.com/ws/api/v2"
    # Heartbeats can be switched off, and the interval chosen.
    off = Deribit(VenueSettings(symbols=[PERP], options={"heartbeat_interval": "0"}))
    assert [msgspec.json.decode(f)["method"] for f in off.subscribe_frames([PERP])] == [
        "public/subscribe"
    ]
    ten = Deribit(VenueSettings(symbols=[PERP], options={"heartbeat_interval": "10"}))
    assert msgspec.json.decode(ten.subscribe_frames([PERP])[0])["params"] == {"interval": 10}


def test_silence_timeout_follows_the_heartbeat_interval_unless_configured() -> None:
    assert Deribit(VenueSettings(symbols=[PERP])).silence_timeout_s == 45.0
    assert Deribit(VenueSettings(symbols=[PERP], silence_timeout_s=3.0)).silence_timeout_s == 3.0
    with pytest.raises(ValueError, match="heartbeat_interval"):
        Deribit(VenueSettings(symbols=[PERP], options={"heartbeat_interval": "half a minute"}))


def test_documented_answers_are_proof_of_life_not_errors() -> None:
    s = Deribit(VenueSettings(symbols=[PERP])).new_session("c1")
    for doc in (DOC_SET_HEARTBEAT_OK, DOC_TEST_RESULT, DOC_SUBSCRIBE_RESULT):
        (ev,) = s.parse(doc, 1, 2)
        assert isinstance(ev, Heartbeat) and (ev.recv_ns, ev.recv_mono) == (1, 2)
    # Another channel's notification is not ours to read, and not an error either.
    assert s.parse(DOC_NOTIFICATION, 1, 2) == ()


def test_subscribe_result_is_checked_against_what_was_asked() -> None:
    venue = Deribit(
        VenueSettings(symbols=[PERP, "BTC-1JAN20"], options={"heartbeat_interval": "0"})
    )
    (frame,) = venue.subscribe_frames([PERP, "BTC-1JAN20"])
    rid = msgspec.json.decode(frame)["id"]
    # Deribit leaves a channel it will not serve out of the result instead of refusing it.
    answer = f'{{"jsonrpc":"2.0","id":{rid},"result":["book.BTC-PERPETUAL.100ms"]}}'
    ok, refused = venue.new_session("c1").parse(answer, 1, 1)
    assert isinstance(ok, FeedStatus) and ok.status == "subscribed" and ok.symbol == PERP
    assert isinstance(refused, ParseError) and refused.symbol == "BTC-1JAN20"
    assert "subscription refused" in refused.reason
    assert not venue.pending


def test_venue_errors_name_the_request_they_answer() -> None:
    venue = Deribit(VenueSettings(symbols=[PERP]))
    s = venue.new_session("c1")
    (err,) = s.parse(RAW_REFUSED, 1, 1)
    assert isinstance(err, ParseError)
    assert "13778" in err.reason and "raw_subscriptions_not_available" in err.reason
    unsub, _ = venue.resubscribe_frames(PERP)
    rid = msgspec.json.decode(unsub)["id"]
    answer = (
        f'{{"jsonrpc":"2.0","id":{rid},"error":{{"message":"Invalid params",'
        f'"data":{{"reason":"wrong format","param":"channels"}},"code":-32602}}}}'
    )
    (err,) = s.parse(answer, 1, 1)
    assert isinstance(err, ParseError) and err.symbol == PERP
    assert "-32602 Invalid params" in err.reason and "public/unsubscribe" in err.reason
    assert "wrong format" in err.reason


# -- books and the change_id rule -------------------------------------------------------------


def test_snapshot_and_change_parse_to_typed_events() -> None:
    s = Deribit(VenueSettings(symbols=[PERP])).new_session("c1")
    (snap,) = s.parse(SNAPSHOT.encode(), 5, 6)
    assert isinstance(snap, BookSnapshot)
    assert (snap.symbol, snap.seq, snap.exch_ns) == (PERP, 297217, 1700000000123 * 1_000_000)
    assert snap.bids == [(5042.34, 30.0), (5041.94, 20.0)]
    assert snap.asks == [(5042.64, 40.0), (5043.3, 40.0)]
    change = book(
        "change",
        297218,
        [["delete", 5041.94, 0], ["change", 5042.34, 10]],
        [["new", 5042.5, 7.5]],
        prev=297217,
    )
    (d,) = s.parse(change, 7, 8)
    assert isinstance(d, BookDelta)
    assert (d.seq, d.prev_seq) == (297218, 297217)
    assert d.bids == [(5041.94, 0.0), (5042.34, 10.0)] and d.asks == [(5042.5, 7.5)]


def test_delete_removes_the_level_whatever_amount_it_carries() -> None:
    _, feed, _ = make()
    s = feed.venue.new_session("c1")
    feed.on_frame(s, SNAPSHOT, 1, 1)
    feed.on_frame(s, book("change", 297300, [["delete", 5041.94, 20]], [], prev=297217), 2, 2)
    st = feed.instruments[PERP]
    assert st.synced and st.updates == 1
    assert st.book.levels() == ({5042.34: 30.0}, {5042.64: 40.0, 5043.3: 40.0})


def test_a_broken_change_id_chain_resubscribes_for_a_new_snapshot() -> None:
    venue, feed, events = make()
    s = venue.new_session("c1")
    feed.on_frame(s, SNAPSHOT, 1, 1)
    # Ids rise in uneven steps: only the chain matters.
    feed.on_frame(s, book("change", 297290, [["new", 5042.0, 5]], [], prev=297217), 2, 2)
    feed.on_frame(s, book("change", 297311, [], [["change", 5042.64, 1]], prev=297290), 3, 3)
    st = feed.instruments[PERP]
    assert st.synced and st.updates == 2 and st.last_seq == 297311 and st.gaps == 0
    # prev_change_id 297400 is not the last change_id: a notification was lost.
    feed.on_frame(s, book("change", 297420, [["new", 5041.0, 1]], [], prev=297400), 4, 4)
    assert st.gaps == 1 and not st.synced and st.book.empty
    (action,) = feed.take_actions()
    assert action.kind == Action.RESUBSCRIBE and "sequence gap" in action.reason
    unsub, sub = (msgspec.json.decode(f) for f in venue.resubscribe_frames(action.symbol))
    assert unsub["method"] == "public/unsubscribe" and sub["method"] == "public/subscribe"
    assert unsub["params"] == sub["params"] == {"channels": ["book.BTC-PERPETUAL.100ms"]}
    # Changes that were in flight are ignored until the new snapshot arrives.
    feed.on_frame(s, book("change", 297430, [["new", 5040.0, 1]], [], prev=297420), 5, 5)
    assert not st.synced
    feed.on_frame(s, book("snapshot", 297500, [["new", 5040.5, 3]], [["new", 5041.5, 4]]), 6, 6)
    assert st.synced and st.last_seq == 297500
    assert st.book.levels() == ({5040.5: 3.0}, {5041.5: 4.0})
    assert any(isinstance(e, FeedStatus) and e.status == "resync_finished" for e in events)


def test_bad_book_frames_become_parse_errors_for_their_symbol() -> None:
    _, feed, events = make()
    s = feed.venue.new_session("c1")
    wrong = book("change", 2, [], [], prev=1).replace('"bids":[]', '"bids":{"unexpected":0}')
    feed.on_frame(s, wrong, 1, 1)
    feed.on_frame(s, book("bogus", 2, [], []), 2, 2)
    feed.on_frame(s, SNAPSHOT[:60], 3, 3)
    feed.on_frame(s, b"\xff\xfe", 4, 4)
    errors = [e for e in events if isinstance(e, ParseError)]
    assert len(errors) == 4 and feed.parse_errors == 4
    assert errors[0].symbol == PERP and "unexpected message shape" in errors[0].reason
    assert errors[1].symbol == PERP and "bogus" in errors[1].reason
    assert "malformed JSON" in errors[2].reason and errors[2].excerpt.startswith('{"jsonrpc"')
    assert feed.instruments[PERP].parse_errors == 2


# -- heartbeats ---------------------------------------------------------------------------------


def test_test_request_is_answered_with_public_test() -> None:
    venue, feed, _ = make()
    s = venue.new_session("c1")
    reply, beat = s.parse(TEST_REQUEST, 1, 1)
    assert isinstance(reply, Reply) and isinstance(beat, Heartbeat)
    req = msgspec.json.decode(reply.frame)
    assert req["jsonrpc"] == "2.0" and req["method"] == "public/test"
    assert isinstance(req["id"], int)
    # Through the feed the answer lands in the outbox the supervisor sends from.
    feed.on_frame(s, TEST_REQUEST, 2, 2)
    assert [conn for conn, _ in feed.outbox] == ["c1"] and feed.heartbeats == 1


def test_a_plain_heartbeat_needs_no_answer() -> None:
    venue, feed, _ = make()
    s = venue.new_session("c1")
    (beat,) = s.parse(HEARTBEAT, 1, 1)
    assert isinstance(beat, Heartbeat)
    feed.on_frame(s, HEARTBEAT, 2, 2)
    assert feed.outbox == [] and feed.heartbeats == 1


# -- instruments ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "expected"),
    [
        ("BTC-PERPETUAL", Canonical("BTC", "USD", "perp")),
        ("BTC-27DEC24", Canonical("BTC", "USD", "future", "20241227")),
        ("ETH-3JAN25", Canonical("ETH", "USD", "future", "20250103")),
        ("BTC-27DEC24-60000-C", Canonical("BTC", "USD", "option", "20241227", "60000", "C")),
        ("BTC_USDC-PERPETUAL", Canonical("BTC", "USDC", "perp")),
        ("XRP_USDC-27DEC24-0d6-P", Canonical("XRP", "USDC", "option", "20241227", "0.6", "P")),
        ("BTC_USDC", Canonical("BTC", "USDC")),
    ],
)
def test_canonical_instruments(symbol: str, expected: Canonical) -> None:
    assert Deribit(VenueSettings(symbols=[symbol])).canonical(symbol) == expected


def test_canonical_names() -> None:
    venue = Deribit(VenueSettings(symbols=[PERP]))
    assert venue.canonical("BTC-27DEC24-60000-C").name == "BTC-USD-20241227-60000-C"
    assert venue.canonical("BTC-27DEC24").name == "BTC-USD-20241227"
    assert venue.canonical("BTC-PERPETUAL").name == "BTC-USD-PERP"


def test_simulated_instruments_map_to_their_declared_canonical_names() -> None:
    venue = Deribit(VenueSettings(symbols=[PERP]))
    specs = DEFAULT_VENUES["deribit"]
    assert {venue.canonical(i.symbol).kind for i in specs} == {"perp", "future", "option"}
    for spec in specs:
        assert venue.canonical(spec.symbol).name == spec.canonical


@pytest.mark.parametrize(
    "symbol", ["BTC", "BTC-FS-27DEC24_PERP", "BTC-32DEC24", "BTC-27DEC24-6x0-C", "BTC-27DEC24-1-X"]
)
def test_unreadable_instruments_are_refused(symbol: str) -> None:
    with pytest.raises(UnknownSymbol):
        Deribit(VenueSettings(symbols=[PERP])).canonical(symbol)


# -- the parser never raises ----------------------------------------------------------------------

MODEL = (BookSnapshot, BookDelta, Trade, FeedStatus, ParseError, Heartbeat, Reply)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
levels = st.lists(
    st.lists(st.sampled_from(["new", "change", "delete"]) | json_values, max_size=4), max_size=4
)
book_data = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["snapshot", "change"]) | json_values,
        "timestamp": st.integers() | json_values,
        "instrument_name": st.just(PERP) | json_values,
        "change_id": st.integers() | json_values,
        "prev_change_id": st.integers() | json_values,
        "bids": levels | json_values,
        "asks": levels | json_values,
    },
)
rpc = st.fixed_dictionaries(
    {"jsonrpc": st.just("2.0")},
    optional={
        "id": st.integers(0, 5) | json_values,
        "method": st.sampled_from(["subscription", "heartbeat"]) | json_values,
        "params": st.fixed_dictionaries(
            {},
            optional={
                "channel": st.sampled_from(["book.BTC-PERPETUAL.100ms", "book."]) | json_values,
                "data": book_data | json_values,
                "type": st.sampled_from(["test_request", "heartbeat"]) | json_values,
            },
        )
        | json_values,
        "result": json_values,
        "error": st.fixed_dictionaries({}, optional={"code": json_values, "message": json_values})
        | json_values,
    },
)


def _check(frame: bytes | str) -> None:
    venue = Deribit(VenueSettings(symbols=[PERP]))
    venue.subscribe_frames([PERP])  # so that some ids are pending
    for ev in venue.new_session("c1").parse(frame, 1, 1):
        assert isinstance(ev, MODEL)


# Parse only (no book is touched): one book implementation, not both.
@pytest.mark.parametrize("book_impl", ["native"], indirect=True)
@given(rpc)
def test_json_rpc_shaped_frames_never_raise(value: dict[str, object]) -> None:
    _check(msgspec.json.encode(value))


def test_deep_nesting_is_a_parse_error() -> None:
    (ev,) = Deribit(VenueSettings(symbols=[PERP])).new_session("c1").parse("[" * 100_000, 1, 1)
    assert isinstance(ev, ParseError)
    (ev,) = (
        Deribit(VenueSettings(symbols=[PERP]))
        .new_session("c1")
        .parse('{"id":1,"result":' + "[" * 100_000 + "]" * 100_000 + "}", 1, 1)
    )
    assert isinstance(ev, ParseError)


# -- the simulator's wire format and heartbeats, over loopback --------------------------------
