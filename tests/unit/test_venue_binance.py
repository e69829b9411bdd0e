"""Binance spot: the documented messages and the documented sync procedure."""

from __future__ import annotations

import msgspec
import pytest

from adapters.feed import Action, Feed
from adapters.model import BookDelta, FeedStatus, ParseError
from adapters.venue import VenueSettings
from adapters.venues.binance import BinanceSpot

pytestmark = pytest.mark.usefixtures("book_impl")
"""Every test here runs with the native book and with the pure-Python reference."""

# Verbatim from Binance's "Diff. Depth Stream" documentation (payload), wrapped
# the way the combined-stream endpoint wraps every event.
DOC_EVENT = (
    '{"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,'
    '"b":[["0.0024","10"]],"a":[["0.0026","100"]]}'
)
# Verbatim from the "Order book" REST endpoint documentation.
DOC_SNAPSHOT = (
    '{"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],'
    '"asks":[["4.00000200","12.00000000"]]}'
)


def combined(data: str, stream: str = "bnbbtc@depth@100ms") -> bytes:
    return f'{{"stream":"{stream}","data":{data}}}'.encode()


def event(u_first: int, u_last: int, bids: list[list[str]], asks: list[list[str]]) -> bytes:
    data = {
        "e": "depthUpdate",
        "E": 1,
        "s": "BNBBTC",
        "U": u_first,
        "u": u_last,
        "b": bids,
        "a": asks,
    }
    return combined(msgspec.json.encode(data).decode())


def make() -> tuple[BinanceSpot, Feed, list[object]]:
    venue = BinanceSpot(VenueSettings(symbols=["BNBBTC"]))
    events: list[object] = []
    feed = Feed(venue, events.append)
    feed.start_connection("c1", ["BNBBTC"], 0, 0)
    return venue, feed, events


def test_documented_event_parses_to_a_typed_delta() -> None:
    venue = BinanceSpot(VenueSettings(symbols=["BNBBTC"]))
    (ev,) = venue.new_session("c").parse(combined(DOC_EVENT), 5, 6)
    assert isinstance(ev, BookDelta)
    assert (ev.symbol, ev.first_seq, ev.seq) == ("BNBBTC", 157, 160)
    assert ev.bids == [(0.0024, 10.0)] and ev.asks == [(0.0026, 100.0)]
    assert ev.exch_ns == 1672515782136 * 1_000_000
    assert (ev.recv_ns, ev.recv_mono) == (5, 6)


def test_documented_snapshot_parses() -> None:
    venue = BinanceSpot(VenueSettings(symbols=["BNBBTC"]))
    snap = venue.parse_snapshot("BNBBTC", DOC_SNAPSHOT, 1, 2)
    assert snap.seq == 1027024
    assert snap.bids == [(4.0, 431.0)] and snap.asks == [(4.000002, 12.0)]


def test_snapshot_url_is_the_documented_endpoint() -> None:
    venue = BinanceSpot(VenueSettings(symbols=["BNBBTC"], depth=5000))
    assert venue.snapshot_request("BNBBTC") == (
        "https://api.binance.com/api/v3/depth?symbol=BNBBTC&limit=5000"
    )
    ((url, symbols),) = venue.connections()
    assert url == "wss://stream.binance.com:9443/stream?streams=bnbbtc@depth@100ms"
    assert symbols == ["BNBBTC"]


def test_the_documented_buffering_procedure() -> None:
    venue, feed, _ = make()
    (action,) = feed.take_actions()
    assert action.kind == Action.SNAPSHOT and action.symbol == "BNBBTC"
    s = venue.new_session("c1")
    # Buffered while the snapshot is in flight: one stale, one straddling, one after.
    feed.on_frame(s, event(95, 99, [["1.0", "5"]], []), 1, 1)
    feed.on_frame(s, event(100, 103, [["1.0", "6"]], [["2.0", "1"]]), 2, 2)
    feed.on_frame(s, event(104, 104, [], [["2.0", "0"]]), 3, 3)
    st = feed.instruments["BNBBTC"]
    assert not st.synced and len(st.buffer) == 3
    snap = venue.parse_snapshot(
        "BNBBTC", '{"lastUpdateId":101,"bids":[["1.0","4"]],"asks":[["2.0","3"],["3.0","1"]]}', 4, 4
    )
    feed.on_snapshot(snap)
    # u <= lastUpdateId dropped; U <= lastUpdateId+1 <= u applied; then continuity.
    assert st.synced and st.last_seq == 104 and st.updates == 2
    assert st.book.levels() == ({1.0: 6.0}, {3.0: 1.0})
    # A jump in U is a gap: the book is discarded and a new snapshot requested.
    feed.on_frame(s, event(106, 107, [["1.0", "9"]], []), 5, 5)
    assert st.gaps == 1 and st.resyncs == 1 and not st.synced and st.book.empty
    (action,) = feed.take_actions()
    assert action.kind == Action.SNAPSHOT and "sequence gap" in action.reason


def test_a_snapshot_older_than_the_buffer_is_fetched_again() -> None:
    venue, feed, _ = make()
    feed.take_actions()
    s = venue.new_session("c1")
    feed.on_frame(s, event(200, 205, [["1.0", "1"]], []), 1, 1)
    feed.on_snapshot(
        venue.parse_snapshot("BNBBTC", '{"lastUpdateId":150,"bids":[],"asks":[]}', 2, 2)
    )
    st = feed.instruments["BNBBTC"]
    assert not st.synced and len(st.buffer) == 1
    (action,) = feed.take_actions()
    assert action.kind == Action.SNAPSHOT and "older than buffered" in action.reason
    # A contiguous snapshot (lastUpdateId + 1 == U) bridges the stream exactly.
    feed.on_snapshot(
        venue.parse_snapshot("BNBBTC", '{"lastUpdateId":199,"bids":[],"asks":[]}', 3, 3)
    )
    assert st.synced and st.last_seq == 205 and st.book.levels() == ({1.0: 1.0}, {})


def test_server_shutdown_notice_asks_for_an_early_reconnect() -> None:
    venue, feed, _ = make()
    feed.take_actions()
    s = venue.new_session("c1")
    feed.on_frame(s, b'{"e":"serverShutdown","E":1700000000000}', 1, 1)
    (action,) = feed.take_actions()
    assert action.kind == Action.RECONNECT and "serverShutdown" in action.reason


def test_venue_errors_and_junk_become_parse_errors() -> None:
    venue, feed, events = make()
    s = venue.new_session("c1")
    feed.on_frame(s, b'{"error":{"code":2,"msg":"Invalid request"},"id":7}', 1, 1)
    feed.on_frame(s, b'{"stream":"bnbbtc@depth@100ms","data":{"e":"depthUpdate","s":"BNBBTC"', 2, 2)
    errors = [e for e in events if isinstance(e, ParseError)]
    assert len(errors) == 2 and feed.parse_errors == 2
    assert "venue error" in errors[0].reason and "Invalid request" in errors[0].reason
    assert "malformed JSON" in errors[1].reason and errors[1].excerpt.startswith('{"stream"')
    # A subscription acknowledgement is not an error.
    feed.on_frame(s, b'{"result":null,"id":1}', 3, 3)
    assert feed.parse_errors == 2
    assert not [e for e in events if isinstance(e, FeedStatus) and e.status == "gap"]


@pytest.mark.parametrize("where", ["delta", "snapshot"])
def test_a_nan_price_costs_the_book_a_resync_never_the_feed(where: str) -> None:
    """Binance's prices are strings: "NaN" decodes to a float that no ladder can
    order. Both books refuse it; the feed counts a parse error, discards the book
    and asks for a fresh one, and the connection goes on."""
    venue, feed, events = make()
    feed.take_actions()
    s = venue.new_session("c1")
    st = feed.instruments["BNBBTC"]
    good = '{"lastUpdateId":101,"bids":[["1.0","4"]],"asks":[["2.0","3"]]}'
    bad = '{"lastUpdateId":101,"bids":[["NaN","4"]],"asks":[["2.0","3"]]}'
    feed.on_snapshot(venue.parse_snapshot("BNBBTC", bad if where == "snapshot" else good, 1, 1))
    if where == "delta":
        assert st.synced
        feed.on_frame(s, event(102, 102, [["NaN", "5"]], []), 2, 2)
    assert not st.synced and st.book.empty and st.parse_errors == 1
    errors = [e for e in events if isinstance(e, ParseError)]
    assert errors and "NaN" in errors[-1].reason and errors[-1].symbol == "BNBBTC"
    (action,) = feed.take_actions()
    assert action.kind == Action.SNAPSHOT and "NaN" in action.reason
    # The next good snapshot rebuilds it.
    feed.on_snapshot(venue.parse_snapshot("BNBBTC", good, 3, 3))
    assert st.synced and st.book.levels() == ({1.0: 4.0}, {2.0: 3.0})
