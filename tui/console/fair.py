"""Fair scheduling of console commands: one console's flood never delays another's key.

Each console has its own bounded queue and a token bucket (rate and burst).
:meth:`FairQueue.pop` takes the next command round-robin across consoles that
have both a command and a token, so a person's ``isolate`` waits behind at most
one command of each *other* console, however many a flooding console has
queued. The server runs popped commands one at a time, so the controller (and
the breakers, which call it directly) never has more than one console command
ahead of it.

Pure logic, no I/O and no clock of its own: the caller passes ``now`` (seconds,
monotonic), so the invariants are tested without sockets or sleeps.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K")
T = TypeVar("T")


@dataclass
class _Lane(Generic[T]):
    items: deque[T] = field(default_factory=deque)
    tokens: float = 0.0
    refilled: float = 0.0


class FairQueue(Generic[K, T]):
    def __init__(self, per_console: int, rate: float, burst: int) -> None:
        if per_console < 1 or rate <= 0 or burst < 1:
            raise ValueError("per_console and burst must be >= 1 and rate > 0")
        self.per_console = per_console
        self.rate = rate
        self.burst = burst
        self._lanes: dict[K, _Lane[T]] = {}
        self._order: deque[K] = deque()  # round-robin order of lanes

    def __len__(self) -> int:
        return sum(len(lane.items) for lane in self._lanes.values())

    def queued(self, key: K) -> int:
        lane = self._lanes.get(key)
        return len(lane.items) if lane else 0

    def push(self, key: K, item: T, now: float) -> bool:
        """Queue ``item`` for ``key``; False (nothing queued) when its queue is full."""
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane(tokens=float(self.burst), refilled=now)
            self._order.append(key)
        if len(lane.items) >= self.per_console:
            return False
        lane.items.append(item)
        return True

    def _refill(self, lane: _Lane[T], now: float) -> None:
        if now > lane.refilled:
            lane.tokens = min(float(self.burst), lane.tokens + (now - lane.refilled) * self.rate)
            lane.refilled = now

    def pop(self, now: float) -> tuple[K, T] | None:
        """The next command to run, round-robin across consoles with a token; None if none."""
        for _ in range(len(self._order)):
            key = self._order[0]
            self._order.rotate(-1)  # whoever goes now goes last next time
            lane = self._lanes[key]
            if not lane.items:
                continue
            self._refill(lane, now)
            if lane.tokens >= 1.0:
                lane.tokens -= 1.0
                return key, lane.items.popleft()
        return None

    def wait_s(self, now: float) -> float | None:
        """Seconds until some queued command may run (0 = now); None when nothing is queued."""
        best: float | None = None
        for lane in self._lanes.values():
            if not lane.items:
                continue
            self._refill(lane, now)
            w = max(0.0, (1.0 - lane.tokens) / self.rate)
            best = w if best is None else min(best, w)
        return best

    def drop(self, key: K) -> list[T]:
        """Forget a console (it disconnected); return the commands it still had queued."""
        lane = self._lanes.pop(key, None)
        if lane is None:
            return []
        self._order.remove(key)
        return list(lane.items)
