"""Coinbase Advanced Trade: documented messages, sides, and per-connection numbering."""

from __future__ import annotations

import calendar
import random
import time

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.feed import Action, Feed
from adapters.instruments import Canonical
from adapters.model import (
    BookDelta,
    BookSnapshot,
    Event,
    FeedStatus,
    Heartbeat,
    ParseError,
    Reply,
    Trade,
)
from adapters.simulator.faults import Junk
from adapters.simulator.venues.coinbase import trim
from adapters.venue import VenueSettings
from adapters.venues.coinbase import Coinbase, CoinbaseSession

pytestmark = pytest.mark.usefixtures("book_impl")
"""Every test here runs with the native book and with the pure-Python reference."""

# Verbatim from Coinbase's "Advanced Trade WebSocket Channels" page, Level2 Channel
# (https://docs.cdp.coinbase.com/coinbase-app/advanced-trade-apis/websocket/websocket-channels).
DOC_SNAPSHOT = """{
  "channel": "l2_data",
  "client_id": "",
  "timestamp": "2023-02-09T20:32:50.714964855Z",
  "sequence_num": 0,
  "events": [
    {
      "type": "snapshot",
      "product_id": "BTC-USD",
      "updates": [
        {
          "side": "bid",
          "event_time": "1970-01-01T00:00:00Z",
          "price_level": "21921.73",
          "new_quantity": "0.06317902"
        },
        {
          "side": "bid",
          "event_time": "1970-01-01T00:00:00Z",
          "price_level": "21921.3",
          "new_quantity": "0.02"
        }
      ]
    }
  ]
}"""

# Verbatim from the same page, Heartbeats Channel ("heartbeat_counter" is a string there).
DOC_HEARTBEAT = """{
  "channel": "heartbeats",
  "client_id": "",
  "timestamp": "2023-06-23T20:31:26.122969572Z",
  "sequence_num": 0,
  "events": [
    {
      "current_time": "2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.525857105",
      "heartbeat_counter": "3049"
    }
  ]
}"""

MODEL = (BookSnapshot, BookDelta, Trade, FeedStatus, ParseError, Heartbeat, Reply)


def message(channel: str, seq: int, events: list[dict[str, object]]) -> str:
    body = {
        "channel": channel,
        "client_id": "",
        "timestamp": "2023-02-09T20:32:50.714964855Z",
        "sequence_num": seq,
        "events": events,
    }
    return msgspec.json.encode(body).decode()


def l2(seq: int, kind: str, product: str, *levels: tuple[str, str, str]) -> str:
    updates = [
        {"side": side, "event_time": "2023-02-09T20:32:50.7Z", "price_level": p, "new_quantity": q}
        for side, p, q in levels
    ]
    return message("l2_data", seq, [{"type": kind, "product_id": product, "updates": updates}])


def heartbeat(seq: int, counter: object = "1") -> str:
    return message("heartbeats", seq, [{"current_time": "t", "heartbeat_counter": counter}])


def ack(seq: int, *products: str) -> str:
    return message("subscriptions", seq, [{"subscriptions": {"level2": list(products)}}])


def make(symbols: tuple[str, ...] = ("BTC-USD",)) -> tuple[Coinbase, Feed, list[Event]]:
    venue = Coinbase(VenueSettings(symbols=list(symbols)))
    events: list[Event] = []
    feed = Feed(venue, events.append)
    feed.start_connection("c1", list(symbols), 0, 0)
    return venue, feed, events


def gaps(events: list[Event]) -> list[FeedStatus]:
    return [e for e in events if isinstance(e, FeedStatus) and e.status == "gap"]


# -- documented messages ------------------------------------------------------------------


def test_documented_snapshot_builds_the_book_with_nanosecond_time() -> None:
    venue, feed, events = make()
    session = venue.new_session("c1")
    (snap,) = session.parse(DOC_SNAPSHOT, 5, 5)
    assert isinstance(snap, BookSnapshot)
    stamp = calendar.timegm(time.strptime("2023-02-09T20:32:50", "%Y-%m-%dT%H:%M:%S"))
    assert snap.exch_ns == stamp * 1_000_000_000 + 714_964_855
    assert snap.seq == 0
    feed.on_frame(venue.new_session("c1"), DOC_SNAPSHOT, 5, 5)
    st_ = feed.instruments["BTC-USD"]
    assert st_.synced
    assert st_.book.levels() == ({21921.73: 0.06317902, 21921.3: 0.02}, {})
    assert not gaps(events)


def test_documented_heartbeat_is_proof_of_life_and_takes_a_number() -> None:
    venue = Coinbase(VenueSettings(symbols=["BTC-USD"]))
    session = venue.new_session("c1")
    (hb,) = session.parse(DOC_HEARTBEAT, 1, 1)
    assert isinstance(hb, Heartbeat)
    stamp = calendar.timegm(time.strptime("2023-06-23T20:31:26", "%Y-%m-%dT%H:%M:%S"))
    assert hb.exch_ns == stamp * 1_000_000_000 + 122_969_572
    # Some captures carry the counter as a number: the same frame either way.
    (hb2,) = session.parse(heartbeat(1, 3050), 2, 2)
    assert isinstance(hb2, Heartbeat)
    assert isinstance(session, CoinbaseSession) and session.expected == 2


# -- sides -------------------------------------------------------------------------------------


def test_offer_goes_to_the_asks_and_bid_to_the_bids() -> None:
    venue, feed, _ = make()
    s = venue.new_session("c1")
    feed.on_frame(
        s, l2(0, "snapshot", "BTC-USD", ("bid", "100.5", "1"), ("offer", "101", "2")), 1, 1
    )
    book = feed.instruments["BTC-USD"].book
    assert book.levels() == ({100.5: 1.0}, {101.0: 2.0})
    levels = (("offer", "100.75", "3"), ("bid", "100.5", "0"))
    (delta,) = venue.new_session("c9").parse(l2(0, "update", "BTC-USD", *levels), 2, 2)
    assert isinstance(delta, BookDelta)
    assert delta.asks == [(100.75, 3.0)] and delta.bids == [(100.5, 0.0)]
    feed.on_frame(s, l2(1, "update", "BTC-USD", *levels), 4, 4)
    assert book.levels() == ({}, {100.75: 3.0, 101.0: 2.0})


def test_an_ask_side_is_refused_not_guessed_and_forces_a_resync() -> None:
    venue, feed, events = make()
    s = venue.new_session("c1")
    feed.on_frame(s, l2(0, "snapshot", "BTC-USD", ("bid", "100", "1"), ("offer", "101", "2")), 1, 1)
    st_ = feed.instruments["BTC-USD"]
    feed.on_frame(s, l2(1, "update", "BTC-USD", ("ask", "100.9", "5")), 2, 2)
    (err,) = [e for e in events if isinstance(e, ParseError)]
    assert "ask" in err.reason
    assert st_.book.levels() == ({100.0: 1.0}, {101.0: 2.0})
    # The refused frame's number is missing, so the next message reveals the loss.
    feed.on_frame(s, heartbeat(2), 3, 3)
    (gap,) = gaps(events)
    assert gap.symbol == "" and "expected 1" in gap.reason
    assert not st_.synced and st_.gaps == 1


# -- sequence numbering -----------------------------------------------------------------------


def test_every_message_on_the_connection_takes_a_number() -> None:
    venue, feed, events = make(("BTC-USD", "ETH-USD"))
    s = venue.new_session("c1")
    for i, frame in enumerate(
        [
            l2(0, "snapshot", "BTC-USD", ("bid", "100", "1")),
            l2(1, "snapshot", "ETH-USD", ("offer", "10", "1")),
            ack(2, "BTC-USD", "ETH-USD"),
            heartbeat(3),
            message("ticker", 4, [{"type": "update", "tickers": []}]),
            l2(5, "update", "BTC-USD", ("bid", "100", "2")),
        ]
    ):
        feed.on_frame(s, frame, i, i)
    assert not gaps(events)
    assert feed.instruments["BTC-USD"].book.bids.levels() == {100.0: 2.0}
    (sub,) = [e for e in events if isinstance(e, FeedStatus) and e.status == "subscribed"]
    assert "level2: BTC-USD, ETH-USD" in sub.reason


def test_a_jump_resyncs_every_book_on_the_connection_by_resubscribing() -> None:
    venue, feed, events = make(("BTC-USD", "ETH-USD", "SOL-USD"))
    feed.instruments["SOL-USD"].conn = "c2"  # another connection: not affected
    s = venue.new_session("c1")
    feed.on_frame(s, l2(0, "snapshot", "BTC-USD", ("bid", "100", "1")), 1, 1)
    feed.on_frame(s, l2(1, "snapshot", "ETH-USD", ("bid", "10", "1")), 2, 2)
    feed.take_actions()
    # Message 2 was lost; 3 is for ETH-USD, but the loss may have been BTC-USD's.
    feed.on_frame(s, l2(3, "update", "ETH-USD", ("bid", "10", "2")), 3, 3)
    (gap,) = gaps(events)
    assert gap.symbol == "" and gap.conn == "c1"
    assert gap.reason == "sequence_num 3, expected 2: 1 message(s) lost"
    btc, eth = feed.instruments["BTC-USD"], feed.instruments["ETH-USD"]
    assert not btc.synced and not eth.synced and btc.gaps == eth.gaps == 1
    assert eth.book.empty  # the update after the gap was not applied
    actions = feed.take_actions()
    assert {(a.kind, a.symbol) for a in actions} == {
        (Action.RESUBSCRIBE, "BTC-USD"),
        (Action.RESUBSCRIBE, "ETH-USD"),
    }
    assert [msgspec.json.decode(f) for f in venue.resubscribe_frames("BTC-USD")] == [
        {"type": "unsubscribe", "product_ids": ["BTC-USD"], "channel": "level2"},
        {"type": "subscribe", "product_ids": ["BTC-USD"], "channel": "level2"},
    ]
    # The fresh snapshot puts the book back; numbering goes on from the jump.
    feed.on_frame(s, ack(4, "ETH-USD"), 4, 4)
    feed.on_frame(s, l2(5, "snapshot", "BTC-USD", ("bid", "99", "1")), 5, 5)
    assert btc.synced and btc.book.bids.levels() == {99.0: 1.0}
    assert len(gaps(events)) == 1


def test_numbering_that_goes_backwards_is_a_gap_too() -> None:
    venue, _, _ = make()
    s = venue.new_session("c1")
    assert s.parse(heartbeat(0), 1, 1)
    assert s.parse(heartbeat(1), 1, 1)
    out = s.parse(heartbeat(1), 1, 1)
    gap = out[0]
    assert isinstance(gap, FeedStatus) and gap.status == "gap"
    assert "went backwards" in gap.reason


def test_the_first_message_of_a_connection_is_number_zero() -> None:
    venue, _, _ = make()
    old = venue.new_session("c1")
    for i in range(5):
        old.parse(heartbeat(i), 1, 1)
    new = venue.new_session("c2")
    assert [type(e) for e in new.parse(heartbeat(0), 1, 1)] == [Heartbeat]
    late = venue.new_session("c3")
    assert isinstance(late.parse(heartbeat(2), 1, 1)[0], FeedStatus)


def test_an_unreadable_book_frame_takes_no_number() -> None:
    venue, feed, events = make()
    s = venue.new_session("c1")
    feed.on_frame(s, l2(0, "snapshot", "BTC-USD", ("bid", "100", "1")), 1, 1)
    real = l2(1, "update", "BTC-USD", ("bid", "100", "3"))
    rng = random.Random(1)
    # The simulator's malformed fault sends a broken copy (same sequence_num) first.
    for kind in ("wrong_shape", "truncated", "not_json", "binary", "empty"):
        junk = Junk(kind).render(real, rng)
        out = s.parse(junk, 2, 2)
        assert len(out) == 1 and isinstance(out[0], ParseError), kind
    feed.on_frame(s, real, 3, 3)
    assert not gaps(events)
    assert feed.instruments["BTC-USD"].book.bids.levels() == {100.0: 3.0}


def test_venue_errors_are_reported() -> None:
    venue, _, _ = make()
    s = venue.new_session("c1")
    (err,) = s.parse('{"type":"error","message":"failure to subscribe"}', 1, 1)
    assert isinstance(err, ParseError) and err.reason == "venue error: failure to subscribe"
    (bad,) = s.parse('{"hello":"world"}', 1, 1)
    assert isinstance(bad, ParseError) and "channel" in bad.reason


# -- subscriptions and instruments ----------------------------------------------------------------


def test_subscribe_frames_are_one_channel_each_as_documented() -> None:
    venue = Coinbase(VenueSettings(symbols=["BTC-USD", "ETH-USD"]))
    assert venue.url == "wss://advanced-trade-ws.coinbase.com"
    frames = venue.subscribe_frames(["BTC-USD", "ETH-USD"])
    assert (
        frames[0] == '{"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"level2"}'
    )
    assert frames[1] == '{"type":"subscribe","channel":"heartbeats"}'
    assert venue.keepalive_interval_s == 0 and venue.snapshot_mode == "in_band"


def test_canonical_names() -> None:
    venue = Coinbase(VenueSettings(symbols=["BTC-USD"]))
    assert venue.canonical("BTC-USD") == Canonical("BTC", "USD")
    assert venue.canonical("BTC-USDC") == Canonical("BTC", "USDC")
    assert venue.canonical("ETH-EUR").name == "ETH-EUR"


def test_usdc_books_are_fed_from_the_usd_product_as_documented() -> None:
    venue, feed, _ = make(("BTC-USDC", "USDT-USDC"))
    s = venue.new_session("c1")
    feed.on_frame(s, l2(0, "snapshot", "BTC-USD", ("bid", "100", "1")), 1, 1)
    feed.on_frame(s, l2(1, "snapshot", "USDT-USDC", ("bid", "1", "1")), 1, 1)
    assert feed.instruments["BTC-USDC"].synced and feed.instruments["USDT-USDC"].synced
    assert feed.unknown_symbols == 0
    # With both configured, one frame feeds both books.
    both = Coinbase(VenueSettings(symbols=["BTC-USD", "BTC-USDC"]))
    out = both.new_session("c1").parse(l2(0, "update", "BTC-USD", ("bid", "1", "1")), 1, 1)
    assert sorted(e.symbol for e in out if isinstance(e, BookDelta)) == ["BTC-USD", "BTC-USDC"]
    out = both.new_session("c1").parse(l2(0, "update", "BTC-USDC", ("bid", "1", "1")), 1, 1)
    assert [e.symbol for e in out if isinstance(e, BookDelta)] == ["BTC-USDC"]


# -- never raises ---------------------------------------------------------------------------------

_SESSION = Coinbase(VenueSettings(symbols=["BTC-USD"])).new_session("h")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
# Coinbase-shaped objects, with any value in any field, reach the deeper branches.
shaped = st.fixed_dictionaries(
    {},
    optional={
        "channel": st.sampled_from(["l2_data", "heartbeats", "subscriptions", "ticker", ""])
        | json_values,
        "timestamp": st.sampled_from(["2023-02-09T20:32:50.714964855Z", "x" * 25]) | json_values,
        "sequence_num": st.integers(-2, 2**70) | json_values,
        "type": st.sampled_from(["error", "snapshot"]) | json_values,
        "message": json_values,
        "events": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "type": st.sampled_from(["snapshot", "update"]) | json_values,
                    "product_id": st.sampled_from(["BTC-USD", "X"]) | json_values,
                    "updates": st.lists(
                        st.fixed_dictionaries(
                            {},
                            optional={
                                "side": st.sampled_from(["bid", "offer", "ask"]) | json_values,
                                "event_time": json_values,
                                "price_level": st.sampled_from(["1.5", "nan", "-"]) | json_values,
                                "new_quantity": st.sampled_from(["0", "1e400"]) | json_values,
                            },
                        ),
                        max_size=3,
                    )
                    | json_values,
                    "subscriptions": json_values,
                    "heartbeat_counter": json_values,
                },
            ),
            max_size=3,
        )
        | json_values,
    },
)


def _only_model_events(out: object) -> None:
    assert isinstance(out, list | tuple)
    assert all(isinstance(e, MODEL) for e in out)


# Parse only (no book is touched): one book implementation, not both.
@pytest.mark.parametrize("book_impl", ["native"], indirect=True)
@given(shaped)
def test_coinbase_shaped_frames_never_raise(value: object) -> None:
    text = msgspec.json.encode(value)
    _only_model_events(_SESSION.parse(text, 1, 1))
    _only_model_events(_SESSION.parse(text.decode(), 1, 1))


# -- the simulator speaks the same protocol -----------------------------------------------------


def test_trim_writes_decimals_like_coinbase() -> None:
    assert [trim(s) for s in ("65000.10", "65000.00", "0.00000000", "0.02", "7")] == [
        "65000.1",
        "65000",
        "0",
        "0.02",
        "7",
    ]
