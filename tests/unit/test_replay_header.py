"""The console header during a replay shows capture time and pace, not ATTACHED."""

from __future__ import annotations

from tui.app.status_bar import replay_header
from tui.replay_controls import speed_label

T0 = 1_764_313_308_883_000_000  # 2025-11-28T07:01:48.883Z


def test_replay_header_shows_capture_time_and_speed() -> None:
    assert replay_header(T0, speed_label(10)) == "REPLAY 07:01:48.883 ×10"
    assert replay_header(T0 + 1_117_000_000, speed_label(0)) == "REPLAY 07:01:50.000 ×max"
    assert replay_header(0, "×1") == "REPLAY --:--:--.--- ×1"
