"""Realistic frames per venue format, made by the simulator's own encoders.

A benchmark of a parser is only as honest as its input. So no frame here is
hand-written: a :class:`Capture` drives one simulated venue (its
:class:`~adapters.simulator.market.SimBook` and its wire encoder,
``delta_frame``) with one client connection, exactly as the loopback server
would, but without sockets — the frames are taken off the connection's queue
into memory. What the adapter must hold at the end is the simulator's own
``expected_book``, so every run can prove its books exact.

The simulator's default market is tuned for a lively demo (its random walk
moves BTC by hundreds of ticks a step, so one update touches ~20 levels). The
benchmark needs frames of a *known* size, so each :class:`Case` sets the
market's volatility and merges consecutive book steps into one frame until it
changes enough levels — which is what a venue's 100 ms aggregation does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, urlsplit

from adapters import registry
from adapters.model import BookDelta, BookSnapshot
from adapters.simulator.base import SimConn, SimVenue
from adapters.simulator.catalogue import DEFAULT_VENUES, InstrumentSpec
from adapters.simulator.market import Changes, SimBook
from adapters.simulator.server import Simulator
from adapters.venue import Venue, VenueSettings

CONN: Final = "bench-1"
MAX_MERGE: Final = 400
"""Book steps merged into one frame at most (a quiet book may never reach the size)."""


@dataclass(frozen=True)
class Case:
    """One venue format at one frame size, with the goal it is measured against."""

    name: str
    venue: str
    what: str
    symbols: tuple[str, ...] = ()
    """Instruments to carry (empty: the simulator's defaults for the venue)."""
    min_levels: int = 3
    """Merge book steps until a frame changes at least this many levels ...
    (3 gives frames of ~5 levels on average: a step often changes more)"""
    min_side: int = 0
    """... and at least this many on each side."""
    vol_bps: float = 0.001
    """Random-walk volatility per step: how far the touch moves."""
    target: float | None = None
    """Frames/s on one core that the issue asks for (None: no stated goal)."""


CASES: Final = (
    Case(
        "binance-5",
        "binance",
        "Binance spot diff, ~5 changed levels",
        ("BTCUSDT", "ETHUSDT"),
        target=250_000,
    ),
    Case(
        "binance-20+20",
        "binance",
        "Binance spot diff, 20+20 changed levels",
        ("BTCUSDT", "ETHUSDT"),
        min_levels=40,
        min_side=20,
        target=120_000,
    ),
    Case("binance-futures", "binance-futures", "Binance USD-M diff (pu chain), ~5 levels"),
    Case("kraken", "kraken", "Kraken v2 book update + CRC32 (top 10)", target=150_000),
    Case(
        "okx-checksum",
        "okx",
        "OKX books update + signed CRC32 (top 25)",
        ("BTC-USDT",),
        target=150_000,
    ),
    Case("okx-0", "okx", "OKX books update, checksum 0", ("ETH-USDT", "BTC-USDT-SWAP")),
    Case("coinbase", "coinbase", "Coinbase level2 update (seq per conn)"),
    Case("bybit", "bybit", "Bybit orderbook.50 delta"),
    Case("deribit", "deribit", "Deribit book.100ms change (prev_change_id)"),
)


def adapter_for(settings: VenueSettings, name: str) -> Venue:
    cls: type[Venue] = registry.load(settings.adapter or name)
    return cls(settings)


class Capture:
    """One simulated venue and one client connection to it, stepped without sockets.

    ``setup`` holds what the connection receives before the stream (acks,
    instrument lists, in-band snapshots) and ``rest`` the out-of-band REST
    snapshot bodies, both taken at subscription time so that the frames
    produced afterwards continue them exactly.
    """

    def __init__(
        self,
        venue: str,
        specs: list[InstrumentSpec],
        seed: int = 7,
        min_levels: int = 1,
        min_side: int = 0,
        vol_bps: float = 0.001,
    ) -> None:
        # A port is needed only to name the adapter's URL; nothing is bound.
        self.sim = Simulator({venue: specs}, seed=seed, ports={venue: 1})
        self.sim.market.vol_bps = vol_bps
        self.name = venue
        self.min_levels = min_levels
        self.min_side = min_side
        self.sv: SimVenue = self.sim.venues[venue]
        self.settings: VenueSettings = self.sim.settings(venue)
        adapter = adapter_for(self.settings, venue)
        conns = adapter.connections()
        if len(conns) != 1:
            raise ValueError(f"{venue}: {len(conns)} connections; the bench uses one")
        url, self.symbols = conns[0]
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.conn = SimConn(self.sv, None, path)  # type: ignore[arg-type]
        self.sv.conns.add(self.conn)
        for frame in self.sv.on_open(self.conn):
            self.conn.push(frame)
        self.requests = adapter.subscribe_frames(self.symbols)
        """What the client sends after connecting (nothing where the URL subscribes)."""
        for frame in self.requests:
            self.sv.on_message(self.conn, frame)
        self.setup: list[bytes] = self.drain()
        self.rest: dict[str, bytes] = {}
        if adapter.snapshot_mode == "external":
            for sym in self.symbols:
                req = urlsplit(adapter.snapshot_request(sym))
                answer = self.sv.http(req.path, dict(parse_qsl(req.query)))
                if answer is None or answer[0] != 200:
                    raise ValueError(f"{venue}: no REST snapshot for {sym}: {answer}")
                self.rest[sym] = answer[1]

    @classmethod
    def for_case(cls, case: Case, seed: int = 7) -> Capture:
        specs = DEFAULT_VENUES[case.venue]
        if case.symbols:
            specs = [s for s in specs if s.symbol in case.symbols]
        return cls(case.venue, specs, seed, case.min_levels, case.min_side, case.vol_bps)

    def drain(self) -> list[bytes]:
        """Every frame the connection has been sent since the last drain."""
        q = self.conn.queue
        out = []
        while not q.empty():
            frame = q.get_nowait()
            if frame is not None:
                out.append(frame.encode() if isinstance(frame, str) else frame)
        return out

    def step(self) -> None:
        """One market step: every book moves and its frames are published."""
        sim = self.sim
        sim.market.advance()
        fair = sim.market.fair
        for book in self.sv.books.values():
            changes = self._changes(book, fair[book.canonical])
            if changes[0] or changes[1]:
                self._publish(book, changes)

    def take(self, n: int) -> list[bytes]:
        """At least ``n`` frames of the stream (whole steps, so possibly a few more)."""
        out: list[bytes] = []
        while len(out) < n:
            self.step()
            out.extend(self.drain())
        return out

    def _changes(self, book: SimBook, fair: float) -> Changes:
        bids, asks = book.step(fair)
        if len(bids) + len(asks) >= self.min_levels and min(len(bids), len(asks)) >= self.min_side:
            return bids, asks
        # Aggregate like a 100 ms diff: later steps overwrite earlier ones per price.
        mb, ma = dict(bids), dict(asks)
        market = self.sim.market
        for _ in range(MAX_MERGE):
            if len(mb) + len(ma) >= self.min_levels and min(len(mb), len(ma)) >= self.min_side:
                break
            market.advance()
            bids, asks = book.step(market.fair[book.canonical])
            mb.update(bids)
            ma.update(asks)
        return list(mb.items()), list(ma.items())

    def _publish(self, book: SimBook, changes: Changes) -> None:
        # Simulator._publish without the fault hooks: advance the venue's
        # numbering once, then one frame per subscribed connection.
        self.sv.advance(book, changes)
        for conn in self.sv.subscribers(book.symbol):
            frame = self.sv.delta_frame(conn, book, changes, False)
            if frame is not None:
                conn.push(frame)

    def expected(self) -> dict[str, tuple[dict[float, float], dict[float, float]]]:
        return {s: self.sv.expected_book(s) for s in self.symbols}

    def expected_seqs(self) -> dict[str, int | None]:
        return {s: self.sv.expected_seq(s) for s in self.symbols}


def levels_per_frame(capture: Capture, frames: list[bytes]) -> float:
    """Mean number of book levels a frame changes, as the adapter reads it."""
    venue = adapter_for(capture.settings, capture.name)
    session = venue.new_session(CONN)
    n = levels = 0
    for f in frames:
        for ev in session.parse(f, 0, 0):
            if isinstance(ev, BookDelta | BookSnapshot):
                n += 1
                levels += len(ev.bids) + len(ev.asks)
    return levels / n if n else 0.0


# -- many instruments (the memory run) --------------------------------------------------

BASES: Final = (
    ("BTC", 65000.0),
    ("ETH", 3400.0),
    ("SOL", 150.0),
    ("XRP", 0.6),
    ("ADA", 0.45),
    ("DOGE", 0.15),
    ("AVAX", 35.0),
    ("DOT", 7.0),
    ("LINK", 15.0),
    ("LTC", 80.0),
    ("BCH", 450.0),
    ("ATOM", 9.0),
    ("UNI", 8.0),
    ("XLM", 0.11),
    ("NEAR", 6.0),
    ("APT", 9.0),
    ("ARB", 1.1),
    ("OP", 2.5),
    ("FIL", 5.5),
    ("ETC", 27.0),
)

_SYMBOL: Final = {
    "binance": ("{b}USDT", "{b}-USD"),
    "binance-futures": ("{b}USDT", "{b}-USD-PERP"),
    "bybit": ("{b}USDT", "{b}-USD"),
    "kraken": ("{b}/USD", "{b}-USD"),
    "coinbase": ("{b}-USD", "{b}-USD"),
    "okx": ("{b}-USDT", "{b}-USD"),
    "deribit": ("{b}-PERPETUAL", "{b}-USD-PERP"),
}


def wide_specs(venue: str, n: int) -> list[InstrumentSpec]:
    """``n`` instruments for ``venue`` in its own symbol style, with plausible ticks."""
    if n > len(BASES):
        raise ValueError(f"at most {len(BASES)} instruments")
    symbol, canonical = _SYMBOL[venue]
    out = []
    for base, fair in BASES[:n]:
        digits = len(str(int(fair))) if fair >= 1 else 0
        out.append(
            InstrumentSpec(
                symbol=symbol.format(b=base),
                canonical=canonical.format(b=base),
                fair=fair,
                tick_places=min(6, max(1, 5 - digits)),
                lot_places=4 if venue != "deribit" else 0,
            )
        )
    return out
