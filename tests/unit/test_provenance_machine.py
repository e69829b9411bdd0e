"""Who-and-when follows the controls exactly, live and after a restart.

Random people (and undo) change isolations, halts and routes through the real
controller; after every step the read API's provenance has an entry for each
isolation and halt in force and none for anything lifted, names the actor of
the command that made it, and a provenance rebuilt from the journal (a restart)
says the same.
"""

from __future__ import annotations

import asyncio

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tui.control.commands import Command
from tui.engine.engine import Engine
from tui.integrations.oms import OmsApi
from tui.integrations.provenance import Provenance

from support import controls as rig

PEOPLE = st.sampled_from(["console:alice", "console:bob", "breaker:silent"])
VENUES = st.sampled_from(rig.VENUES)


class ProvenanceMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.ctl, self.journal, _ = rig.controller()
        self.prov = Provenance()
        self.ctl.journal_listeners.append(self.prov.on_entry)
        self.last_by: dict[str, str] = {}
        """Subject (venue:X, halt:V|I, route:R) -> actor of the last command that set it."""

    def _run(self, action: str, args: dict[str, str], actor: str) -> None:
        before = len(self.journal.entries)
        out = self.loop.run_until_complete(
            self.ctl.execute(Command(action=action, args=args, actor=actor, reason="r"))
        )
        if not out.ok:
            return
        for e in self.journal.entries[before:]:
            if e["kind"] != "outcome" or not e.get("effects"):
                continue
            fx = e["effects"]
            for v in fx.get("isolated", {}):
                self.last_by[f"venue:{v}"] = actor
            for k in fx.get("halted", {}):
                self.last_by[f"halt:{k}"] = actor
            for r, fields in fx.get("routes", {}).items():
                if "active" in fields:
                    self.last_by[f"route:{r}"] = actor

    @rule(action=st.sampled_from(["isolate", "restore"]), venue=VENUES, actor=PEOPLE)
    def isolation(self, action: str, venue: str, actor: str) -> None:
        self._run(action, {"venue": venue}, actor)

    @rule(
        action=st.sampled_from(["halt", "resume"]),
        venue=st.one_of(st.none(), VENUES),
        actor=PEOPLE,
    )
    def halt(self, action: str, venue: str | None, actor: str) -> None:
        args = {"instrument": "BTC-USD", **({"venue": venue} if venue else {})}
        self._run(action, args, actor)

    @rule(actor=PEOPLE)
    def failover(self, actor: str) -> None:
        self._run("failover", {"route": "btc"}, actor)

    @rule(actor=st.sampled_from(["console:alice", "console:bob"]))
    def undo(self, actor: str) -> None:
        self._run("undo", {}, actor)

    @invariant()
    def every_decision_in_force_has_its_author(self) -> None:
        facts = self.ctl.facts
        assert set(self.prov.isolated) == set(facts.isolated)
        assert set(self.prov.halted) == set(facts.halted)
        for v, since in self.prov.isolated.items():
            assert since.by == self.last_by[f"venue:{v}"]
        for (v, i), since in self.prov.halted.items():
            assert since.by == self.last_by[f"halt:{v}|{i}"]
        for r, since in self.prov.routes.items():
            assert since.by == self.last_by[f"route:{r}"]

    @invariant()
    def a_restart_reads_the_same_from_the_journal(self) -> None:
        again = Provenance()
        again.replay(self.journal.entries)
        assert again.isolated == self.prov.isolated
        assert again.halted == self.prov.halted
        assert again.routes == self.prov.routes

    @invariant()
    def the_halts_document_names_who_for_everything(self) -> None:
        engine: Engine = self.ctl.engine
        doc = OmsApi(engine, "t", self.prov).halts()
        assert len(doc["venues"]) == len(self.ctl.facts.isolated)
        assert all(h["by"] and h["journal_seq"] for h in doc["venues"] + doc["instruments"])

    def teardown(self) -> None:
        self.loop.close()


TestProvenance = ProvenanceMachine.TestCase
TestProvenance.settings = settings(max_examples=25, stateful_step_count=15, deadline=None)
