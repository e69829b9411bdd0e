"""Spread chart text, built with a private plotext figure (safe off the UI thread).

plotext's module-level API shares one global figure, so two charts (or a chart
and anything else) building at once would draw into each other. Each build
here makes its own ``_figure_class`` instance, which makes it safe to run in a
worker thread while the UI keeps answering keys. ``build()`` costs 5–120 ms by
size, which is why panels call this at most twice a second.

Series are downsampled to at most two points per column, keeping each bucket's
*maximum*: a spread blow-out that lasted one sample must not vanish from the
chart because it fell between two kept points.
"""

from __future__ import annotations

from dataclasses import dataclass

from plotext._figure import _figure_class

PALETTE: tuple[tuple[int, int, int], ...] = (
    # Okabe–Ito: distinguishable with the common colour-vision deficiencies,
    # and mid-luminance so it reads on dark and light backgrounds alike.
    (230, 159, 0),
    (86, 180, 233),
    (0, 158, 115),
    (204, 121, 167),
    (213, 94, 0),
    (0, 114, 178),
    (240, 228, 66),
    (150, 150, 150),
)
MARKERS: tuple[str, ...] = ("•", "+", "x", "o", "*", "#", "@", "%")
"""Without colour, each venue gets its own marker so lines stay tellable apart."""


@dataclass
class Series:
    label: str
    points: list[tuple[float, float]]
    """(seconds relative to now, value); x <= 0."""
    baseline: float | None = None
    show_baseline: bool = False
    selected: bool = False


def downsample(points: list[tuple[float, float]], buckets: int) -> list[tuple[float, float]]:
    """At most ``buckets`` points, each the maximum of its bucket (spikes survive)."""
    if buckets <= 0 or len(points) <= buckets:
        return points
    lo, hi = points[0][0], points[-1][0]
    span = (hi - lo) or 1.0
    best: dict[int, tuple[float, float]] = {}
    for x, y in points:
        b = min(buckets - 1, int((x - lo) / span * buckets))
        kept = best.get(b)
        if kept is None or y > kept[1]:
            best[b] = (x, y)
    return [best[b] for b in sorted(best)]


def render(
    series: list[Series],
    width: int,
    height: int,
    title: str,
    color: bool = True,
    xlabel: str = "seconds before now",
) -> str:
    """The chart as text with ANSI colours (none when ``color`` is False)."""
    fig = _figure_class()
    # The size is the widget's, not the terminal's plotext would otherwise clamp to.
    fig._limit_size(False, False)
    fig.plot_size(max(20, width), max(5, height))
    fig.theme("clear")
    fig.title(title)
    fig.xlabel(xlabel)
    plot_w = max(10, width - 8)
    xmin = min((s.points[0][0] for s in series if s.points), default=-60.0)
    for i, s in enumerate(series):
        pts = downsample(s.points, 2 * plot_w)
        if not pts:
            continue
        xs = [x for x, _ in pts]
        ys = [y for _, y in pts]
        label = ("▶" if s.selected else "") + s.label
        if color:
            rgb = PALETTE[i % len(PALETTE)]
            fig.plot(xs, ys, marker="hd", color=rgb, label=label)
        else:
            fig.plot(xs, ys, marker=MARKERS[i % len(MARKERS)], label=label)
        if s.show_baseline and s.baseline is not None:
            # A dashed flat line at the venue's baseline: every other column.
            n = max(2, plot_w // 2)
            step = (0 - xmin) / n if xmin < 0 else 1.0
            bx = [xmin + k * step for k in range(n + 1)]
            by = [s.baseline] * len(bx)
            kwargs: dict[str, object] = {"marker": "-"}
            if color:
                kwargs["color"] = PALETTE[i % len(PALETTE)]
            fig.scatter(bx, by, **kwargs)
    if xmin < 0:
        fig.xlim(xmin, 0)
    text: str = fig.build()
    return text
