"""Reconnect delays: capped exponential backoff with full jitter.

Full jitter (a uniform draw between 0 and the capped exponential) spreads the
reconnects of many clients after a venue-wide outage instead of having them
all knock at the same instants (AWS Architecture Blog, "Exponential Backoff
and Jitter").
"""

from __future__ import annotations

import random


class Backoff:
    def __init__(
        self, base_s: float = 0.5, cap_s: float = 30.0, rng: random.Random | None = None
    ) -> None:
        if base_s <= 0 or cap_s < base_s:
            raise ValueError("backoff needs 0 < base <= cap")
        self.base_s = base_s
        self.cap_s = cap_s
        self.rng = rng or random.Random()
        self.attempt = 0

    def ceiling(self) -> float:
        """The upper bound of the next delay."""
        return min(self.cap_s, self.base_s * (2.0 ** min(self.attempt, 32)))

    def next_delay(self) -> float:
        ceiling = self.ceiling()
        self.attempt += 1
        return self.rng.uniform(0.0, ceiling)

    def reset(self) -> None:
        self.attempt = 0
