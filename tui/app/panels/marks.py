"""How panels mark states, severities, numbers and times.

Every state and severity is shown as a *word with a glyph* and a colour, never
a colour alone: a responder may be colour-blind, on a light theme, or on a
terminal with ``NO_COLOR``. Colours are Textual theme variables (``$text-error``
…) resolved at render time, so the app's themes (light, colour-blind-safe)
restyle every panel without the panels knowing which theme is on.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime
from functools import lru_cache
from typing import Final

from textual.content import Content

NS: Final = 1_000_000_000

# State -> (glyph + word, style). Glyph shapes differ as well as colours.
STATES: Final[dict[str, tuple[str, str]]] = {
    "LIVE": ("● LIVE", "$text-success"),
    "DEGRADED": ("▲ DEGRADED", "bold $text-warning"),
    "ISOLATED": ("■ ISOLATED", "bold $text-error"),
    "RECOVERING": ("◆ RECOVERING", "$text-accent"),
}
STALE_WORD: Final = "? STALE"
STALE_STYLE: Final = "bold reverse $text-secondary"
"""Data the console cannot vouch for: a shape and a style no live state uses,
so a stale screen is never read as green."""
STATE_RANK: Final = {"ISOLATED": 0, "DEGRADED": 1, "RECOVERING": 2, "LIVE": 3}
"""Display order for "worst first": what needs a person comes first."""

SEVERITY_RANK: Final = {"critical": 0, "warning": 1, "": 2}
SEVERITY_STYLE: Final = {"critical": "bold $text-error", "warning": "$text-warning", "": ""}
SEVERITY_WORD: Final = {"critical": "CRIT", "warning": "WARN", "": ""}

OK_STYLE: Final = "$text-success"
BAD_STYLE: Final = "bold $text-error"
WARN_STYLE: Final = "$text-warning"
DIM: Final = "dim"
HEAD: Final = "bold dim"
NONE: Final = "—"


def state(name: str, stale: bool = False) -> Content:
    if stale:
        return Content.styled(STALE_WORD, STALE_STYLE)
    word, style = STATES.get(name, (f"? {name}", WARN_STYLE))
    return Content.styled(word, style)


def state_short(name: str, stale: bool = False) -> Content:
    """Glyph and a four-letter word, for narrow columns."""
    if stale:
        return Content.styled("? STAL", STALE_STYLE)
    word, style = STATES.get(name, (f"? {name}", WARN_STYLE))
    glyph, _, rest = word.partition(" ")
    return Content.styled(f"{glyph} {rest[:4]}", style)


def severity(sev: str, count: int | None = None, wide: bool = False) -> Content:
    if not sev:
        return Content.styled(NONE, DIM)
    word = sev.upper() if wide else SEVERITY_WORD.get(sev, sev[:4].upper())
    text = f"{count} {word}" if count is not None else word
    return Content.styled(text, SEVERITY_STYLE.get(sev, WARN_STYLE))


def num(x: float | None, width: int, places: int = 1, signed: bool = False) -> str:
    """``x`` in at most ``width`` cells: fewer decimals, then k/M, before giving up."""
    if x is None or math.isnan(x):
        return NONE
    if math.isinf(x):
        return "∞"
    sign = "+" if signed else ""
    for p in range(places, -1, -1):
        text = f"{x:{sign}.{p}f}"
        if len(text) <= width:
            return text
    for div, unit in ((1e3, "k"), (1e6, "M"), (1e9, "G")):
        for p in (1, 0):
            text = f"{x / div:{sign}.{p}f}{unit}"
            if len(text) <= width:
                return text
    return "#" * width


def count(n: int, warn_at: int = 1) -> Content:
    """A counter: dim when zero, warning colour when it reached ``warn_at``."""
    if n == 0:
        return Content.styled("0", DIM)
    return Content.styled(str(n), WARN_STYLE if n >= warn_at else "")


def price_places(values: list[float]) -> int:
    """Decimals that show every price exactly (2 to 6), so a column lines up."""
    for places in range(2, 7):
        if all(abs(round(v, places) - v) < 1e-9 * max(1.0, abs(v)) for v in values):
            return places
    return 6


def price(x: float | None, places: int = 2) -> str:
    if x is None:
        return NONE
    return f"{x:,.{places}f}"


def duration(seconds: float) -> str:
    """Compact durations: ``850ms``, ``12.3s``, ``4m05s``, ``2h07m``, ``3d04h``."""
    s = max(0.0, seconds)
    if s < 1:
        return f"{s * 1000:.0f}ms"
    if s < 60:
        return f"{s:.1f}s"
    m, sec = divmod(int(s), 60)
    if m < 60:
        return f"{m}m{sec:02d}s"
    h, m = divmod(m, 60)
    if h < 24:
        return f"{h}h{m:02d}m"
    d, h = divmod(h, 24)
    return f"{d}d{h:02d}h"


def age(now_ns: int, then_ns: int) -> str:
    """How long ago, to the whole second (``7s``, ``4m05s``): a row showing an
    age changes once a second, not at every frame."""
    if not then_ns or not now_ns:
        return NONE
    seconds = max(0, (now_ns - then_ns) // NS)
    return f"{seconds}s" if seconds < 60 else duration(seconds)


def utc_ms(ts_ns: int) -> str:
    """UTC wall time to the millisecond (``13:54:27.932``)."""
    dt = datetime.fromtimestamp(ts_ns // NS, UTC)
    return f"{dt:%H:%M:%S}.{(ts_ns // 1_000_000) % 1000:03d}"


@lru_cache(maxsize=4096)
def iso_to_ns(ts: str) -> int:
    """A journal ``ts`` (``2026-11-24T13:54:27.932220Z``) as UTC ns, exactly."""
    try:
        dt = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return 0
    return int(dt.replace(microsecond=0).timestamp()) * NS + dt.microsecond * 1000


def abbreviate(names: list[str], width: int) -> dict[str, str]:
    """Unique short names of at most ``width`` cells (``binance-futures`` -> ``bin-fu``)."""
    out: dict[str, str] = {}
    for name in names:
        if len(name) <= width:
            short = name
        elif "-" in name and width >= 4:
            head, _, tail = name.partition("-")
            keep = max(1, (width - 1) // 2 + (width - 1) % 2)
            short = f"{head[:keep]}-{tail[: width - 1 - keep]}"
        else:
            short = name[:width]
        out[name] = short
    # Collisions (``bybit`` vs ``bybit-linear`` at 5 cells) get a digit.
    taken = Counter(out.values())
    nth: dict[str, int] = {}
    for name in names:
        short = out[name]
        if taken[short] > 1:
            nth[short] = nth.get(short, 0) + 1
            out[name] = short[: max(1, width - 1)] + str(nth[short])
    return out


def middle(text: str, width: int) -> str:
    """Shorten in the middle, keeping both ends (``BTC-USD-20261225-70000-C`` -> ``BTC-U…0-C``)."""
    if len(text) <= width:
        return text
    if width <= 1:
        return text[:width]
    head = (width - 1 + 1) // 2
    tail = width - 1 - head
    return text[:head] + "…" + (text[-tail:] if tail else "")
