"""Stateful property test of the controls (issue 10's invariants).

Several actors issue commands, breakers trip, people undo (their own or by
number), journal writes fail, and the engine restarts (a new controller rebuilt
from the same journal). After every step:

- every change to the control state is exactly what the new journal entries
  say it is (no effect without its journal entry);
- the state rebuilt from the journal equals the live state;
- an undo of the latest change restores the state from before it;
- no isolate breaker stays tripped on a venue a person restored;
- a person's plain undo never undoes another actor's command.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tui.control import effects as fx
from tui.control import recovery
from tui.control.commands import Command
from tui.control.controller import Controller
from tui.control.policy import Policy

from support import controls as rig

BREAKERS = {
    "silent": {"metric": "venue_silent_s", "threshold": 5, "action": "isolate"},
    "wide": {"metric": "spread_bps", "threshold": 50, "action": "halt", "instrument": "BTC-USD"},
    "slow": {"metric": "latency_p99_ms", "threshold": 500, "action": "failover"},
}
PEOPLE = ("console:alice", "console:bob")
VENUES = st.sampled_from(rig.VENUES)
TARGETS = st.sampled_from(["all", "breakers", "routes", "breaker:silent", "route:btc"])


def commands() -> st.SearchStrategy[tuple[str, dict[str, str]]]:
    return st.one_of(
        st.tuples(
            st.sampled_from(["isolate", "restore"]), st.fixed_dictionaries({"venue": VENUES})
        ),
        st.tuples(
            st.sampled_from(["halt", "resume"]),
            st.fixed_dictionaries(
                {"instrument": st.just("BTC-USD")},
                optional={"venue": VENUES},
            ),
        ),
        st.tuples(
            st.just("failover"),
            st.fixed_dictionaries({"route": st.just("btc")}, optional={"to": VENUES}),
        ),
        st.tuples(st.sampled_from(["arm", "disarm"]), st.fixed_dictionaries({"target": TARGETS})),
        st.tuples(st.just("note"), st.fixed_dictionaries({"text": st.text(max_size=5)})),
        st.tuples(
            st.just("clear"),
            st.fixed_dictionaries(
                {"breaker": st.sampled_from(sorted(BREAKERS))}, optional={"venue": VENUES}
            ),
        ),
    )


def decisions(state: fx.Durable) -> dict[str, Any]:
    """What a responder decided: isolations, halts, route venues and arming, breakers."""
    return {
        "isolated": set(state["isolated"]),
        "halted": set(state["halted"]),
        "routes": {n: (r["active"], r["armed"]) for n, r in state["routes"].items()},
        "armed": {n: b["armed"] for n, b in state["breakers"].items()},
    }


class Controls(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.settings = rig.settings(breakers=BREAKERS)
        self.journal = rig.MemoryJournal()
        self._start()
        self.seen = 0
        self.state = fx.durable(self.ctl.facts)
        # (seq of the latest change's command, the decisions before it)
        self.latest: tuple[int, dict[str, Any]] | None = None

    def _start(self) -> None:
        self.ctl = Controller(rig.engine(self.settings), self.journal)
        self.policy = Policy(self.ctl.engine, self.ctl)

    def teardown(self) -> None:
        self.loop.close()

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def execute(self, action: str, args: dict[str, str], actor: str) -> Any:
        return self.run(self.ctl.execute(Command(action=action, args=args, actor=actor)))

    def _after_step(self, undone: int = 0) -> None:
        """Check the step's journal entries against the change it made."""
        new = self.journal.entries[self.seen :]
        self.seen = len(self.journal.entries)
        before = self.state
        expected = fx.durable(self.ctl.facts)
        folded: fx.Durable = {
            k: {n: dict(v) if isinstance(v, dict) else v for n, v in s.items()}
            for k, s in before.items()
        }
        for e in new:
            if e["kind"] in ("breaker", "outcome"):
                fx.apply(folded, e.get("effects") or {})
        assert folded == expected, "a change the journal does not hold (or the reverse)"
        changes = [e for e in new if e.get("effects") and e["kind"] == "outcome"]
        if undone and self.latest is not None and undone == self.latest[0]:
            assert decisions(expected) == self.latest[1], "undo did not restore the state before"
            event("undo of the latest change checked")
        if changes and not undone:
            first_change_cmd = max(
                e["seq"] for e in new if e["kind"] == "command" and e["id"] == changes[-1]["id"]
            )
            self.latest = (first_change_cmd, decisions(before))
        elif changes:
            self.latest = None
        self.state = expected

    @rule(cmd=commands(), actor=st.sampled_from([*PEOPLE, "auto-failover"]))
    def command(self, cmd: tuple[str, dict[str, str]], actor: str) -> None:
        out = self.execute(cmd[0], cmd[1], actor)
        if out.ok and cmd[0] == "restore" and not actor.startswith("breaker:"):
            venue = cmd[1]["venue"]
            assert venue not in self.ctl.facts.breakers["silent"].tripped
        self._after_step()

    @rule(actor=st.sampled_from(PEOPLE))
    def undo_own(self, actor: str) -> None:
        out = self.execute("undo", {}, actor)
        undid = 0
        if out.ok:
            entry = next(
                e for e in self.journal.entries if e["kind"] == "outcome" and e["id"] == out.id
            )
            undid = entry["undid"]
            original = next(e for e in self.journal.entries if e["seq"] == undid)
            assert original["actor"] == actor, "a plain undo reached another actor's command"
            event("own undo")
        self._after_step(undone=undid)

    @rule(actor=st.sampled_from(PEOPLE), pick=st.integers(min_value=0, max_value=50))
    def undo_by_number(self, actor: str, pick: int) -> None:
        seqs = sorted(self.ctl.history) or [1]
        seq = seqs[pick % len(seqs)]
        out = self.execute("undo", {"seq": str(seq)}, actor)
        self._after_step(undone=seq if out.ok else 0)

    @rule(breaker=st.sampled_from(sorted(BREAKERS)), venue=VENUES)
    def breaker_trips(self, breaker: str, venue: str) -> None:
        if self.run(self.policy.fire(breaker, venue, 1000.0)):
            event("breaker tripped")
        self._after_step()

    @rule(cmd=commands(), actor=st.sampled_from(PEOPLE), which=st.integers(1, 2))
    def disk_full(self, cmd: tuple[str, dict[str, str]], actor: str, which: int) -> None:
        self.journal.fail_write = self.journal.writes + which
        out = self.execute(cmd[0], cmd[1], actor)
        assert not out.ok and "journal unwritable" in out.detail
        assert fx.durable(self.ctl.facts) == self.state
        assert not self.ctl._lock.locked()
        self._after_step()

    @rule()
    def restart(self) -> None:
        old = self.ctl
        self._start()
        recovery.rebuild(self.ctl, self.journal.entries)
        assert fx.durable(self.ctl.facts) == fx.durable(old.facts)
        assert {s: d.in_effect for s, d in self.ctl.history.items()} == {
            s: d.in_effect for s, d in old.history.items()
        }
        self.latest = None

    @invariant()
    def rebuilt_equals_live(self) -> None:
        fresh = Controller(rig.engine(self.settings), rig.MemoryJournal())
        recovery.rebuild(fresh, self.journal.entries)
        assert fx.durable(fresh.facts) == fx.durable(self.ctl.facts)
        for venue in self.ctl.facts.isolated:
            assert self.ctl.engine.state(venue) == "ISOLATED"


# The suite's Hypothesis profile decides the examples (``deep`` runs many more).
Controls.TestCase.settings = settings(stateful_step_count=25)
TestControls = Controls.TestCase
