"""Cross-venue consensus: the median mid of trusted venues, and robust outliers.

The reference set is chosen *per instrument*: a venue with a synced book that
is neither isolated, on probation nor halted there, with no venue-wide alert
firing and no alert firing on that instrument (:func:`trusted`). One bad book
on one instrument must not take the venue out of every other instrument's
consensus. With three or more references, each venue's deviation is judged by
bps *and* the modified z-score 0.6745·|x − median| / MAD (Iglewicz & Hoaglin):
bps alone blames a venue in a fast market, z alone blames one when all venues
agree to a hair. With two, the pair's gap is reported without blaming either
(and a venue outside the pair is judged only if the pair agrees); with one or
none there is no reference, and ``note`` says why.
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
    excluded: tuple[tuple[str, str], ...] = ()
    """(venue, why) of venues quoting the instrument but left out of the reference."""
    note: str = ""
    """With fewer than two references: why there is no reference."""


def trusted(
    venue: str,
    instrument: str,
    *,
    isolated: set[str] | dict[str, str],
    recovering: set[str] | dict[str, int],
    halted: bool,
    venue_faults: dict[str, str],
    instrument_faults: dict[tuple[str, str], str],
) -> str:
    """Why ``venue`` cannot be a reference for ``instrument`` ("" if it can)."""
    if venue in isolated:
        return "isolated"
    if venue in recovering:
        return "on probation"
    if halted:
        return "halted"
    if venue in venue_faults:
        return venue_faults[venue]
    return instrument_faults.get((venue, instrument), "")


def consensus(
    instrument: str,
    mids: dict[str, float],
    references: set[str],
    why: dict[str, str] | None = None,
) -> Consensus:
    """The consensus of ``mids`` over ``references``; ``why`` says why the other
    quoting venues are left out (for the "no reference" note)."""
    ref = {v: m for v, m in mids.items() if v in references}
    names = tuple(sorted(ref))
    reasons = why or {}
    excluded = tuple(sorted((v, reasons.get(v, "not trusted")) for v in mids if v not in ref))
    if len(ref) < 2:
        if not mids:
            note = "no reference: no venue has a synced book"
        else:
            left = ", ".join(f"{v} {w}" for v, w in excluded)
            only = f"only {names[0]} is trusted" if names else "no venue is trusted"
            note = f"no reference: {only}" + (f" ({left})" if left else "")
        return Consensus(instrument, None, None, names, False, None, excluded, note)
    values = list(ref.values())
    median = statistics.median(values)
    if len(ref) == 2:
        a, b = values
        gap = abs(a - b) / median * 1e4 if median > 0 else None
        return Consensus(instrument, median, None, names, False, gap, excluded)
    mad = statistics.median(abs(x - median) for x in values)
    floor = median * MAD_FLOOR_BPS / 1e4
    return Consensus(instrument, median, max(mad, floor), names, True, None, excluded)


def deviation(mid: float, c: Consensus) -> tuple[float | None, float | None]:
    """(deviation in bps, modified z-score) of ``mid`` from a consensus."""
    if c.price is None or c.price <= 0:
        return None, None
    bps = (mid - c.price) / c.price * 1e4
    z = 0.6745 * abs(mid - c.price) / c.mad if c.mad else None
    return bps, z
