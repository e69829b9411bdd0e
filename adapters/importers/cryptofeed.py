"""cryptofeed's raw data recorder (``AsyncFileCallback``) files.

Format, from cryptofeed's source (bmoscon/cryptofeed,
``cryptofeed/raw_data_collection.py`` ``AsyncFileCallback.__call__`` and
``cryptofeed/connection.py``): one file per connection, named
``{uuid}.{n}`` where ``uuid`` is ``{EXCHANGE}.ws.{k}`` or ``{EXCHANGE}.http.{k}``
and ``n`` counts rotations (``BINANCE.ws.3.0``, ``BINANCE.ws.3.1``…). Lines:

* ``{timestamp}: {data}`` — a websocket message (``timestamp`` is
  ``time.time()``, float seconds; ``data`` as received, or a Python ``b'…'``
  literal for binary frames);
* ``{address} <-> {timestamp}`` — the websocket connects;
* ``{address} <- {timestamp}: {data}`` — a message we sent (skipped);
* ``{endpoint} -> {timestamp}: {data}`` optionally followed by
  `` header: {json}`` — a REST response (the depth snapshots a Binance book
  needs);
* ``configuration: {json}`` — the feed's subscription (skipped).

REST snapshots are merged with the websocket frames by receive time.
"""

from __future__ import annotations

import ast
import heapq
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from adapters.importers.common import ImportFailed, Record, open_text

FILE_RE = re.compile(r"(?P<uuid>(?P<exchange>[A-Za-z0-9_]+)\.(?P<kind>ws|http)\.\d+)\.(?P<n>\d+)$")

EXCHANGES = {
    "BINANCE": "binance",
    "BINANCE_FUTURES": "binance-futures",
    "COINBASE": "coinbase",
    "KRAKEN": "kraken",
    "OKX": "okx",
    "OKEX": "okx",
    "BYBIT": "bybit",
    "DERIBIT": "deribit",
}
_SYMBOL_PARAMS = ("symbol", "instId", "product_id", "instrument_name", "pair")


def matches(path: Path) -> bool:
    return FILE_RE.search(path.name) is not None


def _ns(text: str, path: Path, lineno: int) -> int:
    try:
        return int(Decimal(text.strip()) * 1_000_000_000)
    except InvalidOperation:
        raise ImportFailed(f"{path}: line {lineno}: {text.strip()!r} is not a timestamp") from None


def _payload(data: str) -> str | bytes:
    """A frame as received: cryptofeed writes binary frames as a ``b'…'`` literal."""
    if data[:2] in ("b'", 'b"'):
        try:
            value = ast.literal_eval(data)
        except (ValueError, SyntaxError):
            return data
        if isinstance(value, bytes):
            try:
                return value.decode("utf-8")
            except UnicodeDecodeError:
                return value
    return data


def _snapshot_symbol(endpoint: str) -> str:
    """The symbol a depth/book REST request was for, or "" for any other request."""
    parts = urlsplit(endpoint)
    if not any(w in parts.path.lower() for w in ("depth", "book")):
        return ""
    query = parse_qs(parts.query)
    for name in _SYMBOL_PARAMS:
        if query.get(name):
            return query[name][0]
    return ""


def _records(path: Path, venue: str, conn: str) -> Iterator[Record]:
    with open_text(path) as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.decode("utf-8", "replace").rstrip("\n").rstrip("\r")
            if not line or line.startswith("configuration: "):
                continue
            if " <-> " in line and "://" in line.split(" <-> ", 1)[0]:
                address, ts = line.rsplit(" <-> ", 1)
                yield Record(_ns(ts, path, lineno), venue, conn, "connect", address)
                continue
            head = line.split(": ", 1)[0]
            if " <- " in head:
                continue  # what cryptofeed sent: subscriptions, pings
            if " -> " in head:
                endpoint, rest = line.split(" -> ", 1)
                ts, _, body = rest.partition(": ")
                if " header: " in body:
                    body = body.rsplit(" header: ", 1)[0]
                symbol = _snapshot_symbol(endpoint)
                if symbol:
                    yield Record(
                        _ns(ts, path, lineno), venue, conn, "snapshot", body, symbol.upper()
                    )
                continue
            ts, sep, data = line.partition(": ")
            if not sep:
                raise ImportFailed(
                    f"{path}: line {lineno}: not a cryptofeed raw line "
                    "(expected 'TIMESTAMP: DATA', 'URL <-> TIMESTAMP' or 'URL -> TIMESTAMP: DATA')"
                )
            yield Record(_ns(ts, path, lineno), venue, conn, "frame", _payload(data))


def records(paths: list[Path], venue: str | None = None) -> Iterator[Record]:
    """Every file's records, rotations chained, connections merged by receive time."""
    groups: dict[str, list[tuple[int, Path]]] = {}
    names: dict[str, str] = {}
    for p in paths:
        m = FILE_RE.search(p.name)
        if m is None:
            raise ImportFailed(
                f"{p}: not a cryptofeed raw file name "
                "(expected EXCHANGE.ws.K.N or EXCHANGE.http.K.N)"
            )
        exchange = m["exchange"].upper()
        name = venue or EXCHANGES.get(exchange)
        if name is None:
            known = ", ".join(sorted(EXCHANGES))
            raise ImportFailed(f"{p}: exchange {exchange} has no venuewatch adapter ({known})")
        groups.setdefault(m["uuid"], []).append((int(m["n"]), p))
        names[m["uuid"]] = name

    def chained(uuid: str) -> Iterator[Record]:
        conn = f"{names[uuid]}-{uuid.split('.', 1)[1].replace('.', '-')}"
        for _, p in sorted(groups[uuid]):
            yield from _records(p, names[uuid], conn)

    yield from heapq.merge(*(chained(u) for u in sorted(groups)), key=lambda r: r.ts)
