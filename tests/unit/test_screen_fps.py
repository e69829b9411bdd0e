"""Textual's write cap is not the console's render rate.

At the render rate (10 Hz) every drawn change waited for Textual's next 100 ms
write slot, a command's effect drawn the moment it landed included.
"""

from __future__ import annotations

from tui.app.launch import SCREEN_FPS, textual_fps


def test_a_drawn_change_is_written_within_a_screen_period_whatever_the_render_rate() -> None:
    for fps in (1.0, 4.0, 10.0, 30.0):
        assert textual_fps(fps) == SCREEN_FPS
    assert 1 / SCREEN_FPS <= 0.02


def test_a_render_rate_above_the_cap_raises_it() -> None:
    assert textual_fps(60.0) == 60
    assert textual_fps(59.6) == 60
