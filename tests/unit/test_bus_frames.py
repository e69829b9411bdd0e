"""Subjects, URL ranges and the export's handling of a hole in the stream."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters import capture
from adapters.capture import Line, Writer
from tui.bus.export import Exported, Range, _Exporter, parse_range
from tui.bus.frames import CollectorHealth, RawFrame, subject, token
from tui.bus.jetstream import BusError, server_url


@given(st.text(min_size=1, max_size=30))
def test_a_token_never_carries_a_separator_wildcard_or_space(name: str) -> None:
    t = token(name)
    assert not any(c in t for c in ".*>") and not any(c.isspace() for c in t)
    assert subject("tokyo", "kraken", name, "raw").count(".") == 4


def test_symbols_stay_readable_and_distinct() -> None:
    assert token("BTC/USD") == "BTC/USD"
    assert token("BTC.D") != token("BTC_D") and token("") == "_"


def test_ranges_parse_and_bad_ones_are_one_line_errors() -> None:
    r = parse_range("nats://127.0.0.1:4222?start=2026-11-28T09:00:00Z&end=1795856460&collector=c")
    assert r.url == "nats://127.0.0.1:4222" and r.collector == "c"
    assert r.start_ns == 1_795_856_400_000_000_000 and r.end_ns == 1_795_856_460_000_000_000
    for bad, words in [
        ("nats://h:1?end=5", "give the range start"),
        ("nats://h:1?start=yesterday", "expected ISO 8601"),
        ("nats://h:1?start=10&end=5", "end is not after start"),
        ("nats://h:1?start=1&bogus=2", "unknown parameter(s) bogus"),
    ]:
        with pytest.raises(BusError, match=re.escape(words)):
            parse_range(bad)
    with pytest.raises(BusError, match="not a NATS URL"):
        server_url("http://h:1")


def _health(seq: int, run: str = "r1") -> CollectorHealth:
    return CollectorHealth(
        "tokyo",
        run,
        seq,
        10,
        {"bybit": {"adapter": "bybit", "symbols": ["BTCUSDT"]}},
        True,
        0.0,
        0,
        0,
        0,
        seq,
    )


def test_a_hole_in_the_sequence_becomes_a_disconnect_in_the_capture(tmp_path: Path) -> None:
    out = tmp_path / "x.gz"
    writer = Writer(out)
    stats = Exported()
    ex = _Exporter(Range("nats://h:1", 0, 10**19), writer, stats)
    ex.apply(_health(1))
    ex.apply(
        RawFrame("tokyo", "r1", 2, Line(100, "bybit", "c#1", event="connect", symbols=["BTCUSDT"]))
    )
    ex.apply(RawFrame("tokyo", "r1", 3, Line(101, "bybit", "c#1", raw="{}")))
    ex.apply(RawFrame("tokyo", "r1", 3, Line(101, "bybit", "c#1", raw="{}")))  # repeated
    ex.apply(RawFrame("tokyo", "r1", 6, Line(105, "bybit", "c#1", raw="{}")))
    writer.close()
    lines = [line for _, line in capture.read(out)]
    assert [(x.event, x.reason) for x in lines] == [
        ("connect", None),
        (None, None),
        ("disconnect", "gap in the bus stream: 2 message(s) missing"),
        ("connect", None),  # the connection goes on: announced again, books unsynced
        (None, None),
    ]
    assert stats.gaps == 1


def test_frames_of_a_venue_never_named_are_skipped_not_guessed(tmp_path: Path) -> None:
    writer = Writer(tmp_path / "y.gz")
    stats = Exported()
    ex = _Exporter(Range("nats://h:1", 0, 10**19), writer, stats)
    ex.apply(RawFrame("tokyo", "r1", 7, Line(101, "okx", "c#1", raw="{}")))
    writer.close()
    assert stats.skipped == 1 and stats.lines == 0
