"""One simulated account: resting orders, dead-man timers, and injected faults."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from dataclasses import dataclass, field
from typing import Final

FAULTS: Final = {
    "5xx": "answer 503 (status unknown) to the next N calls",
    "timeout": "hold the next N calls past the client's timeout, then apply them",
    "ratelimit": "answer with the venue's rate-limit error to the next N calls",
    "partial": "the next N cancels remove only half of the orders they cover",
    "ack-open": "the next N cancels are acknowledged but remove nothing",
    "skew": "the venue's clock runs `ms` ahead (timestamp/recvWindow rejections)",
}
STICKY: Final = -1


@dataclass
class Order:
    order_id: str
    symbol: str
    side: str
    price: float
    qty: float


@dataclass
class Firing:
    scope: str
    cancelled: int
    at_ns: int


@dataclass
class Account:
    """Orders and timers of the account behind the configured test key."""

    symbols: list[str]
    seed: int = 11
    orders: dict[str, Order] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)
    skew_ms: int = 0
    timers: dict[str, float] = field(default_factory=dict)
    """Dead-man scope ("*" or a symbol) -> monotonic deadline."""
    firings: list[Firing] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    """(method, path) of every request received, in order."""

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._ids = itertools.count(100001)
        self.changed = asyncio.Event()
        self._watch: asyncio.Task[None] | None = None

    # -- order flow --------------------------------------------------------------------

    def place(self, n: int = 1, symbol: str | None = None) -> list[Order]:
        """The order-flow generator: ``n`` resting limit orders near a made-up mid."""
        out = []
        for _ in range(n):
            sym = symbol or self.rng.choice(self.symbols)
            side = self.rng.choice(("buy", "sell"))
            px = round(100.0 * (1 + self.rng.uniform(-0.02, 0.02)), 2)
            o = Order(str(next(self._ids)), sym, side, px, round(self.rng.uniform(0.01, 2), 3))
            self.orders[o.order_id] = o
            out.append(o)
        self._notify()
        return out

    def received(self, method: str, path: str) -> None:
        self.calls.append((method, path))
        self._notify()

    def open(self, symbol: str | None = None) -> list[Order]:
        return [o for o in self.orders.values() if symbol is None or o.symbol == symbol]

    def cancel(self, orders: list[Order]) -> list[Order]:
        """Cancel these, unless a fault says otherwise; returns what was acknowledged."""
        if self.take("ack-open"):
            return list(orders)
        doomed = orders[: len(orders) // 2] if self.take("partial") else orders
        for o in doomed:
            self.orders.pop(o.order_id, None)
        self._notify()
        return list(orders)

    # -- faults ------------------------------------------------------------------------

    def inject(self, fault: str, count: int = 1, ms: int = 0) -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r} (known: {', '.join(FAULTS)})")
        if fault == "skew":
            self.skew_ms = ms
            return
        self.faults[fault] = count

    def clear(self) -> None:
        self.faults.clear()
        self.skew_ms = 0

    def take(self, fault: str) -> bool:
        left = self.faults.get(fault, 0)
        if left == 0:
            return False
        if left > 0:
            self.faults[fault] = left - 1
        return True

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000 + self.skew_ms

    # -- dead-man timers ---------------------------------------------------------------

    def set_timer(self, scope: str, timeout_s: float) -> float:
        """Arm (or, with 0, stop) a timer; returns the wall-clock epoch s it fires at."""
        if timeout_s <= 0:
            self.timers.pop(scope, None)
            return 0.0
        self.timers[scope] = time.monotonic() + timeout_s
        if self._watch is None or self._watch.done():
            self._watch = asyncio.get_running_loop().create_task(self._watch_timers())
        return time.time() + timeout_s

    async def _watch_timers(self) -> None:
        # Binance checks countdowns about every 10 ms; so do we.
        while self.timers:
            now = time.monotonic()
            for scope, deadline in list(self.timers.items()):
                if deadline <= now:
                    # Fired: cancel what it covers, then it stays off until re-armed.
                    del self.timers[scope]
                    doomed = self.open(None if scope == "*" else scope)
                    for o in doomed:
                        self.orders.pop(o.order_id, None)
                    self.firings.append(Firing(scope, len(doomed), time.time_ns()))
                    self._notify()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch

    def _notify(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    async def wait_for(self, predicate: object, timeout: float = 10.0) -> None:
        """Wait (bounded) until ``predicate()`` holds; re-checked on every change."""
        assert callable(predicate)
        async with asyncio.timeout(timeout):
            while not predicate():
                await self.changed.wait()
