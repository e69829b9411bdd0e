"""A capture's venues, read up front (a replay's "engine started" names them before
their connect lines are played)."""

from __future__ import annotations

import gzip
from pathlib import Path

from adapters.capture import Writer, venues

T0 = 1_764_313_308_883_000_000
S = 1_000_000_000


def test_every_venue_that_connects_is_listed_even_late_ones(tmp_path: Path) -> None:
    path = tmp_path / "two.ndjson.gz"
    w = Writer(path)
    w.config(T0, {"engine": {}})
    w.event(T0, "okx", "okx-1#1", "connect", url="", symbols=["BTC-USDT"])
    w.frame(T0 + 1, "okx", "okx-1#1", '{"event": "subscribe", "note": "connect"}')
    w.frame(T0 + 2, "okx", "okx-1#1", "{}")
    # Connects only after a minute: the replay has no feed for it until then.
    w.event(T0 + 60 * S, "kraken", "kraken-1#1", "connect", url="", symbols=["XBT/USD"])
    w.event(T0 + 61 * S, "okx", "okx-1#2", "connect", url="", symbols=["BTC-USDT"])
    w.close()
    assert venues(path) == ["kraken", "okx"]


def test_a_torn_or_missing_capture_gives_what_it_could_read(tmp_path: Path) -> None:
    path = tmp_path / "torn.ndjson"
    path.write_text(
        '{"ts": 1, "venue": "bybit", "conn": "b#1", "event": "connect", "url": ""}\n'
        '{"ts": 2, "venue": "okx", "conn": "o#1", "event": "conn',
        encoding="utf-8",
    )
    assert venues(path) == ["bybit"]
    gz = tmp_path / "torn.ndjson.gz"
    gz.write_bytes(gzip.compress(path.read_bytes())[:-12])
    assert venues(gz) == ["bybit"]
    assert venues(tmp_path / "absent.ndjson.gz") == []
