"""The console's replay-* commands, read without a service: what each calls, and the
one-line refusals for bad arguments."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from tui.control.commands import Command
from tui.replay_controls import REPLAY_ACTIONS, answer
from tui.replay_core import CaptureClock

T0 = 1_764_313_308_883_000_000  # 2025-11-28T07:01:48.883Z


class Machine:
    def __init__(self) -> None:
        self.clock = CaptureClock()
        self.clock.ns = T0
        self.speed = 1.0
        self.calls: list[tuple[str, object]] = []

    def pause(self) -> None:
        self.calls.append(("pause", None))

    def resume(self) -> None:
        self.calls.append(("resume", None))

    def set_speed(self, speed: float) -> None:
        self.speed = speed
        self.calls.append(("speed", speed))

    def step_to_next_alert(self) -> None:
        self.calls.append(("step", None))

    def seek(self, ts_ns: int) -> None:
        self.calls.append(("seek", ts_ns))


def run(action: str, **args: str) -> tuple[Machine, bool, str]:
    m = Machine()
    out = answer(m, Command(action=f"replay-{action}", args=args))
    assert out.action == f"replay-{action}" and out.id
    return m, out.ok, out.detail


def test_each_control_calls_the_machine_once() -> None:
    assert run("pause")[0].calls == [("pause", None)]
    assert run("pause")[2] == "paused at 07:01:48.883"
    assert run("resume")[0].calls == [("resume", None)]
    assert run("step")[0].calls == [("step", None)]
    m, ok, detail = run("speed", speed="max")
    assert ok and m.calls == [("speed", 0.0)] and detail == "speed ×max"
    assert {"pause", "resume", "speed", "step", "seek"} == set(REPLAY_ACTIONS)


def test_seek_forward_back_and_to_an_entry() -> None:
    m, ok, detail = run("seek", to="2025-11-28T07:01:50Z")
    assert ok and m.calls == [("seek", T0 + 1_117_000_000)]
    assert detail == "seeking to 07:01:50.000"
    m, ok, detail = run("seek", to="2025-11-28T07:01:40Z")
    assert ok and detail == "seeking back to 07:01:40.000: rebuilding from the start"
    m, ok, detail = run("seek", to="2025-11-28T07:01:50.000001Z", entry="12")
    # Lands just after the entry: its microsecond is included.
    assert ok and m.calls == [("seek", T0 + 1_117_001_000 + 999)]
    assert detail == "seeking to #12 (07:01:50.000)"


@given(st.text(max_size=12).filter(lambda s: s != "max"))
@example("NAN")  # parses as a float, and once slipped through as a speed
def test_a_speed_that_is_not_a_number_is_refused_and_changes_nothing(raw: str) -> None:
    try:
        valid = float(raw) >= 0
    except ValueError:
        valid = False
    m, ok, detail = run("speed", speed=raw)
    if valid:
        assert ok and m.calls == [("speed", float(raw))]
    else:
        assert not ok and m.calls == [] and detail.startswith("speed: expected 1, 10, 100 or max")


def test_a_bad_seek_time_or_an_unknown_control_is_refused() -> None:
    m, ok, detail = run("seek", to="yesterday-ish")
    assert not ok and m.calls == [] and detail
    assert "\n" not in detail
    m, ok, detail = run("rewind")
    assert not ok and m.calls == [] and detail == "unknown replay control 'replay-rewind'"
