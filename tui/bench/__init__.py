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
    """The overload case's load at most (it lasts the shed wait, the quiet window and
    the presses, up to this), which also bounds its waits for the console and for shedding."""
    quiet_s: float
    memory_s: int
    """Simulated seconds of the memory run."""
    memory_rate: float
    memory_sample_s: int


SIZES: dict[str, Size] = {
    "full": Size(100_000, 5, 400_000, 30, 60.0, 5.0, 3600, 2.0, 300),
    "quick": Size(10_000, 2, 60_000, 8, 30.0, 3.0, 900, 1.0, 300),
    # Plumbing and exactness only: a one-second overload, the shortest memory run
    # that still has a second half to judge (five samples).
    "smoke": Size(1_000, 1, 5_000, 2, 0.5, 0.5, 60, 1.0, 15),
}
