""" "Why did this fire?" readings as text, the same in the report and in the console.

:mod:`tui.report.evidence` gathers the readings (a capture replayed around an
alert); the Markdown and HTML reports and the console's detail view all word
them through these functions, so the numbers a review reads are the numbers a
responder saw. A shared leaf: any layer may import it, it imports only
:mod:`tui.text`. Every string that came from a venue is sanitized here.
"""

from __future__ import annotations

from typing import Any, Final

from tui.text import clean

FRAME_EXCERPT: Final = 240
"""Characters of a frame shown in a terminal (the report's JSON keeps it whole)."""


def num(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"  # six figures: a price keeps its cents
    return "-" if v is None else str(v)


def series_columns(why: dict[str, Any], instrument: str) -> list[str]:
    """The readings a series shows: the rule's metrics, and the venue's mid when the
    alert is about an instrument."""
    return list(why.get("metrics") or []) + (["mid"] if instrument else [])


def series_rows(
    why: dict[str, Any], cols: list[str], lo: float | None = None, hi: float | None = None
) -> list[list[str]]:
    """``[offset, reading…]`` per second of the series, between ``lo`` and ``hi`` s."""
    return [
        [f"{r['offset_s']:+.2f}", *(num(r.get(c)) for c in cols)]
        for r in why.get("series") or []
        if (lo is None or r["offset_s"] >= lo) and (hi is None or r["offset_s"] <= hi)
    ]


def consensus_text(c: dict[str, Any] | None) -> str:
    """The cross-venue reference at the firing, with every venue's mid."""
    if not c:
        return "no consensus at that moment (the alert is about the whole venue, or none formed)"
    mids = ", ".join(f"{v} {num(m)}" for v, m in (c.get("mids") or {}).items())
    refs = ", ".join(c.get("references") or []) or "none"
    blame = f"; blamed: {c['blame']}" if c.get("blame") else ""
    return clean(
        f"{c['instrument']} at firing: {num(c.get('price'))} (references: {refs}; "
        f"mids: {mids or 'none'}{blame})"
    )


def frame_text(f: dict[str, Any], limit: int | None = FRAME_EXCERPT) -> str:
    """One captured frame on one safe line, cut to ``limit`` characters (None: whole)."""
    return clean(f.get("raw", ""), limit=limit)
