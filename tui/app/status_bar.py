"""The status bar: connection, clock, breakers, selection, commands in flight, layout.

:class:`StatusBar` is the widget; :func:`status` is what it says, from the source,
the selection and the app's counts (plain text, tested without a terminal).
"""

from __future__ import annotations

import time

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from tui.app.panel import Selection
from tui.app.source import LiveSource, Source


class StatusBar(Horizontal):
    """Always on screen: connection, clock, breakers, selection, commands in flight.

    Each segment is its own label, rewritten only when its text changes (the clock
    changes once a second, the rest rarely)."""

    SEGMENTS = ("conn", "selection", "flight", "breakers", "layout", "clock")

    def __init__(self) -> None:
        super().__init__(id="status")
        self._last: dict[str, str] = {}
        self._state = ""
        self._labels = {
            seg: Label("", id=f"st-{seg}", classes="st", markup=False) for seg in self.SEGMENTS
        }

    def compose(self) -> ComposeResult:
        yield from self._labels.values()

    def show(self, state: str, segments: dict[str, str], alarms: set[str]) -> None:
        """``state``: attached/connecting/reconnecting/lost/static (a CSS class);
        ``alarms``: segments to highlight (tripped breakers, commands in flight)."""
        if state != self._state:
            if self._state:
                self.remove_class(f"-{self._state}")
            self.add_class(f"-{state}")
            self._state = state
        for seg in self.SEGMENTS:
            text = segments.get(seg, "")
            label = self._labels[seg]
            label.set_class(seg in alarms, "-alarm")
            label.display = bool(text)
            old = self._last.get(seg)
            if old != text:
                self._last[seg] = text
                # The same width (the clock each second): repaint the label alone. A
                # layout pass re-arranges the whole screen, tens of ms on a busy console.
                label.update(text, layout=old is None or cell_len(old) != cell_len(text))


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
