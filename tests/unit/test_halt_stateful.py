"""The layered halt as a state machine: never CONFIRMED while orders rest at the venue.

Orders arrive, faults are injected (5xx, timeout, rate limit, partial cancel,
acknowledged-but-open, some sticky), halts run — against the simulator's own
venue backends (its signature checks included), wired to the adapters by an
in-memory transport instead of sockets so hundreds of steps run in a second.
Invariants after every halt: CONFIRMED means zero open orders at the venue;
FAILED means a critical alert and an escalation; a halt with no fault pending
confirms.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from adapters.controls import registry
from adapters.controls.base import Answer, ControlSettings, Credentials, Request
from adapters.controls.client import Transport
from adapters.simulator.private.account import Account
from adapters.simulator.private.common import Incoming
from adapters.simulator.private.common import TestKey as SimKey
from adapters.simulator.private.server import BACKENDS, SYMBOLS
from tui.control.halt import VenueHalt

from support.killswitch import VENUES as ALL_VENUES
from support.killswitch import Pager

VENUES = [v for v in ALL_VENUES if v != "deribit"]  # JSON-RPC over a websocket: integration
FAULTS = ["5xx", "timeout", "ratelimit", "partial", "ack-open"]
# Looked up once: an entry-point scan per venue per example cost more than the halts.
CONTROLS = {v: registry.load(v) for v in VENUES}


class InMemory(Transport):
    """Hands each signed request to the simulator's backend; ``timeout`` answers nothing."""

    def __init__(self, backend: Any) -> None:
        self.dry_run = False
        self.backend = backend

    async def send(self, req: Request) -> Answer:
        acct = self.backend.account
        lost = acct.take("timeout")
        reply = await self.backend.handle(
            Incoming(
                method=req.method,
                path=req.path,
                query=req.query,
                headers={"host": req.base.split("://", 1)[1]}
                | {k.lower(): v for k, v in req.headers.items()},
                body=req.body,
            )
        )
        if lost:  # applied at the venue, but the answer never arrived: status unknown
            return Answer(status=None, error="timeout (status unknown)")
        return Answer(status=reply.status, body=json.dumps(reply.payload))

    async def aclose(self) -> None:
        return None


class HaltMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.accounts: dict[str, Account] = {}
        self.halts: dict[str, VenueHalt] = {}
        self.entries: list[dict[str, Any]] = []
        self.pager = Pager()
        self.last: tuple[str, str, bool] | None = None
        for v in VENUES:
            acct = Account(SYMBOLS[v], seed=3)
            key = SimKey.generate(v)
            backend = BACKENDS[v](acct, key)
            s = ControlSettings(
                url="http://127.0.0.1:1",
                symbols=["BTCUSDT"],
                retries=2,
                retry_backoff_s=0.0005,
                verify_timeout_s=0.03,
                verify_interval_s=0.001,
            )
            ctl = CONTROLS[v](
                s, Credentials(key.key, key.secret, key.passphrase), InMemory(backend)
            )
            self.accounts[v] = acct
            self.halts[v] = VenueHalt({v: ctl}, self._record, escalation=[self.pager])

    async def _record(self, kind: str, **fields: Any) -> dict[str, Any]:
        entry = {"kind": kind, "seq": len(self.entries) + 1, **fields}
        self.entries.append(entry)
        return entry

    @rule(venue=st.sampled_from(VENUES), n=st.integers(0, 25))
    def orders_arrive(self, venue: str, n: int) -> None:
        self.accounts[venue].place(n)

    @rule(
        venue=st.sampled_from(VENUES),
        fault=st.sampled_from(FAULTS),
        count=st.sampled_from([1, 2, -1]),
    )
    def fault(self, venue: str, fault: str, count: int) -> None:
        self.accounts[venue].inject(fault, count)

    @rule(venue=st.sampled_from(VENUES))
    def venue_recovers(self, venue: str) -> None:
        self.accounts[venue].clear()

    @rule(
        venue=st.sampled_from(VENUES),
        n=st.integers(1, 25),
        fault=st.sampled_from([None, *FAULTS]),
        count=st.sampled_from([1, 2, -1]),
    )
    def orders_fault_then_halt(self, venue: str, n: int, fault: str | None, count: int) -> None:
        self.accounts[venue].place(n)
        if fault is not None:
            self.accounts[venue].inject(fault, count)
        self.halt(venue)

    @rule(venue=st.sampled_from(VENUES))
    def halt(self, venue: str) -> None:
        acct = self.accounts[venue]
        clean = not any(acct.faults.values())
        told, alerts = len(self.pager.told), self._alerts()
        result = self.loop.run_until_complete(self.halts[venue].halt(venue, (), "test"))
        if "CONFIRMED" in result:
            assert acct.open() == [], result
            assert len(self.pager.told) == told
        else:
            assert "FAILED" in result, result
            assert len(self.pager.told) == told + 1 and self._alerts() == alerts + 1
        if clean:
            assert "CONFIRMED (0 open)" in result, result
        self.last = (venue, result, clean)

    def _alerts(self) -> int:
        return sum(1 for e in self.entries if e["kind"] == "alert")

    @invariant()
    def journal_never_claims_done_on_an_ack(self) -> None:
        for e in self.entries:
            if e["kind"] == "venue-halt" and e["layer"] == "cancel":
                assert e["state"] != "CONFIRMED"

    def teardown(self) -> None:
        for acct in self.accounts.values():
            self.loop.run_until_complete(acct.stop())
        self.loop.close()


HaltMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_halt_state_machine = HaltMachine.TestCase
