"""The status bar and the message line are each one widget drawing one line of a
fixed size, so what they say can change without a layout pass. These check the
line they draw: always exactly the bar's width, the clock at the right edge, an
empty segment taking no room, the breakers cut rather than the clock pushed off."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from tui.app import message_line
from tui.app.status_bar import bar

SEGMENTS = {
    "conn": "ATTACHED engine as alice",
    "selection": "▶ kraken · BTC-USD · route btc-usd-ref",
    "breakers": "1 TRIPPED: feed-silent (kraken) · breakers 2/3 armed",
    "layout": "default",
    "clock": "13:55:00 UTC",
}

words = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), max_size=60)


@given(
    segments=st.dictionaries(
        st.sampled_from(["conn", "selection", "flight", "breakers", "layout", "clock"]), words
    ),
    width=st.integers(0, 200),
    state=st.sampled_from(["attached", "connecting", "reconnecting", "lost", "static"]),
    alarms=st.sets(st.sampled_from(["flight", "breakers"])),
)
def test_the_line_is_exactly_the_bars_width(
    segments: dict[str, str], width: int, state: str, alarms: set[str]
) -> None:
    assert bar(state, segments, alarms, width).cell_length == width


def test_segments_in_order_with_the_clock_at_the_right_edge() -> None:
    line = bar("attached", SEGMENTS, set(), 140).plain
    assert line.startswith(" ATTACHED engine as alice  ▶ kraken")
    assert line.endswith(" default  13:55:00 UTC ")
    assert line.index("TRIPPED") < line.index("default")


def test_a_segment_appearing_takes_room_from_the_breakers_only() -> None:
    quiet = bar("attached", SEGMENTS, set(), 140).plain
    busy = bar("attached", {**SEGMENTS, "flight": "1 in flight"}, {"flight"}, 140).plain
    assert "1 in flight" in busy and "in flight" not in quiet
    assert busy.endswith(" default  13:55:00 UTC ")  # nothing to the right moved


def test_narrow_breakers_are_cut_with_an_ellipsis_and_the_clock_stays() -> None:
    line = bar("attached", SEGMENTS, set(), 100).plain
    assert "…" in line and line.endswith("13:55:00 UTC ")


def test_an_alarm_paints_its_segment_and_the_cells_either_side() -> None:
    content = bar("attached", {**SEGMENTS, "flight": "1 in flight"}, {"flight"}, 140)
    start = content.plain.index("1 in flight") - 1
    styles = [str(s.style) for s in content.spans if s.start <= start < s.end]
    assert any("$error" in s for s in styles)


def test_a_message_is_one_line_stamped_with_its_time() -> None:
    at = time.mktime((2026, 11, 24, 13, 55, 1, 0, 0, 0)) - time.timezone
    text = message_line.text("error", "REFUSED: kraken\nis already isolated", at).plain
    assert text == "13:55:01 ✗ REFUSED: kraken · is already isolated"
    assert "\n" not in message_line.text("information", "a\n\nb", at).plain
