"""Cross-venue consensus: the median mid of trusted venues, and robust outliers.

The reference set is the venues that are LIVE with a synced book. With three
or more, each venue's deviation is judged by bps *and* the modified z-score
0.6745·|x − median| / MAD (Iglewicz & Hoaglin): bps alone blames a venue in a
fast market, z alone blames one when all venues agree to a hair. With two, the
pair's gap is reported without blaming either; with one or none there is no
consensus at all.
"""

from __future__ import annotations

import statistics
from typing import Final

import msgspec

MAD_FLOOR_BPS: Final = 0.5
"""MAD never counts as tighter than this (venues agreeing to the tick would
otherwise make every rounding difference an 'outlier')."""


class Consensus(msgspec.Struct, frozen=True):
    instrument: str
    price: float | None
    """Median mid of the reference set (None: fewer than two references)."""
    mad: float | None
    references: tuple[str, ...]
    blame: bool
    """Whether deviations can be attributed (three or more references)."""
    spread_bps: float | None = None
    """With exactly two references: their gap in bps."""


def consensus(instrument: str, mids: dict[str, float], references: set[str]) -> Consensus:
    ref = {v: m for v, m in mids.items() if v in references}
    names = tuple(sorted(ref))
    if len(ref) < 2:
        return Consensus(instrument, None, None, names, False)
    values = list(ref.values())
    median = statistics.median(values)
    if len(ref) == 2:
        a, b = values
        gap = abs(a - b) / median * 1e4 if median > 0 else None
        return Consensus(instrument, median, None, names, False, gap)
    mad = statistics.median(abs(x - median) for x in values)
    floor = median * MAD_FLOOR_BPS / 1e4
    return Consensus(instrument, median, max(mad, floor), names, True)


def deviation(mid: float, c: Consensus) -> tuple[float | None, float | None]:
    """(deviation in bps, modified z-score) of ``mid`` from a consensus."""
    if c.price is None or c.price <= 0:
        return None, None
    bps = (mid - c.price) / c.price * 1e4
    z = 0.6745 * abs(mid - c.price) / c.mad if c.mad else None
    return bps, z
