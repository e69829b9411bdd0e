"""The status bar: connection, clock, breakers, selection, commands in flight, layout.

:class:`StatusBar` is the widget; :func:`status` is what it says, from the source,
the selection and the app's counts (plain text, tested without a terminal).
"""

from __future__ import annotations

import time

from textual.content import Content
from textual.widgets import Static

from tui.app.panel import Selection
from tui.app.source import LiveSource, Source


class StatusBar(Static):
    """Always on screen: connection, clock, breakers, selection, commands in flight.

    One widget drawing one line, not a label per segment: its size is fixed (docked,
    one row, the full width), so a segment appearing ("1 in flight" on every key),
    vanishing or changing width repaints this line alone. With a label each, those
    changes asked for a layout pass of the whole screen — on the key's own path."""

    SEGMENTS = ("conn", "selection", "flight", "breakers", "layout", "clock")

    def __init__(self) -> None:
        super().__init__("", id="status", markup=False)
        self._state = ""
        self._segments: dict[str, str] = {}
        self._alarms: set[str] = set()
        self._shown = Content("")

    def show(self, state: str, segments: dict[str, str], alarms: set[str]) -> None:
        """``state``: attached/connecting/reconnecting/lost/static (a CSS class: the
        bar's colour); ``alarms``: segments to highlight (tripped breakers, in flight)."""
        if state != self._state:
            if self._state:
                self.remove_class(f"-{self._state}")
            self.add_class(f"-{state}")
            self._state = state
        self._segments = dict(segments)
        self._alarms = set(alarms)
        self._draw()

    def segment(self, name: str) -> str:
        """What a segment says now ("" when it is not shown)."""
        return self._segments.get(name, "")

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = self.size.width or (self.app.size.width if self.is_attached else 0)
        content = bar(self._state, self._segments, self._alarms, width)
        if not content.is_same(self._shown):
            self._shown = content
            self.update(content, layout=False)


_STATE_STYLE = {"attached": " $success", "static": " $primary"}


def _style(seg: str, state: str, alarms: set[str]) -> tuple[str, str]:
    """(text style, background of the segment's cells, its padding included)."""
    if seg in alarms:
        return "bold $background", "on $error"
    if state in ("reconnecting", "lost"):
        # The whole bar changes colour (CSS); every word on it is drawn to stand out.
        return "bold $background", ""
    if seg == "conn":
        return "bold" + _STATE_STYLE.get(
            state, ""
        ), "on $warning 40%" if state == "connecting" else ""
    if seg == "selection":
        return "bold", ""
    return "", ""


def _cells(text: Content, style: tuple[str, str]) -> Content:
    """``text`` with a cell of room each side, as a label with ``padding: 0 1`` has."""
    fg, bg = style
    inner = text.stylize(f"{fg} {bg}".strip()) if (fg or bg) else text
    pad = Content.styled(" ", bg) if bg else Content(" ")
    return Content.assemble(pad, inner, pad)


def bar(state: str, segments: dict[str, str], alarms: set[str], width: int) -> Content:
    """The status line in ``width`` cells: segments left to right with a cell of room
    each side, an empty one taking none, the breakers taking what is left (cut with an
    ellipsis rather than push the clock off), the clock at the right edge."""

    def seg(name: str) -> Content:
        text = segments.get(name, "")
        return _cells(Content(text), _style(name, state, alarms)) if text else Content("")

    left = [seg(n) for n in ("conn", "selection", "flight")]
    right = [seg(n) for n in ("layout", "clock")]
    fixed = sum(c.cell_length for c in left + right)
    room = max(0, width - fixed)
    text = segments.get("breakers", "")
    breakers = Content("")
    if text and room > 2:
        inner = Content(text).truncate(room - 2, ellipsis=True)
        style = _style("breakers", state, alarms)
        breakers = _cells(inner, style)
        spare = room - breakers.cell_length
        if spare:
            breakers = Content.assemble(breakers, Content.styled(" " * spare, style[1]))
    head = Content.assemble(*left, breakers)
    tail = Content.assemble(*right).truncate(width)
    # Too narrow for all of it: the clock keeps its place at the right edge.
    head = head.truncate(max(0, width - tail.cell_length))
    gap = Content(" " * max(0, width - head.cell_length - tail.cell_length))
    return Content.assemble(head, gap, tail)


NARROW = 100
"""Below this many columns the status bar and footer use their short forms."""


def status(
    source: Source, sel: Selection, in_flight: int, layout: str, narrow: bool
) -> tuple[str, dict[str, str], set[str]]:
    """What the status bar says: (connection state, segment texts, segments in alarm)."""
    model = source.model
    segments: dict[str, str] = {"conn": _connection(source, narrow)}
    segments["clock"] = time.strftime("%H:%M:%S UTC", time.gmtime(source.now_ns() / 1e9))
    armed = sum(1 for b in model.breakers.values() if b.armed)
    tripped = [f"{n} ({', '.join(b.tripped)})" for n, b in model.breakers.items() if b.tripped]
    text = f"breakers {armed}/{len(model.breakers)} armed"
    if model.routes and not narrow:
        auto = sum(1 for r in model.routes.values() if r.armed)
        text += f" · auto-failover {auto}/{len(model.routes)}"
    if tripped:  # first: the part that needs a person
        text = f"{len(tripped)} TRIPPED: {'; '.join(tripped)} · {text}"
    segments["breakers"] = text
    parts = [sel.venue or "-", sel.instrument or "-"]
    if not narrow:
        parts.append(f"route {sel.route or '-'}")
    segments["selection"] = "▶ " + " · ".join(parts)
    if in_flight:
        segments["flight"] = f"{in_flight} in flight"
    segments["layout"] = "? help" if narrow else layout
    alarms = {"flight"} | ({"breakers"} if tripped else set())
    stale = model.staleness()
    if stale is not None and source.state == "attached":
        # Attached but nothing moves (publisher stalled, replay ended): as loud as a lost link.
        segments["conn"] = f"STALE: {stale.reason} · data {_age(stale.age_s)} old"
        return "reconnecting", segments, alarms
    return source.state, segments, alarms


def _connection(src: Source, narrow: bool) -> str:
    user = src.user or src.model.user
    if src.state == "attached" and src.engine.startswith("replay"):
        # A replay runs on capture time: the header shows the capture's clock, not ours.
        # The engine's latest name (pace, paused, seeking) comes with its state updates.
        name = src.model.engine if src.model.engine.startswith("replay") else src.engine
        return replay_header(src.model.ts_ns, name.removeprefix("replay").strip())
    if src.state == "attached":
        return "ATTACHED" if narrow else f"ATTACHED {src.engine or 'engine'} as {user}"
    if src.state == "static":
        return "SNAPSHOT" if narrow else f"SNAPSHOT {src.engine}"
    if src.state == "connecting":
        return "CONNECTING…"
    stale = ""
    if src.stale_since is not None:
        stale = f" · data {_age(time.time() - src.stale_since)} old"
    if src.state == "reconnecting" and isinstance(src, LiveSource):
        wait = ""
        if src.next_retry is not None:
            wait = f" in {max(0.0, src.next_retry - time.monotonic()):.0f}s"
        return f"RECONNECTING{wait} (attempt {src.attempts + 1}){stale}"
    return f"LOST: {src.detail}{stale}"


def replay_header(ts_ns: int, speed: str) -> str:
    """``REPLAY 07:01:48.883 ×10, paused``: capture time (UTC), pace and what it does."""
    if not ts_ns:
        return f"REPLAY --:--:--.--- {speed}".rstrip()
    clock = time.strftime("%H:%M:%S", time.gmtime(ts_ns // 1_000_000_000))
    return f"REPLAY {clock}.{ts_ns // 1_000_000 % 1000:03d} {speed}".rstrip()


def _age(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"
