"""The feed's hot path (raw levels, one tracker call) against its general path.

Two Binance spot feeds take the same random frames: one as the supervisor runs it
(with the native book, ``fast_route``: the frame read natively straight into the
tracker; else, or for any frame outside its exact grammar, ``fast_decode``: the
envelope decoded with the levels left as JSON, the tracker parsing them), one with
the hot path switched off (``Session.parse``: typed decode, a BookDelta, the same
tracker given lists). Frames also come reshaped (whitespace, key order, an extra
key, escapes, quoted or malformed numbers, text frames) so every fallback runs.
Frames continue the book, skip, gap, overlap, cross it, carry NaN, garbage or oddly
spaced levels, name an unknown symbol, or are no delta at all; snapshots and resyncs
come in between.
After every step both feeds must have emitted the same events, hold the same
books and the same counters, and ask for the same actions — with the native
tracker and with the pure-Python one.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from adapters import _book, book
from adapters.feed import Action, Feed, InstrumentState
from adapters.model import ParseError
from adapters.tracker_py import parse_levels
from adapters.venue import VenueSettings
from adapters.venues.binance import BinanceSpot, RawCombined, RawDepthUpdate

from support.mangling import Mangle, mangles

SYMBOLS = ["BTCUSDT", "ETHUSDT"]

prices = st.integers(min_value=1, max_value=30).map(lambda t: f"{100 + t / 4:.8f}")
qtys = st.one_of(st.just("0.00000000"), st.integers(1, 999).map(lambda q: f"{q / 100:.8f}"))
ask_prices = st.integers(min_value=1, max_value=30).map(lambda t: f"{105 + t / 4:.8f}")


@st.composite
def levels(draw: st.DrawFn, price: st.SearchStrategy[str]) -> str:
    pairs = draw(st.lists(st.tuples(price, qtys), max_size=6))
    text = msgspec.json.encode([list(p) for p in pairs]).decode()
    odd = draw(
        st.sampled_from(["", "", "", "", "", "nan", "int", "ws", "bare", "num", "three", "object"])
    )
    if odd == "nan":
        return '[["nan","1.0"]]'
    if odd == "int":
        return "5"
    if odd == "ws":
        return text.replace(",", " , ")
    if odd == "bare":
        return text.replace('"', "")
    if odd == "num":
        return '[[" 1.5","2"]]'
    if odd == "three":
        return '[["1","2","3"]]'
    if odd == "object":  # Kraken's form: not Binance's, refused by both paths alike
        return '[{"price":100.5,"qty":1}]'
    return text


def frame(
    symbol: str, first: int, last: int, exch_ms: int, bids: str, asks: str, shape: str = ""
) -> bytes:
    """A depth frame as Binance sends it, or reshaped: still one msgspec reads alike
    (or refuses alike), but not in the native reader's exact grammar."""
    e, E, U, u = '"e":"depthUpdate"', f'"E":{exch_ms}', f'"U":{first}', f'"u":{last}'
    stream = f"{symbol.lower()}@depth@100ms"
    if shape == "quoted":  # strict=False: msgspec takes a quoted int
        E = f'"E":"{exch_ms}"'
    elif shape == "zero":  # not JSON: msgspec refuses
        U = f'"U":0{first}'
    elif shape == "escape":
        stream = stream.replace("@", "\\u0040")
    elif shape == "control":  # a raw tab in a string: not JSON
        stream += "\t"
    elif shape == "unicode":
        stream += "é"
    data = f'{e},{E},"s":"{symbol}",{U},{u},"b":{bids},"a":{asks}'
    if shape == "order":
        data = f'{E},{e},"s":"{symbol}",{U},{u},"b":{bids},"a":{asks}'
    elif shape == "extra":
        data += ',"x":1'
    text = f'{{"stream":"{stream}","data":{{{data}}}}}'
    if shape == "ws":
        text = text.replace(":", " : ").replace("{", "{ \n")
    elif shape == "trailing":
        text += " x"
    return text.encode()


SHAPES = ["", "", "", "", "", "quoted", "zero", "escape", "control", "unicode", "order", "extra"]
SHAPES += ["ws", "trailing", "str"]


def _read_touch(st: InstrumentState) -> None:
    st.book.best_bid()
    st.book.best_ask()


class FastMatchesGeneral(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.impl = ""
        self.sides: list[tuple[Feed, Any, list[object]]] = []
        self.recv = 1_700_000_000_000_000_000

    @precondition(lambda self: not self.sides)
    @rule(impl=st.sampled_from(["native", "pure"]))
    def start(self, impl: str) -> None:
        book.use(impl)
        try:
            for fast in (True, False):
                venue = BinanceSpot(VenueSettings(symbols=list(SYMBOLS)))
                events: list[object] = []
                feed = Feed(venue, events.append)
                session = venue.new_session("c1")
                if not fast:
                    session.fast_decode = None
                    session.fast_route = None
                feed.start_connection("c1", list(SYMBOLS), 0, 0)
                feed.listeners.append(_read_touch)
                self.sides.append((feed, session, events))
        finally:
            book.use()
        assert self.sides[0][1].fast_decode is not None and self.sides[1][1].fast_decode is None
        # The native reader with the native book only (it feeds native trackers).
        assert (self.sides[0][1].fast_route is not None) == (impl == "native")

    def _both(self, fn: Any) -> None:
        for feed, session, _ in self.sides:
            fn(feed, session)

    @precondition(lambda self: bool(self.sides))
    @rule(
        symbol=st.sampled_from([*SYMBOLS, "XRPUSDT"]),
        dfirst=st.integers(min_value=-2, max_value=3),
        span=st.integers(min_value=-1, max_value=3),
        exch_ms=st.one_of(
            st.just(0), st.integers(1, 2**41), st.integers(2**62, 2**64 - 1), st.just(10**18)
        ),
        bids=levels(prices),
        asks=levels(ask_prices),
        crossing=st.booleans(),
        shape=st.sampled_from(SHAPES),
    )
    def delta(
        self,
        symbol: str,
        dfirst: int,
        span: int,
        exch_ms: int,
        bids: str,
        asks: str,
        crossing: bool,
        shape: str,
        mangle: Mangle | None = None,
    ) -> None:
        st_ = self.sides[0][0].instruments.get(symbol)
        last = st_.last_seq if st_ is not None else 0
        first = last + 1 + dfirst
        if crossing:
            asks = '[["100.00000000","1.00000000"]]'
        self.recv += 1_000
        raw = frame(symbol, first, first + span, exch_ms, bids, asks, shape)
        if mangle is not None:
            raw = mangle(raw)
        # A text frame: the native reader takes bytes only.
        f: bytes | str = raw.decode() if shape == "str" else raw
        self._both(lambda feed, session: feed.on_frame(session, f, self.recv, self.recv + 1))
        route = self.sides[0][1].fast_route
        if route is not None and isinstance(f, bytes):
            event(f"native reader: {'takes' if _book.parse_binance(f) else 'declines'} the frame")

    @precondition(lambda self: bool(self.sides))
    @rule(
        symbol=st.sampled_from(SYMBOLS),
        dfirst=st.integers(min_value=0, max_value=1),
        bids=levels(prices),
        asks=levels(ask_prices),
        mangle=mangles(),
    )
    def damaged(self, symbol: str, dfirst: int, bids: str, asks: str, mangle: Mangle) -> None:
        """A frame as Binance sends it, damaged at any byte (cut, changed, lost, added)."""
        self.delta(symbol, dfirst, 0, 1672515782136, bids, asks, False, "", mangle)

    @precondition(lambda self: bool(self.sides))
    @rule(
        raw=st.sampled_from(
            [
                b'{"result":null,"id":1}',
                b"not json",
                b'{"stream":"x","data":{"e":"serverShutdown","E":1}}',
                b'{"stream":"x","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT"}}',
            ]
        )
    )
    def other(self, raw: bytes) -> None:
        self.recv += 1_000
        self._both(lambda feed, session: feed.on_frame(session, raw, self.recv, self.recv + 1))

    @precondition(lambda self: bool(self.sides))
    @rule(
        symbol=st.sampled_from(SYMBOLS),
        seq=st.integers(min_value=0, max_value=40),
        bids=st.lists(st.tuples(prices, qtys), max_size=5),
        asks=st.lists(st.tuples(ask_prices, qtys), max_size=5),
    )
    def snapshot(
        self, symbol: str, seq: int, bids: list[tuple[str, str]], asks: list[tuple[str, str]]
    ) -> None:
        body = msgspec.json.encode({"lastUpdateId": seq, "bids": bids, "asks": asks})
        self.recv += 1_000

        def load(feed: Feed, _: Any) -> None:
            feed.take_actions()
            feed.on_snapshot(feed.venue.parse_snapshot(symbol, body, self.recv, self.recv + 1))

        self._both(load)

    @invariant()
    def same(self) -> None:
        if not self.sides:
            return
        (a, _, ea), (b, _, eb) = self.sides
        assert ea == eb
        for name in ("frames", "parse_errors", "unknown_symbols", "heartbeats"):
            assert getattr(a, name) == getattr(b, name), name
        assert [(x.kind, x.symbol, x.reason) for x in a.actions] == [
            (x.kind, x.symbol, x.reason) for x in b.actions
        ]
        for sym in SYMBOLS:
            sa, sb = a.instruments[sym], b.instruments[sym]
            assert sa.book.levels() == sb.book.levels()
            for name in (
                "frames",
                "updates",
                "gaps",
                "resyncs",
                "crossed",
                "parse_errors",
                "last_seq",
                "fresh",
                "synced",
                "buffering",
                "last_update_ns",
                "last_update_mono",
                "last_exch_ns",
                "lat_n",
                "resync_reason",
            ):
                assert getattr(sa, name) == getattr(sb, name), (sym, name)
            assert len(sa.buffer) == len(sb.buffer)
            assert sa.latencies() == sb.latencies()


TestFastMatchesGeneral = FastMatchesGeneral.TestCase
TestFastMatchesGeneral.settings = settings(max_examples=50, stateful_step_count=25, deadline=None)

_raw_combined = msgspec.json.Decoder(RawCombined, strict=False)


@given(
    symbol=st.sampled_from([*SYMBOLS, "X"]),
    first=st.integers(min_value=0, max_value=10**19),
    span=st.integers(min_value=0, max_value=3),
    exch_ms=st.one_of(st.integers(min_value=0, max_value=2**41), st.integers(0, 2**64 - 1)),
    bids=levels(prices),
    asks=levels(ask_prices),
    shape=st.sampled_from(SHAPES[:-1]),
    mangle=st.one_of(st.none(), mangles()),
)
def test_the_native_reader_reads_what_msgspec_reads(
    symbol: str,
    first: int,
    span: int,
    exch_ms: int,
    bids: str,
    asks: str,
    shape: str,
    mangle: Mangle | None,
) -> None:
    """What adapters/_binance.c takes from a frame, msgspec's decode of the same frame
    gives alike, however the frame is damaged; and a frame as Binance sends it, it takes."""
    f = frame(symbol, first, first + span, exch_ms, bids, asks, shape)
    if mangle is not None:
        f = mangle(f)
        shape = "damaged"
    got = _book.parse_binance(f)
    try:
        m = _raw_combined.decode(f).delta
        assert isinstance(m, RawDepthUpdate)  # the union's other member is never sent
        want: Any = (m.symbol, m.exch_ms, m.first_seq, m.seq)
        want += (parse_levels(m.bids), parse_levels(m.asks))
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
        want = None  # (msgspec words invalid UTF-8 in a string as UnicodeDecodeError)
    if got is not None:
        assert got == want
    readable = want is not None and None not in want
    if shape == "" and readable and max(first + span, exch_ms) < 10**18:
        assert got == want


@pytest.mark.usefixtures("book_impl")
def test_the_hot_path_applies_a_documented_update_and_counts_it() -> None:
    venue = BinanceSpot(VenueSettings(symbols=["BNBBTC"]))
    feed = Feed(venue)
    session = venue.new_session("c1")
    feed.start_connection("c1", ["BNBBTC"], 0, 0)
    feed.take_actions()
    body = '{"lastUpdateId":156,"bids":[["0.0023","1"]],"asks":[["0.0027","1"]]}'
    feed.on_snapshot(venue.parse_snapshot("BNBBTC", body, 1, 2))
    seen: list[float | None] = []
    feed.listeners.append(lambda st: seen.append(st.book.best_bid()))
    f = frame("BNBBTC", 157, 160, 1672515782136, '[["0.0024","10"]]', '[["0.0026","100"]]')
    assert session.fast_decode is not None and session.fast_decode(f).delta.seq == 160
    feed.on_frame(session, f, 1672515782136_000_000 + 5_000_000, 9)
    st = feed.instruments["BNBBTC"]
    assert st.book.levels() == ({0.0023: 1.0, 0.0024: 10.0}, {0.0026: 100.0, 0.0027: 1.0})
    assert (st.last_seq, st.fresh, st.updates, st.frames, st.last_update_mono) == (
        160,
        False,
        1,
        1,
        9,
    )
    assert st.latencies() == [5_000_000] and seen == [0.0024]


@pytest.mark.usefixtures("book_impl")
def test_levels_the_hot_path_does_not_take_are_worded_by_msgspec_or_refused_whole() -> None:
    venue = BinanceSpot(VenueSettings(symbols=["BNBBTC"]))
    events: list[object] = []
    feed = Feed(venue, events.append)
    session = venue.new_session("c1")
    feed.start_connection("c1", ["BNBBTC"], 0, 0)
    feed.take_actions()
    body = '{"lastUpdateId":156,"bids":[["0.0023","1"]],"asks":[["0.0027","1"]]}'
    feed.on_snapshot(venue.parse_snapshot("BNBBTC", body, 1, 2))
    st = feed.instruments["BNBBTC"]
    before = st.book.levels()
    # Not levels at all: msgspec's typed decode says what is wrong, nothing is applied.
    feed.on_frame(session, frame("BNBBTC", 157, 158, 1, "5", "[]"), 10, 10)
    (err,) = [e for e in events if isinstance(e, ParseError)]
    assert "Expected `array`, got `int`" in err.reason and "data.b" in err.reason
    assert st.book.levels() == before and st.last_seq == 156 and st.synced
    # A NaN price msgspec accepts: no ladder can order it, so the whole update is
    # refused (the bids beside it too) and the book is rebuilt.
    nan = '[["nan","1.0"]]'
    feed.on_frame(session, frame("BNBBTC", 157, 158, 1, '[["0.0024","3"]]', nan), 11, 11)
    refused = [e for e in events if isinstance(e, ParseError)][-1]
    assert "levels refused by the book" in refused.reason and "NaN" in refused.reason
    assert not st.synced and st.resyncs == 1 and st.updates == 0
    assert [a.kind for a in feed.take_actions()] == [Action.SNAPSHOT]


@pytest.mark.parametrize("impl", ["native", "pure"])
@pytest.mark.parametrize(
    "damage", [(b'"stream"', b'"strea "'), (b'"e":"depthUpdate"', b'" ":"depthUpdate"')]
)
def test_a_frame_the_general_path_refuses_is_not_applied_by_the_hot_path(
    impl: str, damage: tuple[bytes, bytes]
) -> None:
    """Found by the damaged-frame rule: the hot path's envelope took a frame with no
    ``stream`` (or no ``e``) and applied it, where the general path reports it."""
    book.use(impl)
    try:
        sides = []
        for fast in (True, False):
            venue = BinanceSpot(VenueSettings(symbols=["BTCUSDT"]))
            events: list[object] = []
            feed = Feed(venue, events.append)
            session = venue.new_session("c1")
            if not fast:
                session.fast_decode = None
                session.fast_route = None
            feed.start_connection("c1", ["BTCUSDT"], 0, 0)
            body = '{"lastUpdateId":0,"bids":[],"asks":[]}'
            feed.on_snapshot(venue.parse_snapshot("BTCUSDT", body, 1, 2))
            f = frame("BTCUSDT", 1, 1, 1672515782136, '[["100.5","1"]]', "[]")
            feed.on_frame(session, f.replace(*damage), 10, 11)
            st = feed.instruments["BTCUSDT"]
            sides.append((events, st.updates, st.book.levels(), feed.parse_errors))
    finally:
        book.use()
    assert sides[0] == sides[1]
    assert sides[0][1:] == (0, ({}, {}), 1)
