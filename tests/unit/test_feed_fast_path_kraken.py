"""Kraken's hot path (raw levels, update and CRC32 in one tracker call) against its
general path.

Two Kraken feeds take the same random frames: one as the supervisor runs it
(``fast_decode``: the envelope decoded with the levels left as JSON, the tracker
parsing them, applying, truncating and verifying the checksum natively), one with
the hot path switched off (``Session.parse``: typed decode, a ``BookDelta``, the
tracker given lists, the checksum checked by the feed). Updates carry the right
checksum, a wrong one or none, timestamps of every shape, levels in odd text
(quoted numbers, reordered or extra members, non-JSON numbers), several books,
unknown symbols; snapshots, instrument lists (the precisions the checksum needs),
heartbeats and garbage come in between. After every step both feeds must have
emitted the same events, hold the same books and counters, and ask for the same
actions.

Only the native book has the hot path: the pure-Python book verifies the checksum
from per-level texts ``parse`` tracks, so its session leaves ``fast_decode`` unset
(checked below).
"""

from __future__ import annotations

from typing import Any

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from adapters import book
from adapters.feed import Feed, InstrumentState
from adapters.model import FeedStatus, ParseError
from adapters.tracker_py import parse_levels
from adapters.venue import VenueSettings
from adapters.venues.kraken import Kraken

from support.mangling import Mangle, mangles

SYMBOLS = ["BTC/USD", "ETH/USD"]
PRECISION = {"BTC/USD": (1, 8), "ETH/USD": (2, 8)}
BASE = {"BTC/USD": 45000.0, "ETH/USD": 3000.0}
INSTRUMENTS = (
    b'{"channel":"instrument","type":"snapshot","data":{"assets":[],"pairs":['
    b'{"symbol":"BTC/USD","qty_precision":8,"price_precision":1},'
    b'{"symbol":"ETH/USD","qty_precision":8,"price_precision":2}]}}'
)

ticks = st.integers(min_value=-12, max_value=12)
sizes = st.one_of(st.just(0), st.integers(min_value=1, max_value=10**8))
level_lists = st.lists(st.tuples(ticks, sizes), max_size=5)
ODD_LEVELS = [
    '[{"price":"45000.1","qty":1}]',  # a string where Kraken sends a number
    '[{"qty":1,"price":45000.1}]',  # members reordered: msgspec takes it, the parser not
    '[{"price":45000.1,"qty":1,"x":2}]',
    '[{"price":45000.1}]',
    "[[45000.1,1]]",
    '[{"price":1e999,"qty":1}]',
    '[{"price":NaN,"qty":1}]',
    '{"price":1,"qty":1}',
    '[{"price":-5,"qty":1}]',
]
STAMPS = [
    "2026-11-28T20:11:22.279844Z",
    "2024-02-29T23:59:59.999999Z",
    "2026-11-28T20:11:22.2798Z",
    "2026-02-30T00:00:00.000000Z",
    "2026-11-28T20:11:22.279844+00:00",
    "not a time",
]


def _price(symbol: str, tick: int, ask: bool) -> float:
    step = 10.0 ** -PRECISION[symbol][0]
    return round(BASE[symbol] + (tick + (30 if ask else 0)) * step, PRECISION[symbol][0])


def _levels_text(symbol: str, levels: list[tuple[int, int]], ask: bool) -> str:
    places = PRECISION[symbol][0]
    return (
        "["
        + ",".join(
            f'{{"price":{_price(symbol, t, ask):.{places}f},"qty":{q / 1e8:.8f}}}'
            for t, q in levels
        )
        + "]"
    )


def _book_json(symbol: str, bids: str, asks: str, checksum: int | None, stamp: str | None) -> str:
    out = f'{{"symbol":"{symbol}","bids":{bids},"asks":{asks}'
    if checksum is not None:
        out += f',"checksum":{checksum}'
    if stamp is not None:
        out += f',"timestamp":"{stamp}"'
    return out + "}"


def _frame(kind: str, books: list[str], shape: str = "") -> bytes:
    """A book message as Kraken sends it, or reshaped: one msgspec reads alike (or
    refuses alike), but not in the native reader's exact grammar."""
    head = f'"channel":"book","type":"{kind}"'
    if shape == "order":
        head = f'"type":"{kind}","channel":"book"'
    elif shape == "extra":
        head += ',"x":1'
    text = f'{{{head},"data":[{",".join(books)}]}}'
    if shape == "ws":
        text = text.replace('":', '" :\t').replace("[", "[ \n").replace("}", "\r}")
    elif shape == "escape":
        text = text.replace("/", "\\/")
    elif shape == "control":  # a raw tab in a string: not JSON
        text = text.replace('"book"', '"bo\tok"')
    return text.encode()


def _read_touch(st: InstrumentState) -> None:
    st.book.best_bid()
    st.book.best_ask()


class KrakenFastMatchesGeneral(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.sides: list[tuple[Feed, Any, list[object]]] = []
        self.recv = 1_700_000_000_000_000_000
        self.general = [0]
        """Frames the hot-path feed handed to its session's parse()."""
        book.use("native")
        try:
            for fast in (True, False):
                venue = Kraken(VenueSettings(symbols=list(SYMBOLS), depth=10))
                events: list[object] = []
                feed = Feed(venue, events.append)
                session = venue.new_session("c1")
                if fast:
                    session.parse = self._counted(session.parse)  # type: ignore[method-assign]
                else:
                    session.fast_decode = None
                feed.start_connection("c1", list(SYMBOLS), 0, 0)
                feed.listeners.append(_read_touch)
                self.sides.append((feed, session, events))
        finally:
            book.use()
        assert self.sides[0][1].fast_decode is not None and self.sides[1][1].fast_decode is None

    def _counted(self, parse: Any) -> Any:
        def counted(*args: Any) -> Any:
            self.general[0] += 1
            return parse(*args)

        return counted

    def _send(self, frame: bytes) -> None:
        self.recv += 1_000
        for feed, session, _ in self.sides:
            feed.on_frame(session, frame, self.recv, self.recv + 1)

    def _right(self, symbol: str, bids: str, asks: str) -> int | None:
        """The checksum the book will have after this update (None: levels that are
        not plain), found on a scratch book loaded from the general feed's."""
        b, a = parse_levels(bids.encode(), True), parse_levels(asks.encode(), True)
        feed = self.sides[1][0]
        st = feed.instruments[symbol]
        if b is None or a is None or not st.synced:
            return None
        scratch = book.native_book_type()()
        scratch.load(*(list(side.items()) for side in st.book.levels()))
        scratch.apply(b, a)
        scratch.truncate(10)
        return scratch.checksum_crc32(10, *PRECISION[symbol])

    @initialize()
    def start(self) -> None:
        """Precisions and books first, so updates can take the hot path from the start."""
        self._send(INSTRUMENTS)
        for symbol in SYMBOLS:
            self.good_snapshot(symbol, [(-1, 10**7), (-2, 10**7)], [(1, 10**7)])

    @rule()
    def instruments(self) -> None:
        self._send(INSTRUMENTS)

    @rule(symbol=st.sampled_from(SYMBOLS), bids=level_lists, asks=level_lists, right=st.booleans())
    def snapshot(
        self, symbol: str, bids: list[tuple[int, int]], asks: list[tuple[int, int]], right: bool
    ) -> None:
        """A resubscription's snapshot (its checksum is the general path's to check)."""
        b, a = _levels_text(symbol, bids, False), _levels_text(symbol, asks, True)
        scratch = book.native_book_type()()
        scratch.load(parse_levels(b.encode(), True) or [], parse_levels(a.encode(), True) or [])
        crc = scratch.checksum_crc32(10, *PRECISION[symbol])
        self._send(_frame("snapshot", [_book_json(symbol, b, a, crc if right else 1, None)]))

    @rule(symbol=st.sampled_from(SYMBOLS), bids=level_lists, asks=level_lists)
    def good_snapshot(
        self, symbol: str, bids: list[tuple[int, int]], asks: list[tuple[int, int]]
    ) -> None:
        self.snapshot(symbol, bids, asks, True)

    @rule(symbol=st.sampled_from(SYMBOLS), bids=level_lists, asks=level_lists)
    def update(self, symbol: str, bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> None:
        """What Kraken sends: the hot path's frames."""
        self._update(symbol, bids, asks, "right", STAMPS[0], False, False)

    @rule(symbol=st.sampled_from(SYMBOLS), bids=level_lists, asks=level_lists, mangle=mangles())
    def damaged(
        self,
        symbol: str,
        bids: list[tuple[int, int]],
        asks: list[tuple[int, int]],
        mangle: Mangle,
    ) -> None:
        """An update as Kraken sends it, damaged at any byte (cut, changed, lost, added)."""
        self._update(symbol, bids, asks, "right", STAMPS[0], False, False, "", mangle)

    @rule(
        symbol=st.sampled_from([*SYMBOLS, "XRP/USD"]),
        bids=st.one_of(level_lists, st.sampled_from(ODD_LEVELS)),
        asks=st.one_of(level_lists, st.sampled_from(ODD_LEVELS)),
        checksum=st.sampled_from(["right", "wrong", "none", "huge"]),
        stamp=st.one_of(st.sampled_from(STAMPS), st.none()),
        crossing=st.booleans(),
        second=st.booleans(),
        shape=st.sampled_from(["", "order", "extra", "ws", "escape", "control"]),
    )
    def odd_update(
        self,
        symbol: str,
        bids: list[tuple[int, int]] | str,
        asks: list[tuple[int, int]] | str,
        checksum: str,
        stamp: str | None,
        crossing: bool,
        second: bool,
        shape: str,
    ) -> None:
        """Anything else: the general path's, or the hot path's refusals and mismatches."""
        self._update(symbol, bids, asks, checksum, stamp, crossing, second, shape)

    def _update(
        self,
        symbol: str,
        bids: list[tuple[int, int]] | str,
        asks: list[tuple[int, int]] | str,
        checksum: str,
        stamp: str | None,
        crossing: bool,
        second: bool,
        shape: str = "",
        mangle: Mangle | None = None,
    ) -> None:
        sym = symbol if symbol in PRECISION else "BTC/USD"
        b = bids if isinstance(bids, str) else _levels_text(sym, bids, False)
        a = asks if isinstance(asks, str) else _levels_text(sym, asks, True)
        if crossing:
            a = _levels_text(sym, [(-3, 5)], False)
        crc: int | None = None
        if symbol in PRECISION and checksum in ("right", "wrong"):
            crc = self._right(symbol, b, a)
            if crc is None or checksum == "wrong":
                crc = 12345 if crc != 12345 else 54321
        elif checksum == "huge":
            crc = 2**64 + 5
        books = [_book_json(symbol, b, a, crc, stamp)]
        if second:  # two books in one message: the general path's
            books.append(_book_json("ETH/USD", "[]", "[]", 0, stamp))
        before = self.general[0]
        raw = _frame("update", books, shape)
        self._send(mangle(raw) if mangle is not None else raw)
        event("update: general path" if self.general[0] > before else "update: hot path")

    @rule(
        raw=st.sampled_from(
            [
                b'{"channel":"heartbeat"}',
                b"not json",
                b'{"channel":"book","type":"update"}',
                b'{"channel":"book","type":"update","data":[]}',
                b'{"channel":"book","type":"update","data":[{"bids":[]}]}',
                b'{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD"}]}',
                b'{"channel":"status","type":"update","data":[{"system":"maintenance"}]}',
            ]
        )
    )
    def other(self, raw: bytes) -> None:
        self._send(raw)

    @rule(symbol=st.sampled_from(SYMBOLS))
    def resync(self, symbol: str) -> None:
        for feed, _, _ in self.sides:
            feed.resync(symbol, "test", self.recv, self.recv)
            feed.take_actions()

    @invariant()
    def same(self) -> None:
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
                "checksum_ok",
                "checksum_failures",
                "checksum_skipped",
                "resyncs",
                "crossed",
                "parse_errors",
                "fresh",
                "synced",
                "last_update_ns",
                "last_update_mono",
                "last_exch_ns",
                "lat_n",
                "resync_reason",
            ):
                assert getattr(sa, name) == getattr(sb, name), (sym, name)
            assert sa.latencies() == sb.latencies()


TestKrakenFastMatchesGeneral = KrakenFastMatchesGeneral.TestCase
TestKrakenFastMatchesGeneral.settings = settings(
    max_examples=50, stateful_step_count=40, deadline=None
)


def _synced_feed() -> tuple[Kraken, Feed, Any, list[object]]:
    book.use("native")
    try:
        venue = Kraken(VenueSettings(symbols=["BTC/USD"], depth=10))
    finally:
        book.use()
    events: list[object] = []
    feed = Feed(venue, events.append)
    session = venue.new_session("c1")
    feed.start_connection("c1", ["BTC/USD"], 0, 0)
    feed.on_frame(session, INSTRUMENTS, 1, 1)
    snap = _book_json(
        "BTC/USD", '[{"price":45000.0,"qty":1.0}]', '[{"price":45002.0,"qty":1.0}]', None, None
    )
    feed.on_frame(session, _frame("snapshot", [snap]), 2, 2)
    return venue, feed, session, events


def test_the_hot_path_verifies_a_good_checksum_and_catches_a_bad_one() -> None:
    _, feed, session, events = _synced_feed()
    st = feed.instruments["BTC/USD"]
    scratch = book.native_book_type()()
    scratch.load([(45000.0, 1.0), (45000.5, 2.0)], [(45002.0, 1.0)])
    good = scratch.checksum_crc32(10, 1, 8)
    bids = '[{"price":45000.5,"qty":2.00000000}]'
    stamp = "2026-11-28T20:11:22.279844Z"
    frame = _frame("update", [_book_json("BTC/USD", bids, "[]", good, stamp)])
    assert session.fast_decode is not None and session.fast_decode(frame).delta.checksum == good
    general = session.parse
    calls: list[object] = []
    session.parse = calls.append  # both frames below stay on the hot path
    feed.on_frame(session, frame, 1_795_896_682_279_844_000 + 7_000, 3)
    assert (st.checksum_ok, st.checksum_failures, st.updates, st.synced) == (1, 0, 1, True)
    assert st.latencies() == [7_000] and st.book.best_bid() == 45000.5
    bad = _frame("update", [_book_json("BTC/USD", '[{"price":45000.7,"qty":1}]', "[]", 9, stamp)])
    feed.on_frame(session, bad, 10, 4)
    session.parse = general
    assert calls == []
    (mismatch,) = [
        e for e in events if isinstance(e, FeedStatus) and e.status == "checksum_mismatch"
    ]
    assert mismatch.reason == f"checksum mismatch: venue 9, local {_crc_after_bad()}"
    assert st.checksum_failures == 1 and not st.synced and st.book.empty


def _crc_after_bad() -> int:
    scratch = book.native_book_type()()
    scratch.load([(45000.0, 1.0), (45000.5, 2.0), (45000.7, 1.0)], [(45002.0, 1.0)])
    return scratch.checksum_crc32(10, 1, 8)


def test_levels_the_hot_path_does_not_take_are_worded_by_msgspec_and_apply_nothing() -> None:
    _, feed, session, events = _synced_feed()
    st = feed.instruments["BTC/USD"]
    before = st.book.levels()
    quoted = '[{"price":"45000.5","qty":1}]'
    feed.on_frame(session, _frame("update", [_book_json("BTC/USD", quoted, "[]", 1, "")]), 5, 5)
    (err,) = [e for e in events if isinstance(e, ParseError)]
    assert err.reason.startswith("unexpected message shape: Expected `float`, got `str`")
    assert "\n" not in err.reason and st.book.levels() == before and st.synced


def test_the_pure_book_has_no_hot_path() -> None:
    book.use("pure")
    try:
        venue = Kraken(VenueSettings(symbols=["BTC/USD"]))
    finally:
        book.use()
    assert venue.new_session("c1").fast_decode is None
