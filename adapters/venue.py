"""The adapter contract: what a venue module declares.

A venue is a class with class-level facts (name, default URL, keep-alive and
resync style) and a few methods:

* ``connections()`` — which URLs to open and which symbols ride on each;
* ``subscribe_frames()`` / ``resubscribe_frames()`` — what to send;
* ``new_session()`` — a per-connection parser. ``Session.parse`` turns one raw
  frame into normalized events and **never raises on venue data**: a frame it
  cannot understand becomes a :class:`~adapters.model.ParseError`;
* ``sequence()`` — the venue's continuity rule (what counts as a gap);
* ``checksum()`` — the venue's checksum over a local book, where it has one;
* ``fetch_snapshot()`` — for venues whose snapshot comes out of band (Binance).

The generic :class:`~adapters.feed.Feed` applies these rules to books, and the
:class:`~adapters.supervisor.Supervisor` does all I/O. A venue module therefore
holds only protocol knowledge, which is what makes it testable with bytes.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol

import msgspec

from adapters.book import Book
from adapters.instruments import Canonical
from adapters.model import BookDelta, BookSnapshot, Event
from adapters.sequence import APPLY, GAP, RESET, SKIP
from adapters.tracker_py import Levels

# The verdicts of a venue's sequence rule live with the rules the tracker runs.
__all__ = [
    "APPLY",
    "GAP",
    "RESET",
    "SKIP",
    "CheckedDelta",
    "FastDelta",
    "FastFrame",
    "ProtocolError",
    "Session",
    "Venue",
    "VenueSettings",
]


class FastDelta(Protocol):
    """A book delta as a session's ``fast_decode`` gives it (a msgspec Struct whose
    fields are renamed from the wire): no event object, and the levels may be left
    as the raw JSON array (``msgspec.Raw``) for the tracker to parse."""

    # Read-only members, so a Struct's narrower field types (msgspec.Raw) conform.
    @property
    def symbol(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def first_seq(self) -> int: ...
    @property
    def prev_seq(self) -> int: ...
    @property
    def exch_ms(self) -> int:
        """The venue's time of the update in ms (0: none)."""

    @property
    def bids(self) -> Levels: ...
    @property
    def asks(self) -> Levels: ...


class CheckedDelta(FastDelta, Protocol):
    """A :class:`FastDelta` of a venue with a checksum the native tracker verifies
    (:meth:`Venue.checksum_spec`), stamped with ISO text rather than ms."""

    @property
    def checksum(self) -> int | None: ...
    @property
    def timestamp(self) -> str:
        """The venue's ISO time of the update ("": none)."""


class FastFrame(Protocol):
    """What a session's ``fast_decode`` returns: a frame's envelope (a msgspec Struct,
    its venue field renamed ``delta``) around the one delta it carries."""

    @property
    def delta(self) -> FastDelta: ...


class VenueSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Per-venue configuration, as written under ``[venues.<name>]``."""

    symbols: list[str]
    """Venue-native symbols to subscribe (e.g. ``BTCUSDT``, ``BTC/USD``)."""
    adapter: str = ""
    """The adapter (entry-point name) to run; empty means the venue's own name,
    so ``[venues.bybit-linear]`` can run the ``bybit`` adapter."""
    name: str = ""
    """Set from the section name; used as the venue's name in events."""
    url: str = ""
    """Websocket URL; empty means the venue's documented public URL."""
    rest_url: str = ""
    """REST base URL for snapshots (venues that need one)."""
    depth: int = 0
    """Book depth to subscribe; 0 means the adapter's default."""
    enabled: bool = True
    silence_timeout_s: float = 0.0
    """Reconnect after this long with no frame at all; 0 means the venue default."""
    options: dict[str, str] = {}
    """Venue-specific knobs (e.g. Bybit ``category``)."""


class ProtocolError(Exception):
    """A venue answered a request (snapshot, subscribe) with something unusable."""


class Session(abc.ABC):
    """Per-connection parser state. One is created for every (re)connection."""

    fast_decode: Callable[[bytes | str], FastFrame] | None = None
    """Optional, for the feed's hot path: decode a frame that is exactly one book
    delta with no event made — typically a msgspec ``Decoder.decode``, so no Python
    runs — and raise on anything else (the feed then calls :meth:`parse`). Only used
    for venues whose ``sequence_rule`` the tracker runs; every outcome other than
    "applied" is handled by :meth:`parse` from the same frame, so the two must agree
    on every delta (tests/unit/test_feed_fast_path.py checks Binance's,
    tests/unit/test_feed_fast_path_kraken.py Kraken's)."""

    fast_route: Callable[[dict[str, Any], bytes | str, int, int], Any] | None = None
    """Optional, ahead of ``fast_decode``: read a frame natively straight into its
    instrument's tracker (``adapters._book.route_binance``). Returns the instrument's
    state when the update applied, ``(verdict, state, checksum)`` when the feed has
    more to do (CROSSED, CHECKSUM) or nothing at all (SKIP, counted), None when
    nothing was applied (``fast_decode``, then :meth:`parse`, take the frame)."""

    def __init__(self, venue: Venue, conn: str) -> None:
        self.venue = venue
        self.conn = conn

    @abc.abstractmethod
    def parse(self, frame: bytes | str, recv_ns: int, recv_mono: int) -> Sequence[Event]:
        """Normalized events for one frame. Must not raise on any input."""


class Venue(abc.ABC):
    """Base class of venue adapters; subclasses are registered as entry points."""

    name: str
    """The adapter's own name; an instance takes its configured name instead."""
    default_url: ClassVar[str]
    default_rest_url: ClassVar[str] = ""
    default_depth: ClassVar[int] = 0
    snapshot_mode: ClassVar[str] = "in_band"
    """``in_band``: a (re)subscription delivers a snapshot on the stream.
    ``external``: the snapshot is fetched separately while deltas are buffered."""
    truncate_to_depth: ClassVar[bool] = False
    """Drop levels past the subscribed depth after each message (Kraken)."""
    can_cross: ClassVar[bool] = False
    """Whether a crossed/locked book can be genuine on this feed."""
    silence_timeout_s: float = 15.0
    keepalive_interval_s: ClassVar[float] = 0.0
    """Send ``keepalive_frame()`` this often (0: the venue needs none)."""
    must_answer: ClassVar[bytes] = b""
    """Bytes found in every frame the venue expects an answer to (Deribit's
    ``test_request``). While a connection sheds, frames holding them are still
    parsed, so the venue does not hang up on an engine that is only behind and
    the reconnect does not land in the same backlog. A substring test costs far
    less than a decode, which is the point of shedding."""
    sequence_rule: ClassVar[str] = "always"
    """The shape of ``sequence`` as data (:data:`adapters.sequence.RULES`), so the
    native tracker can run it; ``""``: only the method knows. It stands for the
    ``sequence`` of the class that declares it: a subclass overriding ``sequence``
    without declaring a rule again keeps its own method."""
    max_symbols_per_connection: ClassVar[int] = 0
    """0: no limit; all symbols ride on one connection."""

    def __init__(self, settings: VenueSettings) -> None:
        if settings.name:
            self.name = settings.name
        self.settings = settings
        self.url = settings.url or self.default_url
        self.rest_url = settings.rest_url or self.default_rest_url
        self.depth = settings.depth or self.default_depth
        if settings.silence_timeout_s > 0:
            self.silence_timeout_s = settings.silence_timeout_s

    # -- connections and subscriptions -------------------------------------------

    def connections(self) -> list[tuple[str, list[str]]]:
        """(url, symbols) for each connection to open."""
        symbols = list(self.settings.symbols)
        n = self.max_symbols_per_connection or len(symbols) or 1
        return [(self.url, symbols[i : i + n]) for i in range(0, len(symbols), n)]

    @abc.abstractmethod
    def subscribe_frames(self, symbols: Sequence[str]) -> list[str]:
        """Frames to send right after connecting."""

    def resubscribe_frames(self, symbol: str) -> list[str]:
        """Frames that make the venue send a fresh snapshot for one symbol."""
        return self.subscribe_frames([symbol])

    def keepalive_frame(self) -> str | None:
        return None

    @abc.abstractmethod
    def new_session(self, conn: str) -> Session: ...

    # -- book integrity --------------------------------------------------------------

    def sequence(self, last_seq: int, fresh: bool, delta: BookDelta) -> int:
        """The venue's continuity rule. ``fresh`` is true for the first delta
        after a snapshot. Venues without sequence numbers always apply."""
        return APPLY

    def checksum(self, book: Book, symbol: str) -> int | None:
        """The venue's checksum of ``book``; None if it cannot be computed."""
        return None

    def checksum_spec(self, symbol: str) -> tuple[int, int, int] | None:
        """:meth:`checksum` as data the native tracker verifies in the same call as the
        update (``Tracker.step_checked``), when it is Kraken's rule — CRC32 of the best
        ``n`` levels' digits, asks then bids: ``(n, price places, qty places)``. None:
        only :meth:`checksum` knows (or it cannot be computed yet)."""
        return None

    # -- out-of-band snapshots ---------------------------------------------------------

    def snapshot_request(self, symbol: str) -> str:
        """The URL of a REST snapshot (``external`` snapshot mode)."""
        raise NotImplementedError(f"{self.name} takes snapshots in band")

    def parse_snapshot(
        self, symbol: str, body: bytes | str, recv_ns: int, recv_mono: int
    ) -> BookSnapshot:
        """Decode a REST snapshot body. Raises :class:`ProtocolError`."""
        raise NotImplementedError(f"{self.name} takes snapshots in band")

    # -- instruments ---------------------------------------------------------------------

    @abc.abstractmethod
    def canonical(self, symbol: str) -> Canonical:
        """The venue's default mapping of a native symbol to a canonical one."""
