"""The render tick draws the panels waiting for it a few at a time (a time budget),
so a key is handled between slices of a redraw instead of after all of it. These
check the order it draws them in: nobody starves, and for a moment after a key
the panels that show the engine's state go first."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tui.app.rendering import draw_order

N = 6
STATE = {0, 3}
"""Panels showing the engine's state (venues, routes…)."""


class Ticks(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.panels = list(range(N))
        self.due: set[int] = set()
        self.turn = 0
        self.waited: dict[int, int] = {}
        """Ticks a due panel has been passed over (ticks with no key just before)."""

    @rule(changed=st.sets(st.integers(0, N - 1)))
    def data_changes(self, changed: set[int]) -> None:
        for p in changed - self.due:
            self.waited[p] = 0
        self.due |= changed

    @rule(budget=st.integers(1, N), urgent=st.booleans())
    def tick(self, budget: int, urgent: bool) -> None:
        order = draw_order(self.panels, self.due, self.turn, lambda p: urgent and p in STATE)
        assert sorted(order) == sorted(self.due)  # every due panel, once
        drawn = order[:budget]
        if urgent and self.due & STATE:
            assert drawn[0] in STATE  # the command's effect is drawn first
        for p in drawn:
            self.due.discard(p)
            self.waited.pop(p, None)
            self.turn = self.panels.index(p) + 1
        if not urgent:
            for p in self.due:
                self.waited[p] += 1

    @invariant()
    def nobody_waits_more_than_a_round(self) -> None:
        # One panel a tick at least, in turns: a panel is drawn within N plain ticks.
        assert all(w < N for w in self.waited.values()), self.waited


TestTicks = Ticks.TestCase
TestTicks.settings = settings(stateful_step_count=20)


def test_the_order_starts_after_the_last_drawn_and_wraps() -> None:
    assert draw_order([0, 1, 2, 3], {0, 1, 3}, 2, lambda p: False) == [3, 0, 1]
    assert draw_order([0, 1, 2, 3], {0, 1, 3}, 2, lambda p: p == 1) == [1, 3, 0]
