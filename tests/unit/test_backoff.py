"""Reconnects back off exponentially with full jitter, capped."""

from __future__ import annotations

import random
import statistics

from adapters.backoff import Backoff


def test_delays_stay_under_a_doubling_cap_and_are_jittered() -> None:
    b = Backoff(0.5, 30.0, random.Random(1))
    ceilings = []
    delays = []
    for _ in range(10):
        ceilings.append(b.ceiling())
        delays.append(b.next_delay())
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0]
    assert all(0 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len(set(delays)) == len(delays)
    b.reset()
    assert b.ceiling() == 0.5


def test_full_jitter_spreads_uniformly_below_the_ceiling() -> None:
    draws = []
    for seed in range(2000):
        b = Backoff(1.0, 64.0, random.Random(seed))
        for _ in range(3):
            b.next_delay()
        draws.append(b.next_delay())  # fourth attempt: ceiling 8 s
    assert max(draws) <= 8.0 and min(draws) >= 0.0
    assert 3.6 < statistics.mean(draws) < 4.4  # uniform(0, 8) has mean 4
    assert min(draws) < 0.5 and max(draws) > 7.5  # spread over the whole range
