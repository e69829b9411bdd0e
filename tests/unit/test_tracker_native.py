"""The native instrument tracker against the pure-Python reference, step by step.

Both trackers receive the same random sequence of updates (every rule, gaps, skips,
resets of the numbering, crossed books, NaN prices, refused raw levels, timestamps
that are no clock), snapshots and clears; after every step the verdict (or the
error), the book, the sequence state, the counters and the latency samples must be
identical. The native level parser must give the doubles float() and msgspec give.
"""

from __future__ import annotations

import copy
import datetime
import math
import zlib
from typing import Any

import msgspec
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from adapters import _book, book_py, tracker_py
from adapters.book import native_book_type
from adapters.sequence import APPLY, CHECKSUM, CROSSED, GAP, RULES, SKIP, UNPARSED
from adapters.venues.kraken import KLevel
from adapters.wire import IsoClock

_levels_msgspec = msgspec.json.Decoder(list[tuple[float, float]], strict=False).decode
_objects_msgspec = msgspec.json.Decoder(list[KLevel]).decode

prices = st.integers(min_value=1, max_value=40).map(lambda t: 100.0 + t / 4)
qtys = st.one_of(st.just(0.0), st.integers(min_value=1, max_value=999).map(lambda q: q / 100))
pairs = st.lists(st.tuples(prices, qtys), max_size=8)


def _native_book() -> Any:
    return native_book_type()()  # typed as the reference's class, which it stands for


def _text(v: float, quoted: bool) -> str:
    s = repr(v)
    return f'"{s}"' if quoted else s


@st.composite
def raw_levels(draw: st.DrawFn) -> bytes:
    """The JSON text of a level array: mostly what Binance sends, sometimes not."""
    levels = draw(pairs)
    quoted = draw(st.booleans())
    body = ",".join(f"[{_text(p, quoted)},{_text(q, quoted)}]" for p, q in levels)
    text = f"[{body}]"
    odd = draw(
        st.sampled_from(
            ["", "", "", "", "ws", "nan", "inf", "hex", "third", "string", "1e999", "trailing"]
        )
    )
    if odd == "ws":
        text = text.replace(",", " ,\n").replace("[", "[ ")
    elif odd == "nan" and levels:
        text = text.replace(_text(levels[0][0], quoted), '"nan"', 1)
    elif odd == "inf":
        text = '[["inf","1"]]'
    elif odd == "hex":
        text = '[["0x10","1"]]'
    elif odd == "third":
        text = '[["1","2","3"]]'
    elif odd == "string":
        text = '"[]"'
    elif odd == "1e999":
        text = '[["1e999","1"]]'
    elif odd == "trailing":
        text += ","
    return text.encode()


def _as_raw(text: bytes) -> msgspec.Raw | bytes:
    """As the session hands it over: a msgspec.Raw inside a decoded frame."""
    try:
        return msgspec.json.decode(b"[" + text + b"]", type=list[msgspec.Raw])[0]
    except msgspec.DecodeError:
        return text  # not JSON at all: no frame would have decoded


@st.composite
def raw_objects(draw: st.DrawFn) -> bytes:
    """Kraken v2's level array, [{"price":..,"qty":..}], mostly as sent, sometimes not."""
    levels = draw(pairs)
    body = ",".join(f'{{"price":{p!r},"qty":{q!r}}}' for p, q in levels)
    text = f"[{body}]"
    odd = draw(
        st.sampled_from(
            ["", "", "", "", "ws", "quoted", "order", "extra", "mixed", "missing", "dup", "nan"]
        )
    )
    if odd == "ws":
        text = text.replace(":", " :\t").replace(",", " , ").replace("{", "{ ")
    elif odd == "quoted":
        text = '[{"price":"1.5","qty":2}]'
    elif odd == "order":
        text = '[{"qty":2,"price":1.5}]'
    elif odd == "extra":
        text = '[{"price":1.5,"qty":2,"x":1}]'
    elif odd == "mixed":
        text = '[{"price":1.5,"qty":2},[1.5,2]]'
    elif odd == "missing":
        text = '[{"price":1.5}]'
    elif odd == "dup":
        text = '[{"price":1.5,"price":2,"qty":1}]'
    elif odd == "nan":
        text = '[{"price":NaN,"qty":1}]'
    return text.encode()


level_args = st.one_of(
    pairs,
    pairs.map(lambda lv: [list(x) for x in lv]),
    st.just([(math.nan, 1.0)]),
    raw_levels(),
    raw_levels().map(_as_raw),
    raw_objects().map(_as_raw),
)
stamps = st.one_of(
    st.just(""),
    st.datetimes(
        min_value=datetime.datetime(1960, 1, 1), max_value=datetime.datetime(2300, 1, 1)
    ).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
    st.sampled_from(
        [
            "2026-02-29T00:00:00.000000Z",  # no such day
            "2024-02-29T23:59:59.999999Z",
            "2026-11-28T24:00:00.000000Z",
            "2026-11-28T20:11:60.000000Z",  # a leap second: the venue parser's call
            "2026-11-28T20:11:22.2798Z",
            "2026-11-28T20:11:22.279844+00:00",
            "2026-11-28 20:11:22.279844Z",
            "2026-11-28T20:11:22.27984\u0661Z",
            "not a time",
        ]
    ),
)
rule_codes = st.sampled_from(sorted(RULES.values()))
clocks = st.one_of(
    st.just(0),
    st.integers(min_value=1, max_value=2**62),
    st.integers(min_value=-(2**70), max_value=2**70),  # no clock: never a sample
)


def _call(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except (ValueError, TypeError) as exc:
        return type(exc)


class NativeTrackerMatchesPure(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.pure: tracker_py.Tracker | None = None
        self.native: Any = None
        self.recv = 1_700_000_000_000_000_000

    @precondition(lambda self: self.pure is None)
    @rule(rule_code=rule_codes, depth=st.integers(min_value=0, max_value=4))
    def start(self, rule_code: int, depth: int) -> None:
        self.pure = tracker_py.Tracker(book_py.Book(), rule_code, depth)
        self.native = _book.Tracker(_native_book(), rule_code, depth)

    @precondition(lambda self: self.pure is not None)
    @rule(
        dseq=st.integers(min_value=-3, max_value=4),
        dfirst=st.integers(min_value=-3, max_value=3),
        dprev=st.integers(min_value=-2, max_value=1),
        exch=clocks,
        bids=level_args,
        asks=level_args,
        force=st.booleans(),
        in_ms=st.booleans(),
    )
    def update(
        self,
        dseq: int,
        dfirst: int,
        dprev: int,
        exch: int,
        bids: Any,
        asks: Any,
        force: bool,
        in_ms: bool,
    ) -> None:
        assert self.pure is not None
        last = self.pure.last_seq
        seq, first, prev = last + dseq, last + dfirst, last + dprev
        self.recv += 1_000_000
        if force or self.pure.rule == RULES[""]:
            args: tuple[Any, ...] = (seq, exch, self.recv, self.recv + 7, bids, asks)
            want = _call(self.pure.force, *args)
            got = _call(self.native.force, *args)
        else:
            args = (seq, first, prev, exch, self.recv, self.recv + 7, bids, asks)
            if in_ms:  # the venue's time in ms, scaled natively (overflow: no time)
                want = _call(self.pure.step_ms, *args)
                got = _call(self.native.step_ms, *args)
            else:
                want = _call(self.pure.step, *args)
                got = _call(self.native.step, *args)
        assert got == want
        assert want in (APPLY, CROSSED, SKIP, GAP, UNPARSED, ValueError)

    @precondition(lambda self: self.pure is not None and self.pure.rule != RULES[""])
    @rule(
        dseq=st.integers(min_value=-3, max_value=4),
        dfirst=st.integers(min_value=-3, max_value=3),
        exch=st.one_of(clocks, stamps),
        bids=level_args,
        asks=level_args,
        right=st.booleans(),
        n=st.integers(min_value=-1, max_value=12),  # -1: refused before anything applies
        pp=st.integers(min_value=0, max_value=9),
        qp=st.integers(min_value=0, max_value=9),
    )
    def checked(
        self,
        dseq: int,
        dfirst: int,
        exch: int | str,
        bids: Any,
        asks: Any,
        right: bool,
        n: int,
        pp: int,
        qp: int,
    ) -> None:
        """step_checked: the verdict, then the checksum verified natively; ``right``
        sends the checksum the book will have (found on a copy of the reference)."""
        assert self.pure is not None
        last = self.pure.last_seq
        seq, first = last + dseq, last + dfirst
        self.recv += 1_000_000
        args: list[Any] = [
            seq,
            first,
            last,
            exch,
            self.recv,
            self.recv + 7,
            bids,
            asks,
            0,
            n,
            pp,
            qp,
        ]
        trial = copy.deepcopy(self.pure)
        if _call(trial.step_checked, *args) == CHECKSUM:
            crc = _reference_crc(trial, n, pp, qp)
            args[8] = crc if right else crc ^ 1
        want = _call(self.pure.step_checked, *args)
        got = _call(self.native.step_checked, *args)
        assert got == want
        assert want in (APPLY, CROSSED, SKIP, GAP, UNPARSED, CHECKSUM, ValueError)
        event(f"checked: {want} right={right}")

    @precondition(lambda self: self.pure is not None)
    @rule(seq=st.integers(min_value=-1, max_value=50), bids=pairs, asks=pairs)
    def snapshot(self, seq: int, bids: list[Any], asks: list[Any]) -> None:
        for t in (self.pure, self.native):
            assert t is not None
            t.last_seq = seq
            t.fresh = True
            t.book.load(bids, asks)

    @precondition(lambda self: self.pure is not None)
    @rule()
    def clear(self) -> None:
        for t in (self.pure, self.native):
            assert t is not None
            t.fresh = False
            t.book.clear()

    @precondition(lambda self: self.pure is not None)
    @rule(since=st.integers(min_value=-5, max_value=600))
    def latencies(self, since: int) -> None:
        assert self.pure is not None
        assert self.native.latencies(since) == self.pure.latencies(since)

    @invariant()
    def same_state(self) -> None:
        p, n = self.pure, self.native
        if p is None:
            return
        assert p.book.levels() == n.book.levels()
        for side in ("bids", "asks"):
            assert getattr(p.book, side).version == getattr(n.book, side).version
        for name in (
            "last_seq",
            "fresh",
            "updates",
            "last_update_ns",
            "last_update_mono",
            "last_exch_ns",
            "lat_n",
            "rule",
            "depth",
        ):
            assert getattr(p, name) == getattr(n, name), name
        assert p.latencies() == n.latencies()


TestNativeTrackerMatchesPure = NativeTrackerMatchesPure.TestCase
TestNativeTrackerMatchesPure.settings = settings(
    max_examples=40, stateful_step_count=25, deadline=None
)


def _reference_crc(t: tracker_py.Tracker, n: int, pp: int, qp: int) -> int:
    """Kraken's guide, literally: each level's price and qty with the pair's decimals,
    point and leading zeros removed, asks (best first) then bids."""

    def text(v: float, places: int) -> str:
        return f"{v:.{places}f}".replace(".", "").lstrip("0")

    return zlib.crc32(
        "".join(
            text(p, pp) + text(q, qp) for side in (t.book.asks, t.book.bids) for p, q in side.top(n)
        ).encode()
    )


@given(stamps)
def test_iso_times_the_tracker_reads_are_the_venue_parsers(text: str) -> None:
    """Where the native and reference trackers read a timestamp themselves, the
    venue parser (IsoClock) gives the same ns; anything else they leave to it."""
    got = tracker_py.iso_ns(text)
    if got is not None:
        assert got == IsoClock().ns(text)
    for t in (
        tracker_py.Tracker(book_py.Book(), RULES["always"]),
        _book.Tracker(_native_book(), RULES["always"]),
    ):
        verdict = t.step_checked(1, 1, 0, text, 2**62, 1, [], [], 0, 0, 1, 1)
        if got is None and text:
            assert verdict == UNPARSED and t.updates == 0
        else:
            assert verdict == APPLY and t.last_exch_ns == (got or 0)


# -- the level parser's doubles -------------------------------------------------------------


@st.composite
def decimals(draw: st.DrawFn) -> str:
    """Decimal text in JSON's number grammar: short and long mantissas, tiny and huge exponents."""
    sign = draw(st.sampled_from(["", "", "-"]))
    whole = draw(st.one_of(st.just("0"), st.from_regex(r"[1-9][0-9]{0,25}", fullmatch=True)))
    frac = draw(st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,40}", fullmatch=True)))
    exp = draw(
        st.one_of(
            st.just(""),
            st.integers(min_value=-400, max_value=400).map(lambda e: f"e{e:+d}"),
            st.integers(min_value=0, max_value=30).map(lambda e: f"E{e}"),
        )
    )
    return sign + whole + frac + exp


@given(decimals(), decimals(), st.booleans())
def test_native_levels_are_the_doubles_float_and_msgspec_give(p: str, q: str, quoted: bool) -> None:
    text = (f'[["{p}","{q}"]]' if quoted else f"[[{p},{q}]]").encode()
    want = (float(p), float(q))
    got = _book.parse_levels(text)
    if not all(math.isfinite(v) for v in want):
        assert got is None  # an overflow: msgspec's call
        return
    assert got == [want]
    assert [tuple(x) for x in _levels_msgspec(text)] == [want]
    assert tracker_py.parse_levels(text) == [want]
    for a, b in zip(got[0], want, strict=True):  # the sign of a zero too
        assert math.copysign(1, a) == math.copysign(1, b)


@given(
    st.binary(max_size=60)
    | st.text(alphabet='[]",.-+eE0123456789 naif\\', max_size=40)
    | st.text(alphabet='[]{}",.:-0123456789 priceqty', max_size=60)
    | raw_objects()
)
def test_native_and_reference_parsers_take_and_refuse_the_same_text(data: bytes | str) -> None:
    raw = data.encode() if isinstance(data, str) else data
    for objects in (False, True):
        got = _book.parse_levels(raw, objects)
        assert got == tracker_py.parse_levels(raw, objects)
        if got is None:
            continue
        # What the native parser takes, the venue's typed decode takes alike.
        if objects:
            assert [(x.price, x.qty) for x in _objects_msgspec(raw)] == got
        else:
            assert [tuple(x) for x in _levels_msgspec(raw)] == got


def test_what_the_native_parser_refuses_applies_nothing() -> None:
    t = _book.Tracker(_native_book(), RULES["always"])
    assert t.step(5, 5, 4, 0, 10, 20, b'[["1.5","2"]]', b'[["2.5","1"]]') == APPLY
    before = t.book.levels()
    for bad in (b'[["nan","1"]]', b'[["1","2"],]', b"[[1,2,3]]", b'[["0x1","1"]]', b'{"a":1}'):
        assert t.step(6, 6, 5, 0, 11, 21, b'[["1.0","9"]]', bad) == UNPARSED
    assert t.book.levels() == before and t.updates == 1 and t.last_seq == 5
    with pytest.raises(ValueError, match="NaN"):
        t.step(6, 6, 5, 0, 11, 21, [(1.0, 9.0)], [(math.nan, 1.0)])
    assert t.book.levels() == before  # staged: the bids were not applied either


def test_a_tracker_of_the_venues_own_rule_only_applies() -> None:
    t = _book.Tracker(_native_book(), RULES[""])
    with pytest.raises(TypeError, match="force"):
        t.step(1, 1, 0, 0, 1, 1, [], [])
    assert t.force(9, 0, 1, 1, [(1.0, 1.0)], []) == APPLY and t.last_seq == 9
    with pytest.raises(ValueError, match="out of range"):
        t.force(2**64, 0, 1, 1, [], [])
    with pytest.raises(ValueError, match="unknown sequence rule"):
        _book.Tracker(_native_book(), 99)


# -- the rules as data against the venues' own methods ---------------------------------------

_LASTS = (-1, 0, 5, 2**63 - 1)
_GRID = [
    (last, fresh, ds, df, dp)
    for last in _LASTS
    for fresh in (False, True)
    for ds in range(-3, 4)
    for df in range(-3, 4)
    for dp in range(-2, 3)
]


def _native_verdict(rule_code: int, last: int, fresh: bool, seq: int, first: int, prev: int) -> Any:
    t = _book.Tracker(_native_book(), rule_code)
    t.last_seq, t.fresh = last, fresh
    return _call(t.step, seq, first, prev, 0, 1, 1, [], [])


def _pure_verdict(rule_code: int, last: int, fresh: bool, seq: int, first: int, prev: int) -> Any:
    t = tracker_py.Tracker(book_py.Book(), rule_code)
    t.last_seq, t.fresh = last, fresh
    return _call(t.step, seq, first, prev, 0, 1, 1, [], [])


@pytest.mark.parametrize("name", [r for r in RULES if r])
def test_every_rule_gives_the_same_verdicts_natively_and_in_python(name: str) -> None:
    code = RULES[name]
    for last, fresh, ds, df, dp in _GRID:
        seq, first, prev = last + ds, last + df, last + dp
        want = _pure_verdict(code, last, fresh, seq, first, prev)
        got = _native_verdict(code, last, fresh, seq, first, prev)
        assert got == want, (name, last, fresh, seq, first, prev)
