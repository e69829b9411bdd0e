"""tardis.dev raw data-feed files (what its HTTP API and ``tardis-machine`` serve).

Format, from tardis.dev's client (tardis-dev/tardis-node, ``src/replay.ts``,
and its docs for the ``/data-feeds`` API): gzip-compressed, one message a
line: the local (receive) timestamp as ISO 8601 with 100 ns precision, always
28 characters (``2019-06-01T00:03:03.1238784Z``), one space, then the
exchange's message exactly as received. An empty line marks a disconnect.
For Binance, tardis.dev inserts the REST depth snapshot it fetched as a
generated message ``{"stream":"<sym>@depthSnapshot","generated":true,
"data":{"lastUpdateId":…,"bids":…,"asks":…}}``: it becomes a capture
``snapshot`` line at its place in receive-time order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from adapters.importers.common import ImportFailed, Record, open_text

TS_LEN = 28
_TS_RE = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z")

EXCHANGES = {
    "binance": "binance",
    "binance-futures": "binance-futures",
    "coinbase": "coinbase",
    "kraken": "kraken",
    "okex": "okx",
    "okex-swap": "okx",
    "okex-futures": "okx",
    "okex-options": "okx",
    "okx": "okx",
    "bybit": "bybit-linear",
    "bybit-spot": "bybit",
    "deribit": "deribit",
}


class _Generated(msgspec.Struct):
    stream: str = ""
    generated: bool = False
    data: msgspec.Raw = msgspec.Raw(b"null")


_generated = msgspec.json.Decoder(_Generated)


def matches(path: Path) -> bool:
    try:
        with open_text(path) as fh:
            first = fh.readline()
    except OSError:
        return False
    return _TS_RE.match(first) is not None and first[TS_LEN : TS_LEN + 1] == b" "


def _ns(ts: bytes, path: Path, lineno: int) -> int:
    m = _TS_RE.fullmatch(ts)
    if m is None:
        raise ImportFailed(
            f"{path}: line {lineno}: {ts[:40]!r} is not a tardis.dev local timestamp "
            "(expected e.g. 2019-06-01T00:03:03.1238784Z then a space and the message)"
        )
    whole = datetime.strptime(ts[:19].decode(), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    frac = (m[1] or b".")[1:].decode().ljust(9, "0")
    return int(whole.timestamp()) * 1_000_000_000 + int(frac)


def exchange_of(path: Path) -> str | None:
    """The tardis exchange a file name starts with (``okex_…``, ``binance-futures_…``)."""
    stem = path.name.split("_", 1)[0].lower()
    return stem if stem in EXCHANGES else None


def records(path: Path, exchange: str) -> Iterator[Record]:
    venue = EXCHANGES.get(exchange.lower())
    if venue is None:
        known = ", ".join(sorted(EXCHANGES))
        raise ImportFailed(f"--exchange {exchange}: not one venuewatch reads ({known})")
    k = 1
    conn = f"{venue}-tardis-{k}"
    last_ts = 0
    with open_text(path) as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip(b"\r\n")
            if not line:
                if last_ts:
                    yield Record(last_ts, venue, conn, "disconnect", "disconnected (tardis.dev)")
                    k += 1
                    conn = f"{venue}-tardis-{k}"
                continue
            ts = _ns(line[:TS_LEN].rstrip(), path, lineno)
            message = line[TS_LEN + 1 :]
            last_ts = ts
            if b'"generated"' in message and b"depthSnapshot" in message:
                try:
                    g = _generated.decode(message)
                except msgspec.DecodeError:
                    g = None
                if g is not None and g.generated and g.stream.endswith("@depthSnapshot"):
                    symbol = g.stream.split("@", 1)[0].upper()
                    yield Record(ts, venue, conn, "snapshot", bytes(g.data), symbol)
                    continue
            try:
                text: str | bytes = message.decode("utf-8")
            except UnicodeDecodeError:
                text = message
            yield Record(ts, venue, conn, "frame", text)
