"""Sequence verdicts, and the continuity rules simple enough to run as data.

A venue's ``sequence`` method is its continuity rule. Most venues' rules are one
of a few shapes; a venue that names its shape in ``sequence_rule`` lets the
instrument's tracker (:mod:`adapters.book`: native, or :mod:`adapters.tracker_py`)
decide the verdict and apply the update in the same call. Whatever a venue's
Python method says stays the contract: tests check each declared rule against it.
"""

from __future__ import annotations

from typing import Final

# Verdicts of a venue's sequence rule.
APPLY: Final = 0
"""The delta continues the book: apply it."""
SKIP: Final = 1
"""Already covered by the book (older than the snapshot) or a keep-alive: ignore."""
GAP: Final = 2
"""Something was lost: the book is wrong until it is resynchronised."""
RESET: Final = 3
"""The venue restarted its numbering (e.g. after maintenance): apply and go on."""

# What a tracker's step/force returns besides APPLY (applied), SKIP and GAP.
CROSSED: Final = 4
"""Applied, and the book is now crossed or locked."""
UNPARSED: Final = 5
"""Raw levels the native parser does not take: nothing was applied (msgspec decides)."""
CHECKSUM: Final = 6
"""Applied (``step_checked``), and the venue's checksum of the book then differs."""

RULES: Final = {
    "": 0,
    "always": 1,
    "first-last": 2,
    "prev-last": 3,
    "next": 4,
}
"""Rule names a venue may declare, and their codes in the tracker:

* ``""`` — the venue's own ``sequence`` method decides (the tracker only applies);
* ``always`` — every delta applies (no sequence numbers);
* ``first-last`` — Binance spot: skip if ``seq <= last``; the first delta after a
  snapshot needs ``first_seq <= last + 1``, every later one ``first_seq == last + 1``;
* ``prev-last`` — ``prev_seq == last`` (Deribit);
* ``next`` — ``seq == last + 1`` (Bybit).
"""
OWN_RULE: Final = 0


def rule_code(venue: object) -> int:
    """The tracker rule that stands for ``venue.sequence``, or :data:`OWN_RULE`.

    A rule declared on a class stands for the ``sequence`` method of that class only:
    a subclass (or an instance) that overrides ``sequence`` without declaring a rule
    again keeps its own method.
    """
    if "sequence" in getattr(venue, "__dict__", {}):
        return OWN_RULE
    for cls in type(venue).__mro__:
        attrs = vars(cls)
        if "sequence_rule" in attrs:
            name = attrs["sequence_rule"]
            if name not in RULES:
                raise ValueError(
                    f"{type(venue).__name__}.sequence_rule {name!r}: not one of "
                    f"{', '.join(repr(r) for r in RULES if r)}"
                )
            return RULES[name]
        if "sequence" in attrs:
            return OWN_RULE
    return OWN_RULE
