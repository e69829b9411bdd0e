"""OKX ``books`` recorded before ``seqId``/``prevSeqId`` existed: sequenced by checksum.

Source: OKX API v5 reference, "WS / Order book channel", section "Checksum" /
"Calculate Checksum" in its editions before the checksum's deprecation
(https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel).
Its worked example: bids ``[["3366.1","7","0","3"],["3366","6","3","4"]]``, asks
``[["3366.8","9","10","3"],["3368","8","3","4"]]`` give the check string
``3366.1:7:3366.8:9:3366:6:3368:8``, whose CRC32 is sent as a signed 32-bit
integer. Frames of that era carried no ``seqId``/``prevSeqId`` (OKX added them
later), so the frames below are the documented push without them.
"""

from __future__ import annotations

import zlib
from typing import Any

import msgspec
import pytest

from adapters.feed import Feed
from adapters.model import BookDelta, Event, FeedStatus, ParseError
from adapters.venue import APPLY, SKIP, VenueSettings
from adapters.venues.okx import Okx, OkxSession

pytestmark = pytest.mark.usefixtures("book_impl")
"""Every test here runs with the native book and with the pure-Python reference."""

DOC_BIDS = [["3366.1", "7", "0", "3"], ["3366", "6", "3", "4"]]
DOC_ASKS = [["3366.8", "9", "10", "3"], ["3368", "8", "3", "4"]]
DOC_CHECK = "3366.1:7:3366.8:9:3366:6:3368:8"
DOC_CRC_SIGNED = -1881014294  # 2413953002 unsigned, as OKX sends it: signed


def old_frame(action: str, bids: list[Any], asks: list[Any], checksum: int) -> bytes:
    data = {"asks": asks, "bids": bids, "ts": "1597026383085", "checksum": checksum}
    msg = {"arg": {"channel": "books", "instId": "BTC-USDT"}, "action": action, "data": [data]}
    return msgspec.json.encode(msg)


def feed() -> tuple[Okx, OkxSession, Feed, list[Event]]:
    venue = Okx(VenueSettings(symbols=["BTC-USDT"]))
    session = venue.new_session("okx-1#1")
    assert isinstance(session, OkxSession)
    events: list[Event] = []
    f = Feed(venue, events.append)
    f.start_connection(session.conn, ["BTC-USDT"], 0, 0)
    return venue, session, f, events


def crc(text: str) -> int:
    c = zlib.crc32(text.encode())
    return c - (1 << 32) if c & 0x80000000 else c


def test_the_documented_example_checksums_as_documented() -> None:
    assert crc(DOC_CHECK) == DOC_CRC_SIGNED


def test_a_pre_seqid_snapshot_is_verified_by_its_checksum_not_rejected() -> None:
    venue, session, f, events = feed()
    f.on_frame(session, old_frame("snapshot", DOC_BIDS, DOC_ASKS, DOC_CRC_SIGNED), 1, 1)
    st = f.instruments["BTC-USDT"]
    assert not [e for e in events if isinstance(e, ParseError)]
    assert st.synced and (st.checksum_ok, st.checksum_failures) == (1, 0)
    assert venue.checksum_text(st.book, "BTC-USDT") == DOC_CHECK


def test_pre_seqid_updates_apply_in_order_and_each_checksum_is_verified() -> None:
    _, session, f, _ = feed()
    f.on_frame(session, old_frame("snapshot", DOC_BIDS, DOC_ASKS, DOC_CRC_SIGNED), 1, 1)
    # The best bid's size changes, then the second ask goes: each update carries the
    # checksum of the book after it, built the documented way.
    f.on_frame(
        session,
        old_frame(
            "update", [["3366.1", "5", "0", "2"]], [], crc("3366.1:5:3366.8:9:3366:6:3368:8")
        ),
        2,
        2,
    )
    f.on_frame(
        session,
        old_frame("update", [], [["3368", "0", "0", "0"]], crc("3366.1:5:3366.8:9:3366:6")),
        3,
        3,
    )
    st = f.instruments["BTC-USDT"]
    assert (st.checksum_ok, st.checksum_failures, st.gaps, st.updates) == (3, 0, 0, 2)
    assert st.book.levels() == ({3366.1: 5.0, 3366.0: 6.0}, {3366.8: 9.0})


def test_a_lost_pre_seqid_update_is_caught_by_the_next_checksum_and_resyncs() -> None:
    _, session, f, events = feed()
    f.on_frame(session, old_frame("snapshot", DOC_BIDS, DOC_ASKS, DOC_CRC_SIGNED), 1, 1)
    # The update that set the best bid to 5 was lost; the next one's checksum says so.
    f.on_frame(
        session,
        old_frame("update", [], [["3368", "0", "0", "0"]], crc("3366.1:5:3366.8:9:3366:6")),
        2,
        2,
    )
    st = f.instruments["BTC-USDT"]
    assert (st.checksum_ok, st.checksum_failures) == (1, 1) and not st.synced
    assert any(isinstance(e, FeedStatus) and e.status == "checksum_mismatch" for e in events)
    (action,) = f.take_actions()
    assert action.kind == "resubscribe"


def test_sequence_rule_without_ids() -> None:
    venue = Okx(VenueSettings(symbols=["BTC-USDT"]))
    moved = BookDelta("okx", "BTC-USDT", 1, 1, 0, [(1.0, 1.0)], [])
    empty = BookDelta("okx", "BTC-USDT", 1, 1, 0, [], [])
    assert venue.sequence(-1, False, moved) == APPLY
    assert venue.sequence(-1, True, empty) == SKIP
