"""Faults a simulated venue can be made to commit, and their bookkeeping.

=============  ================================================================
disconnect     drop every connection (``mode`` close|abort); ``down_s`` refuses
               reconnects for a while
stall          send nothing at all (heartbeats included) for ``duration_s``
gap            swallow the next update (sequence numbers advance regardless)
bad_checksum   the next update carries a wrong checksum
crossed        the next update carries a bid through the best ask
malformed      the next update is preceded by a bad frame (``kind``: truncated,
               not_json, wrong_shape, binary, empty)
spread         pull liquidity so the spread widens by ``bps``
jump           displace the venue's price by ``bps``
=============  ================================================================
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable
from typing import Final

import msgspec

from adapters.simulator.market import SimBook

FAULTS: Final = frozenset(
    {"disconnect", "stall", "gap", "bad_checksum", "crossed", "malformed", "spread", "jump"}
)
MALFORMED_KINDS: Final = ("truncated", "not_json", "wrong_shape", "binary", "empty")


class FaultError(ValueError):
    """A fault request that cannot be carried out; the message says why."""


class Junk:
    """A bad frame to send ahead of a real one."""

    def __init__(self, kind: str) -> None:
        if kind not in MALFORMED_KINDS:
            raise FaultError(
                f"unknown malformed kind {kind!r}; known: {', '.join(MALFORMED_KINDS)}"
            )
        self.kind = kind

    def render(self, frame: str, rng: random.Random) -> str | bytes:
        if self.kind == "truncated":
            return frame[: max(1, len(frame) // 2)]
        if self.kind == "not_json":
            return "<html><body><h1>502 Bad Gateway</h1></body></html>"
        if self.kind == "wrong_shape":
            try:
                obj = msgspec.json.decode(frame)
            except msgspec.DecodeError:
                return '{"unexpected": true}'
            return msgspec.json.encode(_mangle(obj)).decode()
        if self.kind == "binary":
            return bytes(rng.getrandbits(8) for _ in range(64))
        return ""


def _mangle(obj: object) -> object:
    """Same keys, wrong types: every array becomes an object."""
    if isinstance(obj, dict):
        return {k: _mangle(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return {"unexpected": len(obj)}
    return obj


class VenueFaults:
    """Active and pending faults of one venue."""

    def __init__(self) -> None:
        self.stall_until = 0.0
        self.down_until = 0.0
        self.pending: dict[tuple[str, str], int] = {}
        self.junk: dict[str, list[Junk]] = {}
        self.expiring: list[tuple[str, str, float]] = []

    def stalled(self) -> bool:
        return self.stall_until > time.monotonic()

    def down(self) -> bool:
        return self.down_until > time.monotonic()

    def arm(self, fault: str, symbol: str, count: int = 1) -> None:
        key = (fault, symbol)
        self.pending[key] = self.pending.get(key, 0) + count

    def take(self, fault: str, symbol: str) -> bool:
        key = (fault, symbol)
        n = self.pending.get(key, 0)
        if n <= 0:
            return False
        if n == 1:
            del self.pending[key]
        else:
            self.pending[key] = n - 1
        return True

    def arm_malformed(self, symbol: str, kind: str, count: int = 1) -> None:
        self.junk.setdefault(symbol, []).extend(Junk(kind) for _ in range(count))

    def take_malformed(self, symbol: str) -> Junk | None:
        queue = self.junk.get(symbol)
        if not queue:
            return None
        return queue.pop(0)

    def expire(self, now: float, books: Iterable[SimBook]) -> None:
        if not self.expiring:
            return
        keep = []
        by_symbol = {b.symbol: b for b in books}
        for kind, symbol, until in self.expiring:
            if until <= now:
                _undo(kind, by_symbol.get(symbol))
            else:
                keep.append((kind, symbol, until))
        self.expiring = keep

    def clear(self, fault: str | None, books: Iterable[SimBook]) -> None:
        by_symbol = {b.symbol: b for b in books}
        if fault in (None, "stall"):
            self.stall_until = 0.0
        if fault in (None, "disconnect"):
            self.down_until = 0.0
        if fault is None:
            self.pending.clear()
            self.junk.clear()
        elif fault == "malformed":
            self.junk.clear()
        else:
            self.pending = {k: v for k, v in self.pending.items() if k[0] != fault}
        keep = []
        for kind, symbol, until in self.expiring:
            if fault is None or kind == fault:
                _undo(kind, by_symbol.get(symbol))
            else:
                keep.append((kind, symbol, until))
        self.expiring = keep


def _undo(kind: str, book: SimBook | None) -> None:
    if book is None:
        return
    if kind == "spread":
        book.blowout_ticks = 0
    elif kind == "jump":
        book.offset_bps = 0.0
