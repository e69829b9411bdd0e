"""The replay speed key steps through the palette's speeds, from the engine's name."""

from __future__ import annotations

import pytest

from tui.app import keys
from tui.app.palette import SPEEDS, next_speed


@pytest.mark.parametrize(
    ("engine", "expected"),
    [
        ("replay ×1", "10"),
        ("replay ×10", "100"),
        ("replay ×100", "max"),
        ("replay ×max", "1"),  # wraps
        ("replay ×2.5", "1"),  # a speed set elsewhere: back to the first step
        ("replay", "1"),
    ],
)
def test_next_speed_steps_and_wraps(engine: str, expected: str) -> None:
    assert next_speed(engine) == expected
    assert expected in SPEEDS


def test_replay_and_paging_keys_clash_with_nothing() -> None:
    assert keys.clashes({}) == []
    ids = {"replay-pause", "replay-resume", "replay-step", "replay-speed", "replay-seek"}
    assert ids | {"page-back", "page-on"} <= set(keys.IDS)
