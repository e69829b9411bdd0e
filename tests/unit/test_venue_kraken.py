"""Kraken v2: the documented checksum example and the book-maintenance rules."""

from __future__ import annotations

import random
import zlib

import msgspec
import pytest

from adapters.feed import Action, Feed
from adapters.model import BookSnapshot, FeedStatus, Heartbeat
from adapters.venue import VenueSettings
from adapters.venues.kraken import Kraken
from adapters.venues.kraken_checksum import fragment

pytestmark = pytest.mark.usefixtures("book_impl")
"""Every test here runs with the native book and with the pure-Python reference."""

# Kraken's "Book checksum (WebSocket v2)" guide: this snapshot checksums to 3310070434
# with BTC/USD's precisions (price 1, qty 8), which come from the instrument channel.
DOC_SNAPSHOT = """{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD",
"bids":[{"price":45283.5,"qty":0.10000000},{"price":45283.4,"qty":1.54582015},
{"price":45282.1,"qty":0.10000000},{"price":45281.0,"qty":0.10000000},
{"price":45280.3,"qty":1.54592586},{"price":45279.0,"qty":0.07990000},
{"price":45277.6,"qty":0.03310103},{"price":45277.5,"qty":0.30000000},
{"price":45277.3,"qty":1.54602737},{"price":45276.6,"qty":0.15445238}],
"asks":[{"price":45285.2,"qty":0.00100000},{"price":45286.4,"qty":1.54571953},
{"price":45286.6,"qty":1.54571109},{"price":45289.6,"qty":1.54560911},
{"price":45290.2,"qty":0.15890660},{"price":45291.8,"qty":1.54553491},
{"price":45294.7,"qty":0.04454749},{"price":45296.1,"qty":0.35380000},
{"price":45297.5,"qty":0.09945542},{"price":45299.5,"qty":0.18772827}],
"checksum":3310070434}]}"""

INSTRUMENTS = (
    '{"channel":"instrument","type":"snapshot","data":{"assets":[],"pairs":[{"symbol":"BTC/USD",'
    '"base":"BTC","quote":"USD","status":"online","qty_precision":8,"qty_increment":0.00000001,'
    '"price_precision":1,"price_increment":0.1,"cost_precision":5,"marginable":true}]}}'
)


def make(depth: int = 10) -> tuple[Kraken, Feed, list[object]]:
    venue = Kraken(VenueSettings(symbols=["BTC/USD"], depth=depth))
    events: list[object] = []
    feed = Feed(venue, events.append)
    feed.start_connection("c1", ["BTC/USD"], 0, 0)
    return venue, feed, events


def update(bids: list[tuple[str, str]], asks: list[tuple[str, str]], checksum: int) -> str:
    b = ",".join(f'{{"price":{p},"qty":{q}}}' for p, q in bids)
    a = ",".join(f'{{"price":{p},"qty":{q}}}' for p, q in asks)
    return (
        f'{{"channel":"book","type":"update","data":[{{"symbol":"BTC/USD","bids":[{b}],'
        f'"asks":[{a}],"checksum":{checksum},"timestamp":"2023-10-06T17:35:55.440295Z"}}]}}'
    )


def test_documented_example_checksums_to_3310070434() -> None:
    venue, feed, _ = make()
    s = venue.new_session("c1")
    feed.on_frame(s, INSTRUMENTS, 1, 1)
    assert venue.precision["BTC/USD"] == (1, 8)
    feed.on_frame(s, DOC_SNAPSHOT, 2, 2)
    st = feed.instruments["BTC/USD"]
    assert st.synced and st.checksum_ok == 1 and st.checksum_failures == 0
    assert venue.checksum(st.book, "BTC/USD") == 3310070434
    assert st.book.best_bid() == 45283.5 and st.book.best_ask() == 45285.2


def test_without_precision_the_checksum_is_counted_unverified_not_failed() -> None:
    venue, feed, _ = make()
    feed.on_frame(venue.new_session("c1"), DOC_SNAPSHOT, 2, 2)
    st = feed.instruments["BTC/USD"]
    assert st.synced and st.checksum_skipped == 1 and st.checksum_failures == 0


def _expected_after(venue: Kraken, feed: Feed) -> int:
    """Kraken's checksum of a book, the plain way the guide describes (no caches)."""
    book = feed.instruments["BTC/USD"].book

    def text(levels: list[tuple[float, float]]) -> str:
        return "".join(
            f"{p:.1f}".replace(".", "").lstrip("0") + f"{q:.8f}".replace(".", "").lstrip("0")
            for p, q in levels
        )

    return zlib.crc32((text(book.asks.top(10)) + text(book.bids.top(10))).encode())


def test_an_update_touching_both_sides_is_verified() -> None:
    venue, feed, _ = make()
    s = venue.new_session("c1")
    feed.on_frame(s, INSTRUMENTS, 1, 1)
    feed.on_frame(s, DOC_SNAPSHOT, 2, 2)
    # Compute the right checksum on a scratch feed, then send it with both sides changed.
    v2, f2, _ = make()
    s2 = v2.new_session("c1")
    f2.on_frame(s2, INSTRUMENTS, 1, 1)
    f2.on_frame(s2, DOC_SNAPSHOT, 2, 2)
    f2.instruments["BTC/USD"].book.apply([(45283.6, 0.5)], [(45285.2, 0.0), (45285.0, 2.0)])
    f2.instruments["BTC/USD"].book.truncate(10)
    good = _expected_after(v2, f2)
    frame = update([("45283.6", "0.50000000")], [("45285.2", "0"), ("45285.0", "2.00000000")], good)
    feed.on_frame(s, frame, 3, 3)
    st = feed.instruments["BTC/USD"]
    assert st.checksum_ok == 2 and st.checksum_failures == 0 and st.synced
    # The same two-sided update with a wrong checksum is caught, not skipped.
    feed.on_frame(s, update([("45283.7", "0.1")], [("45285.1", "0.1")], 12345), 4, 4)
    assert st.checksum_failures == 1 and not st.synced
    (action,) = feed.take_actions()
    assert action.kind == Action.RESUBSCRIBE and "checksum mismatch" in action.reason
    assert venue.resubscribe_frames("BTC/USD")[0].startswith('{"method":"unsubscribe"')


def test_the_same_price_twice_in_one_message_applies_in_order() -> None:
    venue, feed, _ = make()
    s = venue.new_session("c1")
    feed.on_frame(s, DOC_SNAPSHOT, 2, 2)
    feed.on_frame(s, update([("45283.5", "0"), ("45283.5", "0.70000000")], [], 1), 3, 3)
    assert feed.instruments["BTC/USD"].book.bids.get(45283.5) == 0.7


def test_each_side_is_truncated_to_the_subscribed_depth() -> None:
    venue, feed, _ = make(depth=10)
    s = venue.new_session("c1")
    feed.on_frame(s, DOC_SNAPSHOT, 2, 2)
    feed.on_frame(s, update([("45284.0", "1.0")], [("45284.5", "1.0")], 1), 3, 3)
    book = feed.instruments["BTC/USD"].book
    assert len(book.bids) == 10 and len(book.asks) == 10
    assert 45276.6 not in book.bids and 45299.5 not in book.asks


def test_control_frames() -> None:
    venue = Kraken(VenueSettings(symbols=["BTC/USD"]))
    s = venue.new_session("c1")
    (hb,) = s.parse(b'{"channel":"heartbeat"}', 1, 1)
    assert isinstance(hb, Heartbeat)
    ack = (
        '{"method":"subscribe","result":{"channel":"book","depth":10,"snapshot":true,'
        '"symbol":"BTC/USD"},"success":true,"time_in":"2023-09-25T09:04:31.742599Z",'
        '"time_out":"2023-09-25T09:04:31.742648Z"}'
    )
    (ev,) = s.parse(ack, 1, 1)
    assert isinstance(ev, FeedStatus) and ev.status == "subscribed" and ev.symbol == "BTC/USD"
    refused = (
        '{"error":"Currency pair not supported","method":"subscribe","success":false,'
        '"time_in":"2023-09-25T09:04:31.742599Z","time_out":"2023-09-25T09:04:31.742648Z"}'
    )
    (err,) = s.parse(refused, 1, 1)
    assert "refused" in err.reason and "not supported" in err.reason  # type: ignore[union-attr]
    (snap,) = s.parse(DOC_SNAPSHOT, 1, 1)
    assert isinstance(snap, BookSnapshot) and snap.checksum == 3310070434


def test_subscribe_frames_ask_for_instruments_then_books() -> None:
    venue = Kraken(VenueSettings(symbols=["BTC/USD", "ETH/USD"], depth=25))
    inst, book = (msgspec.json.decode(f) for f in venue.subscribe_frames(["BTC/USD", "ETH/USD"]))
    assert inst == {"method": "subscribe", "params": {"channel": "instrument"}}
    assert book == {
        "method": "subscribe",
        "params": {"channel": "book", "symbol": ["BTC/USD", "ETH/USD"], "depth": 25},
    }


def test_kraken_fast_fragment_matches_formatting() -> None:
    """The integer shortcut for checksum text gives the digits formatting gives."""
    rng = random.Random(6)
    for places in range(12):
        for magnitude in (2, 10, 1000, 10**5, 10**7, 10**9, 10**12):
            for _ in range(500):
                units = rng.randrange(1, magnitude * 10**places)
                text = str(units).rjust(places + 1, "0")
                if places:
                    text = f"{text[:-places]}.{text[-places:]}"
                value = float(text)
                want = f"{value:.{places}f}".replace(".", "").lstrip("0")
                assert fragment(value, places) == want, (text, places)


def test_precision_learned_after_the_snapshot_still_verifies() -> None:
    """Levels seen before the precisions are known have no text yet: rebuilt from the book."""
    venue, feed, _ = make()
    s = venue.new_session("c1")
    feed.on_frame(s, DOC_SNAPSHOT, 1, 1)  # no precision yet: unverified
    feed.on_frame(s, INSTRUMENTS, 2, 2)
    st = feed.instruments["BTC/USD"]
    v2, f2, _ = make()
    s2 = v2.new_session("c1")
    f2.on_frame(s2, INSTRUMENTS, 1, 1)
    f2.on_frame(s2, DOC_SNAPSHOT, 2, 2)
    f2.instruments["BTC/USD"].book.apply([(45283.5, 0.2)], [])
    good = _expected_after(v2, f2)
    feed.on_frame(s, update([("45283.5", "0.20000000")], [], good), 3, 3)
    assert st.checksum_skipped == 1 and st.checksum_ok == 1 and st.checksum_failures == 0


def test_the_native_book_builds_the_checksum_text_itself(book_impl: str) -> None:
    venue, feed, _ = make()
    s = venue.new_session("c1")
    feed.on_frame(s, INSTRUMENTS, 1, 1)
    feed.on_frame(s, DOC_SNAPSHOT, 2, 2)
    st = feed.instruments["BTC/USD"]
    assert (book_impl == "native") == st.book.NATIVE
    # Only the pure-Python book needs the per-level texts the session tracks.
    assert bool(venue.text._texts) == (book_impl == "pure")
    assert st.checksum_ok == 1 and venue.checksum(st.book, "BTC/USD") == 3310070434
    asks = st.book.asks.checksum_text(10, 1, 8)
    assert (
        asks.startswith(b"452852100000")
        and zlib.crc32(st.book.bids.checksum_text(10, 1, 8), zlib.crc32(asks)) == 3310070434
    )
