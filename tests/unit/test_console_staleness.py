"""The console model judges its own data's age: a lost link at once, frames that stop
or an engine clock that stops moving after the threshold (a replay that ended)."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tui.console import protocol as p
from tui.console.model import STALE_AFTER_S, ConsoleModel
from tui.engine.view import EngineState

NS = 1_000_000_000


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def welcome(ts: int) -> p.Welcome:
    state = EngineState(
        ts_ns=ts, venues=[], instruments=[], consensus=[], routes=[], breakers=[], alerts=[]
    )
    return p.Welcome(
        engine="e",
        user="u",
        version=1,
        state=state,
        journal=[],
        resolved=[],
        feed_notes=[],
        history={},
        publish_hz=10.0,
    )


def model() -> tuple[ConsoleModel, Clock]:
    m = ConsoleModel()
    clock = Clock()
    m.clock = clock
    return m, clock


def test_a_replay_that_ended_is_stale_though_frames_keep_coming() -> None:
    m, clock = model()
    m.apply(welcome(5 * NS))
    for _ in range(int(STALE_AFTER_S * 10) + 5):  # 10 Hz, the engine clock frozen
        clock.t += 0.1
        m.apply(p.Update(ts_ns=5 * NS))
    st_ = m.staleness()
    assert st_ is not None and "clock has stopped" in st_.reason
    assert st_.age_s >= STALE_AFTER_S
    assert m.now_ns() > 5 * NS  # ages keep counting


def test_a_lost_link_is_stale_at_once_and_a_snapshot_never() -> None:
    m, clock = model()
    m.apply(welcome(5 * NS))
    assert m.staleness() is None
    m.link_down = "connection to the engine lost"
    assert m.staleness() is not None
    m.stale_after_s = None
    clock.t += 1000
    assert m.staleness() is None and m.now_ns() == 5 * NS


class StalenessMachine(RuleBasedStateMachine):
    """Whatever the sequence of frames, silences and link changes: stale exactly when
    the link is down or the engine clock has not moved for the threshold."""

    def __init__(self) -> None:
        super().__init__()
        self.m, self.clock = model()
        self.ts = NS
        self.moved_at: float | None = None
        self.down = False

    @rule()
    def frame_that_moves(self) -> None:
        self.ts += NS // 10
        self.m.apply(p.Update(ts_ns=self.ts) if self.moved_at else welcome(self.ts))
        self.moved_at = self.clock.t

    @precondition(lambda self: self.moved_at is not None)
    @rule()
    def frame_that_does_not_move(self) -> None:
        self.m.apply(p.Update(ts_ns=self.ts))

    @rule(dt=st.floats(min_value=0.0, max_value=5.0))
    def time_passes(self, dt: float) -> None:
        self.clock.t += dt

    @rule(down=st.booleans())
    def link(self, down: bool) -> None:
        self.down = down
        self.m.link_down = "lost" if down else ""

    @invariant()
    def stale_iff_down_or_old(self) -> None:
        expected = (
            self.down or self.moved_at is None or self.clock.t - self.moved_at >= STALE_AFTER_S
        )
        assert (self.m.staleness() is not None) == expected


TestStaleness = StalenessMachine.TestCase
