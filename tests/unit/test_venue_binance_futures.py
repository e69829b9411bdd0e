"""Binance USDⓈ-M futures: the documented messages, the ``pu`` chain, and the simulator."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.feed import Action, Feed
from adapters.instruments import InstrumentMap, InstrumentSettings, UnknownSymbol
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
from adapters.simulator.server import Simulator
from adapters.venue import APPLY, GAP, SKIP, VenueSettings
from adapters.venues.binance_futures import BinanceFutures

VENUE = "binance-futures"
MODEL_EVENTS = (BookSnapshot, BookDelta, Trade, FeedStatus, ParseError, Heartbeat, Reply)

# Verbatim from Binance's USDⓈ-M "Diff. Book Depth Streams" documentation
# (the response example, with its // comments removed).
DOC_EVENT = (
    '{"e":"depthUpdate","E":123456789,"T":123456788,"s":"BTCUSDT","U":157,"u":160,"pu":149,'
    '"b":[["0.0024","10"]],"a":[["0.0026","100"]]}'
)
# Verbatim from the USDⓈ-M REST "Order Book" (GET /fapi/v1/depth) response
# example, comments removed.
DOC_SNAPSHOT = (
    '{"lastUpdateId":1027024,"E":1589436922972,"T":1589436922959,'
    '"bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]}'
)

pytestmark = pytest.mark.usefixtures("book_impl")
"""Every test here runs with the native book and with the pure-Python reference."""


def combined(data: str, stream: str = "btcusdt@depth@100ms") -> bytes:
    return f'{{"stream":"{stream}","data":{data}}}'.encode()


def event(first: int, last: int, prev: int, bids: list[list[str]], asks: list[list[str]]) -> bytes:
    data = {
        "e": "depthUpdate",
        "E": 2,
        "T": 1,
        "s": "BTCUSDT",
        "U": first,
        "u": last,
        "pu": prev,
        "b": bids,
        "a": asks,
    }
    return combined(msgspec.json.encode(data).decode())


def snapshot(venue: BinanceFutures, last_id: int, bids: str = "[]", asks: str = "[]") -> Any:
    body = f'{{"lastUpdateId":{last_id},"E":5,"T":4,"bids":{bids},"asks":{asks}}}'
    return venue.parse_snapshot("BTCUSDT", body, 9, 9)


def make() -> tuple[BinanceFutures, Feed, list[object]]:
    venue = BinanceFutures(VenueSettings(symbols=["BTCUSDT"]))
    events: list[object] = []
    feed = Feed(venue, events.append)
    feed.start_connection("c1", ["BTCUSDT"], 0, 0)
    return venue, feed, events


# -- the documented messages -------------------------------------------------------------


def test_documented_event_parses_to_a_typed_delta() -> None:
    venue = BinanceFutures(VenueSettings(symbols=["BTCUSDT"]))
    (ev,) = venue.new_session("c").parse(combined(DOC_EVENT), 5, 6)
    assert isinstance(ev, BookDelta)
    assert (ev.venue, ev.symbol) == (VENUE, "BTCUSDT")
    assert (ev.first_seq, ev.seq, ev.prev_seq) == (157, 160, 149)
    assert ev.bids == [(0.0024, 10.0)] and ev.asks == [(0.0026, 100.0)]
    # The transaction time T, not the event time E.
    assert ev.exch_ns == 123456788 * 1_000_000
    assert (ev.recv_ns, ev.recv_mono) == (5, 6)


def test_event_time_stands_in_when_transaction_time_is_absent() -> None:
    venue = BinanceFutures(VenueSettings(symbols=["BTCUSDT"]))
    no_t = DOC_EVENT.replace('"T":123456788,', "")
    (ev,) = venue.new_session("c").parse(combined(no_t), 5, 6)
    assert isinstance(ev, BookDelta) and ev.exch_ns == 123456789 * 1_000_000


def test_a_spot_shaped_event_without_pu_is_a_parse_error() -> None:
    # Spot's documented event has no pu: on futures it cannot be chained.
    venue = BinanceFutures(VenueSettings(symbols=["BNBBTC"]))
    spot = (
        '{"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,'
        '"b":[["0.0024","10"]],"a":[["0.0026","100"]]}'
    )
    (ev,) = venue.new_session("c").parse(combined(spot), 1, 1)
    assert isinstance(ev, ParseError) and "`pu`" in ev.reason


def test_documented_snapshot_parses() -> None:
    venue = BinanceFutures(VenueSettings(symbols=["BTCUSDT"]))
    snap = venue.parse_snapshot("BTCUSDT", DOC_SNAPSHOT, 1, 2)
    assert (snap.venue, snap.symbol, snap.seq) == (VENUE, "BTCUSDT", 1027024)
    assert snap.bids == [(4.0, 431.0)] and snap.asks == [(4.000002, 12.0)]
    assert snap.exch_ns == 1589436922959 * 1_000_000


def test_urls_are_the_public_route_and_the_fapi_depth_endpoint() -> None:
    venue = BinanceFutures(VenueSettings(symbols=["BTCUSDT", "ETHUSDT"]))
    ((url, symbols),) = venue.connections()
    assert url == (
        "wss://fstream.binance.com/public/stream?streams=btcusdt@depth@100ms/ethusdt@depth@100ms"
    )
    assert symbols == ["BTCUSDT", "ETHUSDT"]
    assert venue.snapshot_request("BTCUSDT") == (
        "https://fapi.binance.com/fapi/v1/depth?symbol=BTCUSDT&limit=1000"
    )
    # Only the documented limits are accepted: a configured depth rounds up.
    for depth, limit in ((5, 5), (30, 50), (501, 1000), (5000, 1000)):
        v = BinanceFutures(VenueSettings(symbols=["BTCUSDT"], depth=depth))
        assert v.snapshot_request("BTCUSDT").endswith(f"limit={limit}")


def test_adapter_and_simulator_agree_on_the_route() -> None:
    sim = Simulator({VENUE: DEFAULT_VENUES[VENUE]})
    sim.ports[VENUE] = 4321
    venue = BinanceFutures(sim.settings(VENUE))
    ((url, _),) = venue.connections()
    assert url == (
        "ws://127.0.0.1:4321/public/stream?streams=btcusdt@depth@100ms/ethusdt@depth@100ms"
    )


# -- the sync procedure and the pu chain -----------------------------------------------------


def test_the_documented_procedure_chains_on_pu_not_on_U() -> None:
    venue, feed, _ = make()
    (action,) = feed.take_actions()
    assert action.kind == Action.SNAPSHOT and action.symbol == "BTCUSDT"
    s = venue.new_session("c1")
    # Buffered while the snapshot is in flight: one stale, one straddling, one
    # after it. Ids jump between events, as they do on futures.
    feed.on_frame(s, event(90, 95, 80, [["1.0", "5"]], []), 1, 1)
    feed.on_frame(s, event(97, 103, 95, [["1.0", "6"]], [["2.0", "1"]]), 2, 2)
    feed.on_frame(s, event(108, 108, 103, [], [["2.0", "0"]]), 3, 3)
    st_ = feed.instruments["BTCUSDT"]
    assert not st_.synced and len(st_.buffer) == 3
    feed.on_snapshot(snapshot(venue, 100, '[["1.0","4"]]', '[["2.0","3"],["3.0","1"]]'))
    # u < lastUpdateId dropped; U <= lastUpdateId <= u applied; then pu == u.
    assert st_.synced and st_.last_seq == 108 and st_.updates == 2
    assert st_.book.levels() == ({1.0: 6.0}, {3.0: 1.0})
    # U far past the previous u but pu right: continuous.
    feed.on_frame(s, event(115, 117, 108, [["1.5", "2"]], []), 4, 4)
    assert st_.synced and st_.last_seq == 117 and st_.gaps == 0
    # U == previous u + 1 (the spot rule's "continuous") but pu wrong: a gap.
    feed.on_frame(s, event(118, 119, 116, [["1.0", "9"]], []), 5, 5)
    assert st_.gaps == 1 and st_.resyncs == 1 and not st_.synced and st_.book.empty
    (action,) = feed.take_actions()
    assert action.kind == Action.SNAPSHOT and "sequence gap" in action.reason
    assert "prev=116" in action.reason


@pytest.mark.parametrize(
    ("fresh", "last", "first", "final", "prev", "verdict"),
    [
        (True, 100, 90, 99, 85, SKIP),  # wholly before the snapshot
        (True, 100, 97, 103, 95, APPLY),  # U <= lastUpdateId <= u (documented)
        (True, 100, 97, 100, 95, APPLY),  # ends at lastUpdateId: re-applied, harmless
        (True, 100, 104, 106, 100, APPLY),  # follows the snapshot directly
        (True, 100, 104, 106, 98, APPLY),  # snapshot in the id gap between events
        (True, 100, 104, 106, 101, GAP),  # an event after the snapshot was missed
        (False, 100, 104, 106, 100, APPLY),  # pu chain, U jumps
        (False, 100, 101, 103, 99, GAP),  # U contiguous, pu broken
        (False, 100, 95, 100, 90, GAP),  # a replayed event
    ],
)
def test_sequence_rule(
    fresh: bool, last: int, first: int, final: int, prev: int, verdict: int
) -> None:
    venue = BinanceFutures(VenueSettings(symbols=["BTCUSDT"]))
    d = BookDelta(VENUE, "BTCUSDT", 0, 0, 0, [], [], final, prev, first)
    assert venue.sequence(last, fresh, d) == verdict


def test_a_snapshot_with_nothing_buffered_bridges_on_pu() -> None:
    venue, feed, events = make()
    feed.take_actions()
    feed.on_snapshot(snapshot(venue, 500, '[["1.0","1"]]'))
    st_ = feed.instruments["BTCUSDT"]
    assert st_.synced and st_.fresh
    feed.on_frame(venue.new_session("c1"), event(503, 504, 500, [["1.0", "2"]], []), 1, 1)
    assert st_.updates == 1 and st_.gaps == 0 and st_.book.levels() == ({1.0: 2.0}, {})
    assert not [e for e in events if isinstance(e, FeedStatus) and e.status == "gap"]


def test_a_snapshot_older_than_the_buffer_is_fetched_again() -> None:
    venue, feed, _ = make()
    feed.take_actions()
    s = venue.new_session("c1")
    feed.on_frame(s, event(300, 305, 290, [["1.0", "1"]], []), 1, 1)
    feed.on_snapshot(snapshot(venue, 250))
    st_ = feed.instruments["BTCUSDT"]
    assert not st_.synced and len(st_.buffer) == 1
    (action,) = feed.take_actions()
    assert action.kind == Action.SNAPSHOT and "older than buffered" in action.reason
    feed.on_snapshot(snapshot(venue, 302))
    assert st_.synced and st_.last_seq == 305 and st_.book.levels() == ({1.0: 1.0}, {})


# -- instruments ------------------------------------------------------------------------------


def test_canonical_perpetuals_and_quarterlies() -> None:
    venue = BinanceFutures(VenueSettings(symbols=["BTCUSDT"]))
    imap = InstrumentMap()
    cases = {
        "BTCUSDT": ("BTC-USD-PERP", "perp"),
        "ETHUSDC": ("ETH-USD-PERP", "perp"),
        "BTCUSDT_241227": ("BTC-USD-20241227", "future"),
        "ethusdt_250328": ("ETH-USD-20250328", "future"),
    }
    for sym, want in cases.items():
        assert imap.resolve(VENUE, sym, venue.canonical(sym)) == want
    c = venue.canonical("BTCUSDT")
    assert (c.base, c.quote, c.kind) == ("BTC", "USDT", "perp")
    distinct = InstrumentMap(InstrumentSettings(stablecoins_distinct=True))
    assert distinct.resolve(VENUE, "BTCUSDT", c) == ("BTC-USDT-PERP", "perp")
    for bad in ("BTCUSDT_241399", "BTCUSDT_2412", "USDT"):
        with pytest.raises(UnknownSymbol):
            venue.canonical(bad)


# -- everything else on the stream ----------------------------------------------------------


def test_venue_errors_acks_notices_and_junk() -> None:
    venue, feed, events = make()
    feed.take_actions()
    s = venue.new_session("c1")
    feed.on_frame(s, b'{"error":{"code":2,"msg":"Invalid request"},"id":7}', 1, 1)
    feed.on_frame(s, b'{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate"', 2, 2)
    errors = [e for e in events if isinstance(e, ParseError)]
    assert len(errors) == 2 and feed.parse_errors == 2
    assert "venue error" in errors[0].reason and "Invalid request" in errors[0].reason
    assert "malformed JSON" in errors[1].reason
    # A subscription acknowledgement is not an error.
    feed.on_frame(s, b'{"result":null,"id":1}', 3, 3)
    assert feed.parse_errors == 2
    # A shutdown notice asks for an early reconnect.
    feed.on_frame(s, b'{"e":"serverShutdown","E":1700000000000}', 4, 4)
    (action,) = feed.take_actions()
    assert action.kind == Action.RECONNECT and "serverShutdown" in action.reason
    # A text frame that is not even encodable (replayed from a capture).
    (ev,) = s.parse('{"stream":"\ud800"}', 5, 5)
    assert isinstance(ev, ParseError)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
_field = st.sampled_from(["e", "E", "T", "s", "U", "u", "pu", "b", "a", "id", "error", "result"])
_data = st.dictionaries(_field, _json, max_size=9) | _json


def _check(frame: bytes | str) -> None:
    venue = BinanceFutures(VenueSettings(symbols=["BTCUSDT"]))
    out = venue.new_session("c").parse(frame, 1, 2)
    assert all(isinstance(ev, MODEL_EVENTS) for ev in out)


# Parse only (no book is touched): one book implementation, not both.
@pytest.mark.parametrize("book_impl", ["native"], indirect=True)
@given(st.text(max_size=30), _data)
def test_combined_envelopes_with_arbitrary_data_never_raise(stream: str, data: object) -> None:
    _check(msgspec.json.encode({"stream": stream, "data": data}))
    if isinstance(data, dict):
        _check(msgspec.json.encode(data))


# -- the simulator ----------------------------------------------------------------------------


def test_simulated_rest_depth_matches_the_documented_endpoint() -> None:
    sim = Simulator({VENUE: DEFAULT_VENUES[VENUE]})
    sv = sim.venues[VENUE]
    status, body = sv.http("/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": "1000"}) or (0, b"")
    assert status == 200
    assert list(msgspec.json.decode(body)) == ["lastUpdateId", "E", "T", "bids", "asks"]
    venue = BinanceFutures(VenueSettings(symbols=["BTCUSDT"]))
    snap = venue.parse_snapshot("BTCUSDT", body, 1, 1)
    assert snap.seq == sv.books["BTCUSDT"].seq
    assert (dict(snap.bids), dict(snap.asks)) == sv.expected_book("BTCUSDT")
    bad_limit = sv.http("/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": "5000"})
    assert bad_limit is not None and bad_limit[0] == 400 and b"-1130" in bad_limit[1]
    bad_symbol = sv.http("/fapi/v1/depth", {"symbol": "NOPE"})
    assert bad_symbol is not None and bad_symbol[0] == 400 and b"-1121" in bad_symbol[1]
    assert sv.http("/api/v3/depth", {"symbol": "BTCUSDT"}) is None
