"""The overload case's load is sized to outlast its presses (issue 13: every press under
overload), and a run whose presses all came after the load meets no latency goal."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tui.bench import SIZES, report, responsiveness
from tui.bench.responsiveness import LOAD_MARGIN_S, MAX_FRAMES, MIN_FULL_PRESSES, PRESS_S


@given(rate=st.integers(1_000, 2_000_000), mode=st.sampled_from(["full", "quick"]))
def test_the_load_outlasts_the_presses_or_fewer_presses_are_made(rate: int, mode: Any) -> None:
    presses, frames = responsiveness.plan(mode, rate)
    size = SIZES[mode]
    assert 1 <= presses <= size.presses
    if mode == "full":
        assert presses >= min(MIN_FULL_PRESSES, size.presses)
    else:
        assert frames <= MAX_FRAMES[mode]
    # The presses fit in the load with the margin, unless no fewer presses were allowed.
    need = rate * (responsiveness.SHED_EST_S + presses * PRESS_S + LOAD_MARGIN_S)
    floor = MIN_FULL_PRESSES if mode == "full" else 1
    assert frames >= int(need) or presses == floor
    if presses < size.presses:  # one more press would not have fitted in the budget
        more = rate * (responsiveness.SHED_EST_S + (presses + 1) * PRESS_S + LOAD_MARGIN_S)
        assert int(more) > min(MAX_FRAMES[mode], int(rate * size.load_s))


def test_a_slow_engine_gets_every_press_and_the_quiet_window_under_load() -> None:
    presses, frames = responsiveness.plan("quick", 50_000)
    size = SIZES["quick"]
    assert presses == size.presses
    assert frames >= 50_000 * (presses * PRESS_S + size.quiet_s)


def test_no_press_under_load_meets_no_latency_goal() -> None:
    r = {
        "available": True,
        "overload": 2.0,
        "targets": {"journal_p99_ms": 50.0, "screen_p99_ms": 150.0, "console_cpu_pct": 30.0},
        "key_to_journal_ms": {"p50": 0.0, "p99": 0.0, "max": 0.0, "n": 0},
        "key_to_screen_ms": {"p50": 0.0, "p99": 0.0, "max": 0.0, "n": 0},
        "console_cpu_pct": 12.0,
    }
    got = {t["name"]: t for t in report.targets({"responsiveness": r})}
    for name in ("key → journal fsync p99 ms", "key → screen p99 ms"):
        t = got[name + " at 2× sustainable load"]
        assert t["met"] is False and t["value"] == "no press under load"
