"""Finding 4: the fair command queue, as a state machine (pushes, pops, time, disconnects)."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tui.console.fair import FairQueue

CONSOLES = ["alice", "bob", "mallory"]


def test_a_flood_does_not_delay_another_consoles_command() -> None:
    q: FairQueue[str, str] = FairQueue(per_console=64, rate=20.0, burst=40)
    pushed = [q.push("mallory", f"note{i}", 0.0) for i in range(100)]
    assert pushed.count(True) == 64  # the rest are refused at once, never queued
    assert q.pop(0.0) == ("mallory", "note0")
    q.push("alice", "isolate", 0.0)
    # behind at most one more of mallory's, never behind the 63 queued
    assert ("alice", "isolate") in [q.pop(0.0), q.pop(0.0)]


def test_rate_limits_one_console_but_not_the_others() -> None:
    q: FairQueue[str, int] = FairQueue(per_console=100, rate=10.0, burst=2)
    for i in range(5):
        q.push("mallory", i, 0.0)
    assert [q.pop(0.0), q.pop(0.0), q.pop(0.0)] == [("mallory", 0), ("mallory", 1), None]
    assert q.wait_s(0.0) == 0.1
    q.push("alice", 99, 0.0)
    assert q.pop(0.0) == ("alice", 99)
    assert q.pop(0.1) == ("mallory", 2)


class FairQueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.q: FairQueue[str, int] = FairQueue(per_console=5, rate=4.0, burst=3)
        self.now = 0.0
        self.n = 0
        self.model: dict[str, list[int]] = {c: [] for c in CONSOLES}
        self.waited: dict[str, int] = {c: 0 for c in CONSOLES}  # pops by others while waiting

    @rule(console=st.sampled_from(CONSOLES))
    def push(self, console: str) -> None:
        self.n += 1
        ok = self.q.push(console, self.n, self.now)
        assert ok == (len(self.model[console]) < 5)
        if ok:
            self.model[console].append(self.n)

    @rule(dt=st.sampled_from([0.0, 0.1, 0.25, 1.0]))
    def tick(self, dt: float) -> None:
        self.now += dt

    @rule()
    def pop(self) -> None:
        got = self.q.pop(self.now)
        if got is None:
            return
        console, item = got
        assert item == self.model[console].pop(0)  # FIFO within a console
        self.waited[console] = 0
        for other in CONSOLES:
            if other != console and self.model[other]:
                self.waited[other] += 1

    @rule(console=st.sampled_from(CONSOLES))
    def disconnect(self, console: str) -> None:
        assert self.q.drop(console) == self.model[console]
        self.model[console] = []
        self.waited[console] = 0

    @invariant()
    def counts_match(self) -> None:
        assert len(self.q) == sum(len(v) for v in self.model.values())

    @invariant()
    def nobody_starves_behind_a_flood(self) -> None:
        # A console with a command waits behind at most the burst of each other console
        # (its own bucket may be empty: then it waits for time, not for others).
        for c in CONSOLES:
            assert self.waited[c] <= 3 * (len(CONSOLES) - 1) + len(CONSOLES)


FairQueueMachine.TestCase.settings = settings(max_examples=50, stateful_step_count=30)
TestFairQueue = FairQueueMachine.TestCase
