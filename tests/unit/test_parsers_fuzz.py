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


# Every example goes to every venue's parser: the adapters are looked up once (the
# entry-point scan costs more than a parse) and drawing the example is the costly part,
# so one draw serves all seven. Each example gets fresh instances and sessions.
ADAPTERS: dict[str, type[Venue]] = {name: registry.load(name) for name in sorted(SYMBOLS)}


def _parse_everywhere(frame: bytes) -> None:
    text = frame.decode("utf-8", "replace")
    for name, cls in ADAPTERS.items():
        session = cls(VenueSettings(symbols=SYMBOLS[name])).new_session("c")
        for raw in (frame, text):
            try:
                _check(session.parse(raw, 1, 1))
            except Exception as exc:
                raise AssertionError(f"{name}: {raw!r}") from exc


@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    _parse_everywhere(raw)


@given(value=json_values)
def test_arbitrary_json_never_raises(value: object) -> None:
    _parse_everywhere(msgspec.json.encode(value))


def test_every_registered_adapter_is_fuzzed() -> None:
    assert sorted(SYMBOLS) == registry.available() == sorted(ADAPTERS)


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
