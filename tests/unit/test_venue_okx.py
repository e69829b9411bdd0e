"""OKX v5 ``books``: documented frames, the sequence and checksum rules, and the wire.

The documented messages below are copied verbatim from OKX's API v5 reference,
"WS / Order book channel" (https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-
order-book-channel, as updated 2026-07), and from its earlier edition for the
checksum section and the non-zero checksum value, which the current one drops.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.feed import Feed
from adapters.instruments import InstrumentMap, InstrumentSettings, UnknownSymbol
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
from adapters.venue import APPLY, GAP, RESET, SKIP, VenueSettings
from adapters.venues.okx import Okx, OkxSession, signed32

pytestmark = pytest.mark.usefixtures("book_impl")
"""Every test here runs with the native book and with the pure-Python reference."""

# -- documented messages (verbatim) -------------------------------------------------------

DOC_SUBSCRIBE = """{
  "id": "1512",
  "op": "subscribe",
  "args": [
    {
      "channel": "books",
      "instId": "BTC-USDT"
    }
  ]
}"""

DOC_ACK = """{
  "id": "1512",
  "event": "subscribe",
  "arg": {
    "channel": "books",
    "instId": "BTC-USDT"
  },
  "connId": "a4d3ae55"
}"""

DOC_ERROR = r"""{
  "id": "1512",
  "event": "error",
  "code": "60012",
  "msg": "Invalid request: {\"op\": \"subscribe\", \"argss\":[{ \"channel\" : \"books\", \"instId\" : \"BTC-USD-191227\"}]}",
  "connId": "a4d3ae55"
}"""  # noqa: E501

DOC_SNAPSHOT = """{
  "arg": {
    "channel": "books",
    "instId": "BTC-USDT"
  },
  "action": "snapshot",
  "data": [
    {
      "asks": [
        ["8476.98", "415", "0", "13"],
        ["8477", "7", "0", "2"],
        ["8477.34", "85", "0", "1"],
        ["8477.56", "1", "0", "1"],
        ["8505.84", "8", "0", "1"],
        ["8506.37", "85", "0", "1"],
        ["8506.49", "2", "0", "1"],
        ["8506.96", "100", "0", "2"]
      ],
      "bids": [
        ["8476.97", "256", "0", "12"],
        ["8475.55", "101", "0", "1"],
        ["8475.54", "100", "0", "1"],
        ["8475.3", "1", "0", "1"],
        ["8447.32", "6", "0", "1"],
        ["8447.02", "246", "0", "1"],
        ["8446.83", "24", "0", "1"],
        ["8446", "95", "0", "3"]
      ],
      "ts": "1597026383085",
      "checksum": 0,
      "prevSeqId": -1,
      "seqId": 123456
    }
  ]
}"""

DOC_UPDATE = DOC_SNAPSHOT.replace('"snapshot"', '"update"').replace(
    '"prevSeqId": -1,\n      "seqId": 123456', '"prevSeqId": 123456,\n      "seqId": 123457'
)

# The earlier edition of the same example, from before the checksum was deprecated.
OLD_DOC_SNAPSHOT = DOC_SNAPSHOT.replace('"checksum": 0', '"checksum": -855196043')

# From the changelog entry "WebSocket service upgrade disconnection notice".
DOC_NOTICE = """{
"event": "notice",
"code": "64008",
"msg": "The connection will soon be closed for a service upgrade. Please reconnect.",
"connId": "a4d3ae55"
}"""

# The two worked examples of "Calculate Checksum": levels and the check string.
DOC_CHECKSUM_1 = (
    {"bids": [["3366.1", "7", "0", "3"], ["3366", "6", "3", "4"]]},
    {"asks": [["3366.8", "9", "10", "3"], ["3368", "8", "3", "4"]]},
    "3366.1:7:3366.8:9:3366:6:3368:8",
)
DOC_CHECKSUM_2 = (
    {"bids": [["3366.1", "7", "0", "3"]]},
    {"asks": [["3366.8", "9", "10", "3"], ["3368", "8", "3", "4"], ["3372", "8", "3", "4"]]},
    "3366.1:7:3366.8:9:3368:8:3372:8",
)

MODEL_TYPES = (BookSnapshot, BookDelta, Trade, FeedStatus, ParseError, Heartbeat, Reply)


# -- helpers --------------------------------------------------------------------------------


def make(symbols: list[str] | None = None) -> tuple[Okx, OkxSession]:
    venue = Okx(VenueSettings(symbols=symbols or ["BTC-USDT"]))
    session = venue.new_session("okx-1#1")
    assert isinstance(session, OkxSession)
    return venue, session


def make_feed(symbols: list[str] | None = None) -> tuple[Okx, OkxSession, Feed, list[Event]]:
    venue, session = make(symbols)
    events: list[Event] = []
    feed = Feed(venue, events.append)
    feed.start_connection(session.conn, list(venue.settings.symbols), 0, 0)
    return venue, session, feed, events


def frame(
    action: str,
    bids: list[Any],
    asks: list[Any],
    prev: int,
    seq: int,
    checksum: int = 0,
    inst: str = "BTC-USDT",
) -> bytes:
    """A ``books`` push as OKX writes it; levels given as (px, sz) text pairs."""

    def levels(side: list[Any]) -> list[Any]:
        return [[p, s, "0", "1"] if isinstance(p, str) else [p, s] for p, s in side]

    data = {
        "asks": levels(asks),
        "bids": levels(bids),
        "ts": "1597026383085",
        "checksum": checksum,
        "prevSeqId": prev,
        "seqId": seq,
    }
    msg = {"arg": {"channel": "books", "instId": inst}, "action": action, "data": [data]}
    return msgspec.json.encode(msg)


def crc(text: str) -> int:
    return signed32(zlib.crc32(text.encode()))


def parse(session: OkxSession, raw: bytes | str) -> list[Event]:
    return list(session.parse(raw, 1, 2))


# -- documented frames -------------------------------------------------------------------------


def test_documented_snapshot_and_update_parse_exactly() -> None:
    _, session = make()
    (snap,) = parse(session, DOC_SNAPSHOT)
    assert isinstance(snap, BookSnapshot)
    assert snap.symbol == "BTC-USDT"
    assert snap.seq == 123456
    assert snap.checksum is None  # 0 means "not provided" since the deprecation
    assert snap.exch_ns == 1597026383085 * 1_000_000
    assert snap.asks[0] == (8476.98, 415.0) and snap.asks[-1] == (8506.96, 100.0)
    assert snap.bids[0] == (8476.97, 256.0) and snap.bids[-1] == (8446.0, 95.0)
    assert len(snap.bids) == len(snap.asks) == 8
    (upd,) = parse(session, DOC_UPDATE)
    assert isinstance(upd, BookDelta)
    assert (upd.prev_seq, upd.seq, upd.checksum) == (123456, 123457, None)
    assert upd.bids[3] == (8475.3, 1.0)


def test_a_non_zero_checksum_is_passed_on() -> None:
    _, session = make()
    (snap,) = parse(session, OLD_DOC_SNAPSHOT)
    assert isinstance(snap, BookSnapshot)
    assert snap.checksum == -855196043


def test_documented_acks_errors_and_notice() -> None:
    _, session = make()
    (ack,) = parse(session, DOC_ACK)
    assert isinstance(ack, FeedStatus)
    assert (ack.status, ack.symbol) == ("subscribed", "BTC-USDT")
    (err,) = parse(session, DOC_ERROR)
    assert isinstance(err, ParseError)
    assert err.reason.startswith("venue error 60012: Invalid request")
    (notice,) = parse(session, DOC_NOTICE)
    assert isinstance(notice, FeedStatus)
    assert notice.status == "reconnect" and "64008" in notice.reason
    other = DOC_NOTICE.replace("64008", "64099")
    (ev,) = parse(session, other)
    assert isinstance(ev, FeedStatus) and ev.status == "venue_notice"


def test_pong_and_unsubscribe_are_proof_of_life() -> None:
    _, session = make()
    for raw in (b"pong", "pong"):
        (ev,) = parse(session, raw)
        assert isinstance(ev, Heartbeat)
    unsub = DOC_ACK.replace('"subscribe"', '"unsubscribe"')
    (ev,) = parse(session, unsub)
    assert isinstance(ev, Heartbeat)


def test_other_channels_are_ignored_and_bad_books_are_errors() -> None:
    _, session = make()
    ticker = '{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"last":"1"}]}'
    assert parse(session, ticker) == []
    (ev,) = parse(session, DOC_UPDATE.replace('"update"', '"partial"'))
    assert isinstance(ev, ParseError) and ev.symbol == "BTC-USDT" and "partial" in ev.reason
    (ev,) = parse(session, frame("update", [("nan", "1")], [], 1, 2))
    assert isinstance(ev, ParseError) and ev.symbol == "BTC-USDT"
    (ev,) = parse(session, frame("update", [("1", "-5")], [], 1, 2))
    assert isinstance(ev, ParseError)
    (ev,) = parse(session, b"<html>502</html>")
    assert isinstance(ev, ParseError) and "malformed JSON" in ev.reason


def test_subscription_frames_match_the_docs() -> None:
    venue, _ = make()
    doc = msgspec.json.decode(DOC_SUBSCRIBE)
    del doc["id"]
    (sub,) = venue.subscribe_frames(["BTC-USDT"])
    assert msgspec.json.decode(sub) == doc
    unsub, again = venue.resubscribe_frames("BTC-USDT")
    assert msgspec.json.decode(unsub) == {**doc, "op": "unsubscribe"}
    assert msgspec.json.decode(again) == doc
    assert venue.url == "wss://ws.okx.com:8443/ws/v5/public"
    assert venue.keepalive_frame() == "ping"
    # Quiet for 30 s and OKX drops the connection; pongs must beat the silence timeout.
    assert venue.keepalive_interval_s < 30
    assert venue.keepalive_interval_s < venue.silence_timeout_s


def test_connections_stay_under_thirty_deep_books() -> None:
    venue = Okx(VenueSettings(symbols=[f"C{i}-USDT" for i in range(70)]))
    sizes = [len(symbols) for _, symbols in venue.connections()]
    assert sizes == [29, 29, 12]


# -- sequence -----------------------------------------------------------------------------------


def _delta(prev: int, seq: int, empty: bool = False) -> BookDelta:
    bids = [] if empty else [(1.0, 1.0)]
    return BookDelta("okx", "BTC-USDT", 0, 0, 0, bids, [], seq, prev)


@pytest.mark.parametrize(
    ("last", "prev", "seq", "empty", "verdict"),
    [
        (10, 10, 15, False, APPLY),  # steps are not +1
        (10, 10, 11, False, APPLY),
        (15, 15, 15, True, SKIP),  # the keep-alive
        (15, 15, 15, False, APPLY),
        (15, 15, 3, False, RESET),  # renumbered after maintenance
        (10, 12, 15, False, GAP),  # the update naming 12 was lost
        (15, 20, 20, True, GAP),  # a keep-alive that vouches for an update never seen
        (15, 10, 3, False, GAP),  # a reset after a loss is still a loss
        (10, 11, 11, False, GAP),
    ],
)
def test_sequence_rule(last: int, prev: int, seq: int, empty: bool, verdict: int) -> None:
    venue, _ = make()
    assert venue.sequence(last, False, _delta(prev, seq, empty)) == verdict
    assert venue.sequence(last, True, _delta(prev, seq, empty)) == verdict


def test_documented_sequence_example_through_a_feed() -> None:
    # "Example": snapshot -1/10, update 10/15, no update 15/15, reset 15/3, update 3/5.
    _, session, feed, events = make_feed()
    feed.on_frame(session, frame("snapshot", [("100", "1")], [("101", "1")], -1, 10), 1, 1)
    feed.on_frame(session, frame("update", [("99", "2")], [], 10, 15), 2, 2)
    feed.on_frame(session, frame("update", [], [], 15, 15), 3, 3)
    st = feed.instruments["BTC-USDT"]
    assert st.last_update_mono == 3  # the empty update proved the book current
    feed.on_frame(session, frame("update", [], [("102", "3")], 15, 3), 4, 4)
    feed.on_frame(session, frame("update", [("100", "0")], [], 3, 5), 5, 5)
    assert (st.gaps, st.resets, st.resyncs, st.updates, st.last_seq) == (0, 1, 0, 3, 5)
    assert st.book.levels() == ({99.0: 2.0}, {101.0: 1.0, 102.0: 3.0})
    (reset,) = [e for e in events if isinstance(e, FeedStatus) and e.status == "reset"]
    assert reset.symbol == "BTC-USDT"


def test_a_lost_update_is_a_gap_and_resubscribes() -> None:
    _, session, feed, _ = make_feed()
    feed.on_frame(session, frame("snapshot", [("100", "1")], [("101", "1")], -1, 10), 1, 1)
    feed.on_frame(session, frame("update", [("99", "2")], [], 17, 25), 2, 2)
    st = feed.instruments["BTC-USDT"]
    assert st.gaps == 1 and not st.synced
    (action,) = feed.take_actions()
    assert action.kind == "resubscribe" and action.symbol == "BTC-USDT"


# -- checksum -----------------------------------------------------------------------------------


@pytest.mark.parametrize("example", [DOC_CHECKSUM_1, DOC_CHECKSUM_2])
def test_documented_checksum_examples(example: tuple[Any, Any, str]) -> None:
    bids, asks, check = example
    venue, session, feed, _ = make_feed()
    data = {
        **bids,
        **asks,
        "ts": "1",
        "checksum": crc(check),
        "prevSeqId": -1,
        "seqId": 7,
    }
    raw = msgspec.json.encode(
        {"arg": {"channel": "books", "instId": "BTC-USDT"}, "action": "snapshot", "data": [data]}
    )
    feed.on_frame(session, raw, 1, 1)
    st = feed.instruments["BTC-USDT"]
    assert venue.checksum_text(st.book, "BTC-USDT") == check
    assert (st.checksum_ok, st.checksum_failures) == (1, 0)


def test_checksum_is_a_signed_crc32() -> None:
    # The CRC32 of the first documented check string is 2413953002 as an unsigned integer.
    assert zlib.crc32(DOC_CHECKSUM_1[2].encode()) == 2413953002
    assert crc(DOC_CHECKSUM_1[2]) == -1881014294
    assert crc(DOC_CHECKSUM_2[2]) == 831078360


def test_checksum_uses_the_exact_text_as_sent() -> None:
    venue, session, feed, _ = make_feed()
    bids = [("64999.90", "0.10000000"), ("64999.8", "1e-05")]
    asks = [("65000", "2.50")]
    text = "64999.90:0.10000000:65000:2.50:64999.8:1e-05"
    feed.on_frame(session, frame("snapshot", bids, asks, -1, 1, crc(text)), 1, 1)
    st = feed.instruments["BTC-USDT"]
    assert venue.checksum_text(st.book, "BTC-USDT") == text
    assert st.checksum_ok == 1
    # The same book re-formatted from floats would checksum differently.
    assert crc("64999.9:0.1:65000:2.5:64999.8:0.00001") != crc(text)


def test_checksum_takes_the_top_25_and_continues_with_the_longer_side() -> None:
    venue, session, feed, _ = make_feed()
    bids = [(f"{1000 - i}", f"{i + 1}") for i in range(30)]
    asks = [(f"{1001 + i}.5", "3") for i in range(3)]
    parts = []
    for i in range(25):
        parts.append(f"{bids[i][0]}:{bids[i][1]}")
        if i < 3:
            parts.append(f"{asks[i][0]}:{asks[i][1]}")
    text = ":".join(parts)
    feed.on_frame(session, frame("snapshot", bids, asks, -1, 1, crc(text)), 1, 1)
    st = feed.instruments["BTC-USDT"]
    assert venue.checksum_text(st.book, "BTC-USDT") == text
    assert (st.checksum_ok, st.checksum_failures) == (1, 0)


def test_checksum_mismatch_resyncs() -> None:
    _, session, feed, events = make_feed()
    text = "100:1:101:1"
    feed.on_frame(
        session, frame("snapshot", [("100", "1")], [("101", "1")], -1, 1, crc(text)), 1, 1
    )
    feed.on_frame(session, frame("update", [("100", "2")], [], 1, 9, crc(text)), 2, 2)
    st = feed.instruments["BTC-USDT"]
    assert (st.checksum_ok, st.checksum_failures, st.resyncs) == (1, 1, 1)
    assert any(isinstance(e, FeedStatus) and e.status == "checksum_mismatch" for e in events)


def test_text_mirror_follows_updates_without_checksums() -> None:
    venue, session, feed, _ = make_feed()
    feed.on_frame(
        session, frame("snapshot", [("100", "1")], [("101", "1")], -1, 1, crc("100:1:101:1")), 1, 1
    )
    # An update with checksum 0 still moves the mirror, so the next check holds.
    feed.on_frame(session, frame("update", [("100", "0"), ("99.50", "4")], [], 1, 5), 2, 2)
    feed.on_frame(
        session, frame("update", [], [("101", "2.0")], 5, 8, crc("99.50:4:101:2.0")), 3, 3
    )
    st = feed.instruments["BTC-USDT"]
    assert (st.checksum_ok, st.checksum_failures, st.checksum_skipped) == (2, 0, 0)
    assert venue.checksum_text(st.book, "BTC-USDT") == "99.50:4:101:2.0"


def test_checksum_is_none_when_the_text_is_missing_or_stale() -> None:
    venue, session, feed, _ = make_feed()
    feed.on_frame(
        session, frame("snapshot", [("100", "1")], [("101", "1")], -1, 1, crc("100:1:101:1")), 1, 1
    )
    book = feed.instruments["BTC-USDT"].book
    assert venue.checksum(book, "BTC-USDT") == crc("100:1:101:1")
    book.bids.apply([(100.0, 7.0)])  # a quantity the mirror never saw
    assert venue.checksum(book, "BTC-USDT") is None
    book.bids.apply([(100.0, 1.0), (100.5, 1.0)])  # a level the mirror never saw
    assert venue.checksum(book, "BTC-USDT") is None
    assert venue.checksum(book, "ETH-USDT") is None


def test_a_snapshot_without_checksum_stops_the_mirror() -> None:
    venue, session, feed, _ = make_feed()
    feed.on_frame(session, frame("snapshot", [("100", "1")], [], -1, 1, crc("100:1")), 1, 1)
    assert "BTC-USDT" in venue.texts
    feed.on_frame(session, frame("snapshot", [("100", "1")], [], -1, 2), 2, 2)
    assert "BTC-USDT" not in venue.texts
    assert venue.checksum(feed.instruments["BTC-USDT"].book, "BTC-USDT") is None


def test_levels_as_json_numbers_cannot_be_checksummed() -> None:
    venue, session, feed, _ = make_feed()
    feed.on_frame(session, frame("snapshot", [(100, 1)], [(101, 1)], -1, 1, 12345), 1, 1)
    st = feed.instruments["BTC-USDT"]
    assert st.synced and st.book.levels() == ({100.0: 1.0}, {101.0: 1.0})
    assert (st.checksum_ok, st.checksum_failures, st.checksum_skipped) == (0, 0, 1)
    assert "BTC-USDT" not in venue.texts


# -- instruments --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "name", "kind"),
    [
        ("BTC-USDT", "BTC-USD", "spot"),
        ("ETH-USDC", "ETH-USD", "spot"),
        ("ETH-BTC", "ETH-BTC", "spot"),
        ("BTC-USDT-SWAP", "BTC-USD-PERP", "perp"),
        ("BTC-USD-SWAP", "BTC-USD-PERP", "perp"),
        ("BTC-USD-241227", "BTC-USD-20241227", "future"),
        ("BTC-USD-241227-60000-C", "BTC-USD-20241227-60000-C", "option"),
    ],
)
def test_canonical(symbol: str, name: str, kind: str) -> None:
    venue, _ = make()
    assert InstrumentMap().resolve("okx", symbol, venue.canonical(symbol)) == (name, kind)


def test_canonical_keeps_stablecoins_apart_when_asked() -> None:
    venue, _ = make()
    table = InstrumentMap(InstrumentSettings(stablecoins_distinct=True))
    assert table.resolve("okx", "BTC-USDT-SWAP", venue.canonical("BTC-USDT-SWAP")) == (
        "BTC-USDT-PERP",
        "perp",
    )


@pytest.mark.parametrize(
    "symbol", ["BTC", "BTC-", "BTC-USD-241327", "BTC-USD-SWAPX", "A-B-1-2-3-4"]
)
def test_unknown_symbols(symbol: str) -> None:
    venue, _ = make()
    with pytest.raises(UnknownSymbol):
        venue.canonical(symbol)


# -- never raises ---------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
level_values = st.one_of(
    st.text(alphabet="0123456789.-e", max_size=8),
    st.integers(min_value=-10, max_value=10**6),
    st.floats(),
    st.none(),
    st.just("0"),
)
book_frames = st.fixed_dictionaries(
    {
        "arg": st.fixed_dictionaries(
            {"channel": st.sampled_from(["books", "books5", ""]), "instId": st.just("BTC-USDT")}
        ),
        "action": st.sampled_from(["snapshot", "update", "x"]),
        "data": st.lists(
            st.fixed_dictionaries(
                {
                    "asks": st.lists(st.lists(level_values, max_size=5), max_size=4),
                    "bids": st.lists(st.lists(level_values, max_size=5), max_size=4),
                    "ts": st.one_of(st.text(max_size=14), st.integers()),
                    "checksum": st.one_of(st.integers(-(2**31), 2**31 - 1), st.just(0)),
                    "prevSeqId": st.integers(-2, 20),
                    "seqId": st.integers(-2, 20),
                }
            ),
            max_size=2,
        ),
    }
)


def _check(events: Iterable[object]) -> None:
    assert all(isinstance(e, MODEL_TYPES) for e in events)


@given(st.lists(book_frames, min_size=1, max_size=6))
def test_book_shaped_frames_never_break_parse_or_feed(frames: list[dict[str, Any]]) -> None:
    _, session, feed, _ = make_feed()
    for i, f in enumerate(frames):
        raw = msgspec.json.encode(f)
        _check(session.parse(raw, i, i))
        feed.on_frame(session, raw, i, i)


# -- over loopback ---------------------------------------------------------------------------------
