"""What every symbol on the screen means: shown under the keys by ``?``.

Kept beside the panels that draw the symbols, so a new mark gets its line here
(tests check that every state glyph and matrix mark is explained).
"""

from __future__ import annotations

from typing import Final

LEGEND: Final = (
    ("States", ""),
    ("● LIVE", "healthy, in the consensus"),
    ("▲ DEGRADED", "an alert is firing on the venue (on one instrument, or venue-wide)"),
    ("■ ISOLATED", "taken out by a person or a breaker; restore (r) puts it on probation"),
    ("◆ RECOVERING", "restored, on probation until healthy for the probation time"),
    (
        "? STALE",
        "the console's data is too old to vouch for (engine lost, replay ended, "
        "publisher stalled); the pane's border says how old",
    ),
    ("Rows and selection", ""),
    ("1 … 9", "the digit that selects the venue: a fixed order, not the row order"),
    ("▶", "the selected venue, instrument or route (also highlighted)"),
    ("» Title", "the focused pane (tab moves focus; enter shows its rows in full)"),
    ("…", "text cut to fit, in the middle; enter on the pane shows it in full"),
    ("↓ +3: a, b", "rows out of view below (↑ above), by name; scroll or move the selection"),
    (
        "→ +3 cols: a, b",
        "matrix venues not shown; they appear when you select an instrument they quote",
    ),
    ("Matrix cells", ""),
    ("+12.3", "mid's deviation from the consensus, in bps"),
    ("0.85 ×1.6", "spread now in bps, and its 10 s average over its baseline"),
    ("! / !!", "a warning / critical alert on that venue and instrument"),
    ("⊘", "the venue is out of this consensus (isolated), shown for reference"),
    ("·", "the venue does not quote the instrument"),
    ("—", "no value yet"),
    ("HALT", "the instrument is halted on that venue"),
    ("resync / sync?", "the book is being rebuilt: no price is shown rather than a wrong one"),
    ("64,922 n4", "consensus price: the median of 4 trusted venues"),
    ("149 ± 12.7", "only two trusted venues: their gap in bps (neither is blamed)"),
    ("no ref", "fewer than two trusted venues; enter on the matrix says why"),
    ("Routes, breakers, timeline", ""),
    ("▶venue", "the route's active venue; ■ isolated, ⊘ halted, ▲ degraded, ◆ on probation"),
    ("● on / ○ off", "automatic failover armed / not armed"),
    ("● armed / ○ DISARMED", "the breaker isolates by itself when its rule holds / it will not"),
    ("» / !", "timeline: something a person did / something that went wrong"),
    ("Spreads", ""),
    (
        "▁▂▃▅▇",
        "sparkline of the spread (a short pane); the warning colour is at or above "
        "the alert threshold (≥ n)",
    ),
    ("- - -", "the alert threshold line on the chart"),
)


def text() -> str:
    out = []
    for sym, meaning in LEGEND:
        out.append(f"\n{sym}" if not meaning else f"  {sym:<22} {meaning}")
    return "Symbols\n" + "\n".join(out)
