"""The controller over an in-memory journal: each defect of issue 10 and the
journal-failure rules of issue 11, without a socket."""

from __future__ import annotations

from typing import Any

import msgspec

from tui.control import effects as fx
from tui.control import recovery
from tui.control.commands import MAX_TEXT, Command
from tui.control.controller import Controller
from tui.engine.settings import EngineSettings

from support import controls as rig

BREAKERS = {
    "silent": {"metric": "venue_silent_s", "threshold": 5, "action": "isolate"},
    "wide": {"metric": "spread_bps", "threshold": 50, "action": "halt", "instrument": "BTC-USD"},
    "slow": {"metric": "latency_p99_ms", "threshold": 500, "action": "failover"},
}


def with_breakers() -> EngineSettings:
    return rig.settings(breakers=BREAKERS)


async def run(ctl: Controller, action: str, actor: str = "console:alice", **args: str) -> Any:
    return await ctl.execute(Command(action=action, args=args, actor=actor))


async def test_undoing_a_breakers_isolation_runs_as_the_person_and_clears_the_trip() -> None:
    ctl, j, policy = rig.controller(with_breakers())
    assert await policy.fire("silent", "kraken", 13.8)
    assert "kraken" in ctl.facts.isolated and "kraken" in ctl.facts.breakers["silent"].tripped
    trip_seq = next(e["seq"] for e in j.entries if e["kind"] == "command")
    # A person's plain `u` never reaches the breaker's command ...
    mine = await run(ctl, "undo")
    assert not mine.ok and "nothing of yours" in mine.detail
    # ... naming it does, and runs as that person.
    out = await run(ctl, "undo", seq=str(trip_seq))
    assert out.ok, out.detail
    assert "kraken" not in ctl.facts.isolated
    assert ctl.facts.breakers["silent"].tripped == {}
    cmd = j.kinds("command")[-1]
    assert cmd["actor"] == "console:alice" and "breaker:silent" in cmd["summary"]
    # Cleared: it fires again when kraken goes silent again.
    assert await policy.fire("silent", "kraken", 14.0)
    assert "kraken" in ctl.facts.isolated


async def test_u_undoes_only_your_own_last_command_still_in_effect() -> None:
    ctl, _j, _ = rig.controller()
    auto = await run(ctl, "failover", actor="auto-failover", route="btc")
    a = await run(ctl, "isolate", venue="kraken")
    b = await run(ctl, "isolate", venue="coinbase", actor="console:bob")
    assert a.ok and b.ok and auto.ok
    out = await run(ctl, "undo")  # alice
    assert out.ok and "isolate kraken" in out.detail
    assert "coinbase" in ctl.facts.isolated  # bob's stands
    again = await run(ctl, "undo")
    assert not again.ok and "nothing of yours" in again.detail
    # Bob restores his own venue by hand: his isolate is no longer in effect.
    assert (await run(ctl, "restore", actor="console:bob", venue="coinbase")).ok
    bob_undo = await run(ctl, "undo", actor="console:bob")
    assert bob_undo.ok and "restore coinbase" in bob_undo.detail
    stale = await run(ctl, "undo", seq=str(b.seq))
    assert not stale.ok and "no longer in effect" in stale.detail


async def test_undoing_arm_all_disarms_only_what_it_armed() -> None:
    ctl, _j, _ = rig.controller(with_breakers())
    assert (await run(ctl, "disarm", target="breaker:silent")).ok
    assert (await run(ctl, "disarm", target="route:btc", actor="console:bob")).ok
    assert (await run(ctl, "arm", target="all")).ok
    assert all(b.armed for b in ctl.facts.breakers.values()) and ctl.facts.routes["btc"].armed
    out = await run(ctl, "undo")
    assert out.ok
    armed = {n: b.armed for n, b in ctl.facts.breakers.items()}
    assert armed == {"silent": False, "wide": True, "slow": True}
    assert not ctl.facts.routes["btc"].armed  # bob's disarm stood before "arm all"


async def test_halt_and_failover_breakers_fire_again_after_a_person_clears_them() -> None:
    ctl, _j, policy = rig.controller(with_breakers())
    assert await policy.fire("wide", "kraken", 80)
    assert ("kraken", "BTC-USD") in ctl.facts.halted
    assert not await policy.fire("wide", "kraken", 90)  # tripped: no second trip
    assert (await run(ctl, "resume", instrument="BTC-USD", venue="kraken")).ok
    assert ctl.facts.breakers["wide"].tripped == {}
    assert await policy.fire("wide", "kraken", 85)
    # failover: route leaves binance; an explicit clear re-arms the trip.
    assert await policy.fire("slow", "binance", 900)
    assert ctl.facts.routes["btc"].active == "coinbase"
    assert (await run(ctl, "clear", breaker="slow")).ok
    assert (await run(ctl, "failover", route="btc", to="binance")).ok
    assert await policy.fire("slow", "binance", 950)
    assert ctl.facts.routes["btc"].active == "coinbase"
    refused = await run(ctl, "clear", breaker="slow", venue="kraken")
    assert not refused.ok and "not tripped" in refused.detail


def test_config_rejects_impossible_breakers_naming_the_field() -> None:
    s = rig.settings(
        breakers={
            "h": {"metric": "spread_bps", "threshold": 5, "action": "halt"},
            "m": {"metric": "silence", "threshold": 5},
            "n": {"metric": "venue_silent_s", "threshold": -1},
        }
    )
    problems = s.check(set(rig.VENUES))
    assert any(p.startswith("engine.breakers.h.instrument:") for p in problems)
    assert any(p.startswith("engine.breakers.m.metric:") for p in problems)
    assert any(p.startswith("engine.breakers.n.threshold:") for p in problems)


async def test_a_request_missing_an_argument_is_a_journalled_refusal() -> None:
    ctl, j, _ = rig.controller()
    for action in ("isolate", "halt", "failover", "note", "clear"):
        out = await run(ctl, action)
        assert not out.ok and "needs" in out.detail
        assert out.seq == j.entries[-2]["seq"] and j.entries[-1]["ok"] is False


async def test_oversized_fields_are_refused_and_journalled_bounded() -> None:
    ctl, j, _ = rig.controller()
    huge = "x" * 1_000_000
    for cmd in (
        Command(action="note", args={"text": huge}, actor="console:a"),
        Command(action="note", args={"text": "hi"}, actor="console:a", reason=huge),
        Command(action=huge, actor="console:a"),
        Command(action="note", args={"text": "hi", huge: "v"}, actor="console:a"),
        Command(action="isolate", args={"venue": "k" * (MAX_TEXT + 1)}, actor="console:a"),
    ):
        out = await ctl.execute(cmd)
        assert not out.ok and "longer than" in out.detail
    assert all(len(msgspec.json.encode(e)) < 2000 for e in j.entries)


async def test_a_command_that_cannot_be_journalled_is_refused_and_has_no_effect() -> None:
    ctl, j, _ = rig.controller()
    j.fail_next = 1
    out = await run(ctl, "isolate", venue="kraken")
    assert not out.ok and out.detail.startswith("journal unwritable:")
    assert "kraken" not in ctl.facts.isolated and j.entries == []
    # The outcome write fails: the command entry is there, the effect is not.
    before = fx.durable(ctl.facts)
    calls = len(j.entries)
    j.fail_next = 0
    original = j.append

    async def second_fails(kind: str, **fields: Any) -> dict[str, Any]:
        if len(j.entries) == calls + 1:
            j.fail_next = 1
        return await original(kind, **fields)

    j.append = second_fails  # type: ignore[method-assign]
    out = await run(ctl, "isolate", venue="binance")
    assert not out.ok and "journal unwritable" in out.detail
    assert fx.durable(ctl.facts) == before and ctl.engine.state("binance") != "ISOLATED"
    j.append = original  # type: ignore[method-assign]
    # Space is back: the controller was not wedged (lock free, state whole).
    ok = await run(ctl, "isolate", venue="binance")
    assert ok.ok and ctl.facts.routes["btc"].active == "coinbase"
    # Replaying the journal agrees: the command without an outcome never happened.
    fresh = Controller(rig.engine(), rig.MemoryJournal())
    recovery.rebuild(fresh, j.entries)
    assert fx.durable(fresh.facts) == fx.durable(ctl.facts)


async def test_a_trip_that_cannot_be_journalled_is_not_recorded() -> None:
    ctl, j, policy = rig.controller(with_breakers())
    j.fail_next = 1
    assert not await policy.fire("silent", "kraken", 9.0)
    assert ctl.facts.breakers["silent"].tripped == {} and "kraken" not in ctl.facts.isolated
    assert await policy.fire("silent", "kraken", 9.5)
    assert "kraken" in ctl.facts.breakers["silent"].tripped and "kraken" in ctl.facts.isolated


async def test_state_rebuilt_from_the_journal_equals_the_live_state() -> None:
    ctl, j, policy = rig.controller(with_breakers())
    await run(ctl, "isolate", venue="kraken")
    await run(ctl, "halt", instrument="BTC-USD", venue="binance", actor="console:bob")
    await policy.fire("slow", "coinbase", 700)
    await run(ctl, "disarm", target="breaker:wide", actor="console:bob")
    await run(ctl, "note", text="hello")
    new = Controller(rig.engine(with_breakers()), rig.MemoryJournal())
    got = recovery.rebuild(new, j.entries)
    assert fx.durable(new.facts) == fx.durable(ctl.facts)
    assert got["isolated"] == ["kraken"] and got["tripped"] == ["slow@coinbase"]
    assert new.engine.state("kraken") == "ISOLATED"
    # The undo history came back too: alice's `u` still undoes her isolate.
    out = await run(new, "undo")
    assert out.ok and "isolate kraken" in out.detail


async def test_a_fresh_start_in_the_journal_forgets_what_came_before() -> None:
    ctl, j, _ = rig.controller()
    await run(ctl, "isolate", venue="kraken")
    await ctl.record("system", event=recovery.FRESH_EVENT)
    new = Controller(rig.engine(), rig.MemoryJournal())
    assert recovery.rebuild(new, j.entries)["isolated"] == []


async def test_route_and_trip_times_use_the_engine_clock() -> None:
    clock = rig.Clock()
    clock.now = 42_000_000_000
    eng = rig.engine(with_breakers(), clock)
    ctl = Controller(eng, rig.MemoryJournal())
    from tui.control.policy import Policy

    await Policy(eng, ctl).fire("silent", "binance", 7)
    assert ctl.facts.routes["btc"].changed_ns == 42_000_000_000
    assert ctl.facts.breakers["silent"].tripped["binance"].ts_ns == 42_000_000_000


async def test_a_trip_whose_action_cannot_be_journalled_is_not_recorded() -> None:
    ctl, j, policy = rig.controller(with_breakers())
    # The breaker entry is written; the disk fills before its isolate is.
    j.fail_write = j.writes + 2
    assert not await policy.fire("silent", "kraken", 9.0)
    assert ctl.facts.breakers["silent"].tripped == {} and "kraken" not in ctl.facts.isolated
    assert await policy.fire("silent", "kraken", 9.5)
    assert "kraken" in ctl.facts.isolated
    new = Controller(rig.engine(with_breakers()), rig.MemoryJournal())
    recovery.rebuild(new, j.entries)
    assert fx.durable(new.facts) == fx.durable(ctl.facts)


async def test_a_refused_breaker_action_still_trips_once() -> None:
    ctl, j, policy = rig.controller(with_breakers())
    for venue in ("coinbase", "kraken"):
        assert (await run(ctl, "isolate", venue=venue)).ok
    # binance is the route's last usable venue: the failover is refused, the trip stands.
    assert await policy.fire("slow", "binance", 900)
    assert "binance" in ctl.facts.breakers["slow"].tripped
    assert j.entries[-1]["ok"] is False
    assert not await policy.fire("slow", "binance", 950)
    new = Controller(rig.engine(with_breakers()), rig.MemoryJournal())
    recovery.rebuild(new, j.entries)
    assert "binance" in new.facts.breakers["slow"].tripped


async def test_a_venue_no_longer_configured_is_not_rebuilt_into_force() -> None:
    ctl, j, _ = rig.controller()
    await run(ctl, "isolate", venue="kraken")
    await run(ctl, "halt", instrument="BTC-USD", venue="kraken")
    eng = rig.engine()
    del eng.venues["kraken"]
    new = Controller(eng, rig.MemoryJournal())
    got = recovery.rebuild(new, j.entries)
    assert got["isolated"] == [] and got["halted"] == []


async def test_the_report_pairs_an_undo_with_the_command_its_outcome_names() -> None:
    from tui.report.incident import rebuild as report_rebuild

    ctl, j, _ = rig.controller()
    a = await run(ctl, "isolate", venue="kraken")
    b = await run(ctl, "isolate", venue="coinbase", actor="console:bob")
    assert (await run(ctl, "undo")).ok  # alice's own: #a, not bob's later #b
    actions = {x.seq: x for x in report_rebuild(j.entries).actions}
    assert actions[a.seq].undone_by_seq is not None
    assert actions[b.seq].undone_by_seq is None
