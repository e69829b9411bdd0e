"""What travels on the bus: subjects, streams and the typed frames.

Subjects are ``vw.<collector>.<venue>.<instrument>.<kind>``:

- ``.raw`` — every raw frame and connection event with its receive time (a
  capture line), per venue connection, so the instrument token is ``_``: which
  instrument a frame carries is only known after parsing, and a venue's
  sequence rules need the connection's frames in order.
- ``.health`` — the collector's own health once a second (instrument ``_``,
  venue ``_``) and the statuses only the collector's supervisor can see
  (connect failures, silence), per venue.
- ``.book`` — a conflated top-of-book view per instrument for light consumers
  and for the engine's cross-check; never the engine's source of truth.

``raw`` and ``health`` share one stream (``VW_FEED``) so one consumer reads a
collector's messages in the order it published them and its sequence numbers
prove nothing was lost; ``book`` is a last-value stream (one message per
subject).
"""

from __future__ import annotations

from typing import Final

import msgspec

from adapters.capture import Line
from adapters.model import FeedStatus, Level

FEED_STREAM: Final = "VW_FEED"
BOOK_STREAM: Final = "VW_BOOK"
FEED_SUBJECTS: Final = ["vw.*.*.*.raw", "vw.*.*.*.health"]
BOOK_SUBJECTS: Final = ["vw.*.*.*.book"]
RESYNC_ALL: Final = "vw.ctl.resync"
"""Request subject every collector answers: resync every book it serves."""
DAY_S: Final = 86_400.0

_SPECIAL: Final = frozenset(".*>%")


def token(text: str) -> str:
    """A subject token for a name: separators, wildcards, spaces and controls escaped.

    Symbols such as ``BTC/USD`` or ``BTC-27JUN25-60000-C`` stay readable; a
    ``.`` (a token separator in NATS), a wildcard or a space never reaches a
    subject, and ``%`` is escaped too so distinct names stay distinct.
    """
    if not text:
        return "_"
    return "".join(
        "".join(f"%{b:02X}" for b in c.encode())
        if c in _SPECIAL or c.isspace() or not c.isprintable()
        else c
        for c in text
    )


def subject(collector: str, venue: str, instrument: str, kind: str) -> str:
    return f"vw.{token(collector)}.{token(venue)}.{token(instrument)}.{kind}"


def resync_subject(collector: str) -> str:
    return f"vw.ctl.{token(collector)}.resync"


class RawFrame(msgspec.Struct, tag="raw", array_like=True, gc=False):
    """One capture line as a collector saw it.

    ``seq`` counts every message a collector run publishes on ``VW_FEED``
    (raw and health): a jump means something was lost between the collector
    and the stream, and the books it fed are no longer trusted.
    """

    collector: str
    run: str
    seq: int
    line: Line


class CollectorHealth(msgspec.Struct, tag="collector", array_like=True, gc=False):
    """A collector's own health, once a second: a venue-health input in the engine."""

    collector: str
    run: str
    seq: int
    ts: int
    venues: dict[str, dict[str, object]]
    """Each venue served and its adapter settings, so engines can build its feed at once."""
    nats_connected: bool
    publish_lag_ms: float
    """How long the oldest frame waited between receive and publish in the last second."""
    dropped: int
    """Frames discarded because the publish queue was full (since the run started)."""
    clock_offset_ns: int
    """This collector's wall clock minus the NATS server's, estimated NTP-style."""
    clock_error_ns: int
    """Half the round trip of that estimate: the offset is good to ± this."""
    published: int
    stopping: bool = False


class SupervisorStatus(msgspec.Struct, tag="status", array_like=True, gc=False):
    """A feed status only the collector's supervisor sees (connect failures, silence)."""

    collector: str
    run: str
    seq: int
    status: FeedStatus


class BookFrame(msgspec.Struct, tag="book", array_like=True, gc=False):
    """A conflated view of one book: top levels, its sequence id and whether it is synced."""

    collector: str
    venue: str
    symbol: str
    ts: int
    seq: int
    synced: bool
    bids: list[Level]
    asks: list[Level]


FeedMessage = RawFrame | CollectorHealth | SupervisorStatus

feed_encoder: Final = msgspec.msgpack.Encoder()
feed_decoder: Final = msgspec.msgpack.Decoder(FeedMessage)
book_decoder: Final = msgspec.msgpack.Decoder(BookFrame)
