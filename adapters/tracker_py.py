"""One instrument's book and per-update state, in plain Python: the reference tracker.

The native ``adapters._book.Tracker`` (adapters/_tracker.c) does the same in one C
call per update; this is what it is tested against (tests/unit/test_tracker.py)
and the fallback where the extension is not built. ``step`` runs the declared
sequence rule (:data:`adapters.sequence.RULES`), then, if the update applies,
stages both sides (a refused level applies nothing), applies them, truncates,
checks for a crossed book and records the counters and a latency sample.

Levels are decoded ``(price, qty)`` pairs, or the raw JSON bytes of the array
(``msgspec.Raw``): those must be in the native parser's strict grammar (else
:data:`~adapters.sequence.UNPARSED`, and nothing is applied) and are decoded with
msgspec, which gives the same doubles the native parser does.
"""

from __future__ import annotations

import calendar
import datetime
import math
import re
import zlib
from collections.abc import Iterable
from typing import Final

import msgspec

from adapters.book_py import Book, fragment
from adapters.model import Level
from adapters.sequence import APPLY, CHECKSUM, CROSSED, GAP, RULES, SKIP, UNPARSED

LATENCY_RING: Final = 512
"""Exchange→receive latency samples kept per instrument (a power of two)."""
_MASK: Final = LATENCY_RING - 1
_LIMIT: Final = 1 << 63
MAX_NUMBER: Final = 400
"""The longest number text the native parser takes."""

_NUM = rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
_VALUE = rb'(?:"' + _NUM + rb'"|' + _NUM + rb")"
_WS = rb"[ \t\n\r]*"
_PAIR = rb"\[" + _WS + _VALUE + _WS + rb"," + _WS + _VALUE + _WS + rb"\]"
# Kraken v2: {"price": number, "qty": number}, bare numbers, those members in that order.
_OBJECT = (
    rb"\{"
    + _WS
    + rb'"price"'
    + _WS
    + rb":"
    + _WS
    + _NUM
    + _WS
    + rb","
    + _WS
    + rb'"qty"'
    + _WS
    + rb":"
    + _WS
    + _NUM
    + _WS
    + rb"\}"
)


def _array(item: bytes) -> bytes:
    return (
        _WS
        + rb"\["
        + _WS
        + rb"(?:"
        + item
        + rb"(?:"
        + _WS
        + rb","
        + _WS
        + item
        + rb")*)?"
        + (_WS + rb"\]" + _WS)
    )


_GRAMMAR: Final = re.compile(_array(_PAIR))
_OBJECTS: Final = re.compile(_array(_OBJECT))
_NUMBER: Final = re.compile(_NUM)
_decode_levels = msgspec.json.Decoder(list[tuple[float, float]], strict=False).decode


class _Level(msgspec.Struct, gc=False):
    price: float
    qty: float


_decode_objects = msgspec.json.Decoder(list[_Level]).decode

RawLevels = msgspec.Raw | bytes | bytearray | memoryview
Levels = Iterable[Level] | RawLevels
"""Decoded pairs, or the JSON text of the array (``msgspec.Raw``)."""


def parse_levels(raw: RawLevels, objects: bool = False) -> list[Level] | None:
    """The pairs in ``raw``, or None when the native grammar does not take them;
    ``objects``: Kraken's ``{"price": .., "qty": ..}`` levels instead of pairs."""
    data = bytes(memoryview(raw))
    if not (_OBJECTS if objects else _GRAMMAR).fullmatch(data):
        return None
    if any(len(m) > MAX_NUMBER for m in _NUMBER.findall(data)):
        return None
    try:
        if objects:
            levels = [(lv.price, lv.qty) for lv in _decode_objects(data)]
        else:
            levels = _decode_levels(data)
    except msgspec.ValidationError:  # a number past a double's range: msgspec's call
        return None
    if not all(math.isfinite(p) and math.isfinite(q) for p, q in levels):
        return None  # an overflow to infinity: msgspec's call, not the native parser's
    return levels


_ISO: Final = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{6})Z", re.ASCII)
_MAX_PLACES: Final = 1_000_000


def iso_ns(text: str) -> int | None:
    """``2026-11-28T20:11:22.279844Z`` exactly (Kraken's shape) as epoch ns, or None:
    another shape, or a date outside 1970-2261 (whose ns fit an int64), is the venue
    parser's to read."""
    m = _ISO.fullmatch(text)
    if m is None:
        return None
    y, mo, d, hh, mi, ss, us = (int(g) for g in m.groups())
    if not 1970 <= y <= 2261 or hh > 23 or mi > 59 or ss > 59:
        return None
    try:
        when = datetime.datetime(y, mo, d, hh, mi, ss, tzinfo=datetime.UTC)
    except ValueError:  # not a day of the calendar
        return None
    return calendar.timegm(when.timetuple()) * 1_000_000_000 + us * 1000


def _stage(levels: Levels, objects: bool = False) -> list[Level] | None:
    if isinstance(levels, msgspec.Raw | bytes | bytearray | memoryview):
        return parse_levels(levels, objects)
    out = []
    for price, qty in levels:
        price, qty = float(price), float(qty)
        if price != price:
            raise ValueError("a level's price is NaN")
        out.append((price, qty))
    return out


def _in_range(v: int, what: str) -> int:
    if not -_LIMIT <= v < _LIMIT:
        raise ValueError(f"{what} out of range")
    return v


class Tracker:
    """One instrument's book, sequence state, counters and latency ring."""

    __slots__ = (
        "book",
        "depth",
        "fresh",
        "last_exch_ns",
        "last_seq",
        "last_update_mono",
        "last_update_ns",
        "lat",
        "lat_n",
        "rule",
        "updates",
    )

    def __init__(self, book: Book, rule: int = 0, depth: int = 0) -> None:
        if rule not in RULES.values():
            raise ValueError(f"unknown sequence rule {rule}")
        self.book = book
        self.rule = rule
        self.depth = max(depth, 0)
        self.last_seq = -1
        self.fresh = False
        self.updates = 0
        self.last_update_ns = 0
        self.last_update_mono = 0
        self.last_exch_ns = 0
        self.lat = [0] * LATENCY_RING
        self.lat_n = 0

    def verdict(self, seq: int, first_seq: int, prev_seq: int) -> int:
        last = self.last_seq
        rule = self.rule
        if rule == RULES["always"]:
            return APPLY
        if rule == RULES["first-last"]:
            if seq <= last:
                return SKIP
            if self.fresh:
                return APPLY if first_seq <= last + 1 else GAP
            return APPLY if first_seq == last + 1 else GAP
        if rule == RULES["prev-last"]:
            return APPLY if prev_seq == last else GAP
        if rule == RULES["next"]:
            return APPLY if seq == last + 1 else GAP
        raise TypeError("this tracker follows the venue's own rule: use force()")

    def step(
        self,
        seq: int,
        first_seq: int,
        prev_seq: int,
        exch_ns: int,
        recv_ns: int,
        recv_mono: int,
        bids: Levels,
        asks: Levels,
    ) -> int:
        """The rule's verdict on an update and, if it applies, the whole update."""
        for v, what in ((seq, "sequence number"), (first_seq, "first_seq"), (prev_seq, "prev_seq")):
            _in_range(v, what)
        verdict = self.verdict(seq, first_seq, prev_seq)
        if verdict != APPLY:
            return verdict
        return self.force(seq, exch_ns, recv_ns, recv_mono, bids, asks)

    def step_ms(
        self,
        seq: int,
        first_seq: int,
        prev_seq: int,
        exch_ms: int,
        recv_ns: int,
        recv_mono: int,
        bids: Levels,
        asks: Levels,
    ) -> int:
        """:meth:`step` with the venue's time in ms."""
        exch_ns = exch_ms * 1_000_000
        return self.step(seq, first_seq, prev_seq, exch_ns, recv_ns, recv_mono, bids, asks)

    def step_checked(
        self,
        seq: int,
        first_seq: int,
        prev_seq: int,
        exch: int | str,
        recv_ns: int,
        recv_mono: int,
        bids: Levels,
        asks: Levels,
        checksum: int,
        n: int,
        price_places: int,
        qty_places: int,
    ) -> int:
        """:meth:`step`, then the venue's CRC32 of the best ``n`` levels (Kraken's: each
        level's price then qty digits, asks then bids) compared with ``checksum``:
        CHECKSUM when they differ (the update stays applied). ``exch`` is ns, or the
        venue's ISO text ("": none; any other shape than :func:`iso_ns` reads is
        UNPARSED, nothing applied). Raw levels are Kraken's objects, not pairs."""
        for v, what in ((seq, "sequence number"), (first_seq, "first_seq"), (prev_seq, "prev_seq")):
            _in_range(v, what)
        if not isinstance(checksum, int):
            raise TypeError("checksum must be an int")
        if not (0 <= n <= _MAX_PLACES and 0 <= price_places <= _MAX_PLACES):
            raise ValueError("checksum depth or precision out of range")
        if not 0 <= qty_places <= _MAX_PLACES:
            raise ValueError("checksum depth or precision out of range")
        verdict = self.verdict(seq, first_seq, prev_seq)
        if verdict != APPLY:
            return verdict
        if isinstance(exch, str):
            exch_ns = iso_ns(exch) if exch else 0
            if exch_ns is None:
                return UNPARSED
        else:
            exch_ns = exch
        verdict = self._apply(seq, exch_ns, recv_ns, recv_mono, bids, asks, True)
        if verdict == UNPARSED:
            return verdict
        book = self.book
        text = "".join(
            fragment(p, price_places) + fragment(q, qty_places)
            for side in (book.asks, book.bids)
            for p, q in side.top(n)
        )
        return verdict if zlib.crc32(text.encode()) == checksum else CHECKSUM

    def force(
        self, seq: int, exch_ns: int, recv_ns: int, recv_mono: int, bids: Levels, asks: Levels
    ) -> int:
        """Apply an update the venue's own rule accepted: APPLY, CROSSED or UNPARSED."""
        return self._apply(seq, exch_ns, recv_ns, recv_mono, bids, asks, False)

    def _apply(
        self,
        seq: int,
        exch_ns: int,
        recv_ns: int,
        recv_mono: int,
        bids: Levels,
        asks: Levels,
        objects: bool,
    ) -> int:
        _in_range(seq, "sequence number")
        _in_range(recv_ns, "recv_ns")
        _in_range(recv_mono, "recv_mono")
        # An exchange time that is no clock makes no latency sample (never costs the book).
        lat = recv_ns - exch_ns
        if not (-_LIMIT <= exch_ns < _LIMIT and -_LIMIT <= lat < _LIMIT):
            exch_ns = 0
        b = _stage(bids, objects)
        a = None if b is None else _stage(asks, objects)
        if b is None or a is None:
            return UNPARSED
        book = self.book
        crossed = book.update(b, a)
        if self.depth:
            book.truncate(self.depth)
            crossed = book.crossed()
        self.last_seq = seq
        self.fresh = False
        self.updates += 1
        self.last_update_ns = recv_ns
        self.last_update_mono = recv_mono
        if exch_ns:
            self.last_exch_ns = exch_ns
            self.lat[self.lat_n & _MASK] = lat
            self.lat_n += 1
        return CROSSED if crossed else APPLY

    def latencies(self, since_n: int = 0) -> list[int]:
        """Latency samples (ns) recorded after sample number ``since_n``."""
        n = self.lat_n
        count = min(n - since_n, LATENCY_RING, n)
        if count <= 0:
            return []
        return [self.lat[i & _MASK] for i in range(n - count, n)]
