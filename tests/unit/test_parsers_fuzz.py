"""Every venue parser, fed arbitrary bytes and arbitrary JSON, never raises."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters import model, registry
from adapters.venue import Venue, VenueSettings

EVENT_TYPES = (
    model.BookSnapshot,
    model.BookDelta,
    model.Trade,
    model.FeedStatus,
    model.ParseError,
    model.Heartbeat,
    model.Reply,
)
SYMBOLS = {
    "binance": ["BTCUSDT"],
    "binance-futures": ["BTCUSDT"],
    "kraken": ["BTC/USD"],
    "coinbase": ["BTC-USD"],
    "okx": ["BTC-USDT"],
    "bybit": ["BTCUSDT"],
    "deribit": ["BTC-PERPETUAL"],
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(
            st.sampled_from(
                [
                    "e",
                    "s",
                    "U",
                    "u",
                    "pu",
                    "b",
                    "a",
                    "stream",
                    "data",
                    "channel",
                    "type",
                    "bids",
                    "asks",
                    "price",
                    "qty",
                    "checksum",
                    "arg",
                    "action",
                    "seqId",
                    "prevSeqId",
                    "topic",
                    "events",
                    "updates",
                    "side",
                    "sequence_num",
                    "method",
                    "params",
                    "result",
                    "id",
                    "change_id",
                    "prev_change_id",
                    "instrument_name",
                ]
            ),
            inner,
            max_size=6,
        )
    ),
    max_leaves=25,
)


def _check(events: object) -> None:
    assert isinstance(events, tuple | list)
    for ev in events:
        assert isinstance(ev, EVENT_TYPES), ev
        if isinstance(ev, model.FeedStatus):
            assert ev.status in model.STATUSES, ev


@pytest.fixture(scope="module", params=sorted(SYMBOLS))
def venue(request: pytest.FixtureRequest) -> type[Venue]:
    """The adapter class, looked up once per test (the entry-point scan costs more than
    the parse under test); each example still gets a fresh instance and session."""
    return registry.load(request.param)


@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(venue: type[Venue], raw: bytes) -> None:
    v = venue(VenueSettings(symbols=SYMBOLS[venue.name]))
    session = v.new_session("c")
    _check(session.parse(raw, 1, 1))
    _check(session.parse(raw.decode("utf-8", "replace"), 1, 1))


@given(value=json_values)
def test_arbitrary_json_never_raises(venue: type[Venue], value: object) -> None:
    v = venue(VenueSettings(symbols=SYMBOLS[venue.name]))
    session = v.new_session("c")
    frame = msgspec.json.encode(value)
    _check(session.parse(frame, 1, 1))
    _check(session.parse(frame.decode(), 1, 1))


def test_every_registered_adapter_is_fuzzed() -> None:
    assert sorted(SYMBOLS) == registry.available()


@pytest.mark.parametrize("venue", sorted(SYMBOLS))
def test_a_text_frame_with_a_lone_surrogate_costs_one_frame(venue: str) -> None:
    """Text that cannot even be encoded (replayed captures can hold it) never stops a feed."""
    from adapters.feed import Feed

    v = registry.load(venue)(VenueSettings(symbols=SYMBOLS[venue]))
    errors: list[object] = []
    feed = Feed(v, errors.append)
    feed.on_frame(v.new_session("c"), '{"e":"depthUpdate","s":"\ud800"}', 1, 1)
    assert feed.frames == 1
    assert all(isinstance(e, model.ParseError | model.FeedStatus) for e in errors)
