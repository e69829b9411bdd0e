"""``venuewatch bench``: throughput, responsiveness and memory, measured and reported.

Each part is its own module (``ingest``, ``e2e``, ``responsiveness``,
``memory``) and returns a plain dict; ``report`` turns those into the table on
stdout and the JSON file. Nothing here asserts a speed: the figures are
printed next to their targets with a met/missed flag, and the tests check only
that the command runs and writes well-formed results.

Three sizes: ``full`` (the figures), ``quick`` (about a minute) and ``smoke``
(seconds: every part runs on a tiny load, so a test can check the plumbing and
the exactness of the books without paying for figures).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Mode = Literal["full", "quick", "smoke"]


class Size(NamedTuple):
    ingest_frames: int
    ingest_runs: int
    e2e_frames: int
    presses: int
    load_s: float
    quiet_s: float
    memory_s: int
    """Simulated seconds of the memory run."""
    memory_rate: float
    memory_sample_s: int


SIZES: dict[str, Size] = {
    "full": Size(100_000, 5, 400_000, 30, 30.0, 5.0, 3600, 2.0, 300),
    "quick": Size(10_000, 2, 60_000, 8, 12.0, 3.0, 900, 1.0, 300),
    "smoke": Size(1_000, 1, 5_000, 2, 12.0, 1.0, 120, 1.0, 30),
}
