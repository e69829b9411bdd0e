"""Controls through real consoles: isolation, breakers, failover, undo, journal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui.control import journal

from support.fixtures import StartEngine

ROUTES = {
    "routes": {
        "btc-usd-ref": {"instrument": "BTC-USD", "venues": ["binance", "coinbase", "kraken"]},
    }
}


def entries(path: Path) -> list[dict[str, Any]]:
    return [e.as_dict() for e in journal.read(path).entries]


async def test_isolating_a_venue_removes_it_from_the_consensus_at_once(engine: StartEngine) -> None:
    rig = await engine(["binance", "kraken", "coinbase"])
    await rig.healthy()
    await rig.wait_for(
        lambda: len(rig.engine.consensus["BTC-USD"].references) == 3, what="three references"
    )
    alice = await rig.console("alice")
    out = await alice.command("isolate", venue="kraken", reason="checksum storm")
    assert out.ok and out.seq > 0
    # At once: the command's own evaluation already dropped it.
    refs = rig.engine.consensus["BTC-USD"].references
    assert "kraken" not in refs and set(refs) == {"binance", "coinbase"}
    assert rig.engine.state("kraken") == "ISOLATED"
    again = await alice.command("isolate", venue="kraken")
    assert not again.ok and "already isolated" in again.detail
    log = entries(rig.journal_path)
    cmd = next(e for e in log if e["kind"] == "command" and e["id"] == out.id)
    assert cmd["seq"] == out.seq and cmd["actor"] == "console:alice"
    assert cmd["reason"] == "checksum storm"
    assert cmd["inverse"] == {"action": "restore", "args": {"venue": "kraken"}}
    outcome = next(e for e in log if e["kind"] == "outcome" and e["id"] == out.id)
    assert outcome["seq"] > cmd["seq"] and outcome["ok"] is True
    # Restore puts the venue on probation, and it rejoins the consensus when LIVE.
    back = await alice.command("restore", venue="kraken")
    assert back.ok and "probation" in back.detail
    assert rig.engine.state("kraken") == "RECOVERING"


async def test_breaker_trips_journals_why_and_stays_tripped(engine: StartEngine) -> None:
    detect = {
        "probation_s": 1.0,
        "breakers": {
            "stale-feed": {
                "metric": "venue_silent_s",
                "op": ">=",
                "threshold": 1.5,
                "for_s": 0.5,
                "action": "isolate",
            },
        },
    }
    rig = await engine(["binance", "kraken"], engine=detect)
    await rig.healthy()
    rig.sim.inject("kraken", "stall", duration_s=3)
    await rig.wait_for(lambda: rig.engine.state("kraken") == "ISOLATED", what="tripped")
    b = rig.engine.facts.breakers["stale-feed"]
    assert "kraken" in b.tripped and "venue_silent_s" in b.tripped["kraken"].reason
    log = entries(rig.journal_path)
    trip = next(e for e in log if e["kind"] == "breaker")
    assert trip["breaker"] == "stale-feed" and trip["venue"] == "kraken"
    assert ">= 1.5" in trip["reason"]
    cmd = next(e for e in log if e["kind"] == "command" and e["action"] == "isolate")
    assert cmd["actor"] == "breaker:stale-feed" and cmd["seq"] > trip["seq"]
    # The stall ends and the feed recovers: the breaker does NOT un-isolate.
    await rig.wait_for(
        lambda: (
            rig.engine.venues["kraken"].silent_s < 0.5
            and all(ih.synced for ih in rig.engine.venue_instruments("kraken"))
        ),
        what="kraken feed back",
    )
    ticks = rig.engine.ticks
    await rig.wait_for(lambda: rig.engine.ticks >= ticks + 10, what="ten more evaluations")
    assert rig.engine.state("kraken") == "ISOLATED"
    assert "kraken" in b.tripped
    # A person restores: the trip clears and the breaker is armed again.
    bob = await rig.console("bob")
    out = await bob.command("restore", venue="kraken", reason="feed healthy again")
    assert out.ok and "breakers reset: stale-feed" in out.detail
    assert "kraken" not in b.tripped and b.armed
    await rig.wait_for(lambda: rig.engine.state("kraken") == "LIVE", what="probation over")


async def test_auto_failover_and_undo(engine: StartEngine) -> None:
    rig = await engine(["binance", "kraken", "coinbase"], engine=ROUTES)
    await rig.healthy()
    routes = rig.engine.facts.routes
    assert routes["btc-usd-ref"].active == "binance"
    alice = await rig.console("alice")
    # Isolating the active venue fails the armed route over to the next LIVE venue.
    out = await alice.command("isolate", venue="binance", reason="drill")
    assert out.ok and "btc-usd-ref: binance -> coinbase" in out.detail
    assert routes["btc-usd-ref"].active == "coinbase"
    # Undo brings back the previous state: venue restored, route back on binance.
    undo = await alice.command("undo")
    assert undo.ok and "undid isolate binance" in undo.detail
    assert routes["btc-usd-ref"].active == "binance"
    assert "binance" not in rig.engine.facts.isolated
    # A critical alert on the active venue fails over automatically.
    rig.sim.inject("binance", "stall", duration_s=30)
    await rig.wait_for(
        lambda: routes["btc-usd-ref"].active == "coinbase", what="automatic failover"
    )
    log = entries(rig.journal_path)
    auto = [e for e in log if e["kind"] == "command" and e["actor"] == "auto-failover"]
    assert auto and "binance" in auto[-1]["reason"] and "no frame" in auto[-1]["reason"]
    # Manual failover moves on; undo comes back.
    out = await alice.command("failover", route="btc-usd-ref")
    assert out.ok and routes["btc-usd-ref"].active == "kraken"
    undo = await alice.command("undo")
    assert undo.ok and routes["btc-usd-ref"].active == "coinbase"
    nothing = await alice.command("failover", route="nope")
    assert not nothing.ok and "no route 'nope'" in nothing.detail


async def test_two_consoles_see_the_same_state_and_each_others_commands(
    engine: StartEngine,
) -> None:
    rig = await engine(["binance", "kraken"])
    await rig.healthy()
    alice = await rig.console("alice")
    bob = await rig.console("bob")
    out = await alice.command("note", text="looking at kraken checksum storm")
    assert out.ok
    await rig.wait_for(
        lambda: any(e.get("id") == out.id for e in bob.model.journal),
        what="bob sees alice's note",
    )
    note = next(e for e in bob.model.journal if e.get("id") == out.id)
    assert note["args"] == {"text": "looking at kraken checksum storm"}
    assert note["actor"] == "console:alice"
    iso = await bob.command("isolate", venue="kraken")
    assert iso.ok
    await rig.wait_for(
        lambda: (
            alice.model.venues["kraken"].state == "ISOLATED"
            and bob.model.venues["kraken"].state == "ISOLATED"
        ),
        what="both see isolation",
    )
    await rig.wait_for(
        lambda: any(e.get("id") == iso.id for e in alice.model.journal),
        what="alice sees bob's command",
    )
    assert alice.model.venues.keys() == bob.model.venues.keys()


async def test_unauthenticated_and_malformed_frames_are_refused(engine: StartEngine) -> None:
    from websockets.asyncio.client import connect

    from tui.console import protocol as p
    from tui.console.client import AttachError, ConsoleClient

    rig = await engine(["binance"])
    await rig.healthy()
    intruder = ConsoleClient(rig.service.server.url, "wrong-token", "mallory")
    try:
        await intruder.connect()
        raise AssertionError("a wrong token was accepted")
    except AttachError as exc:
        assert "unauthorized" in str(exc)
    async with connect(rig.service.server.url) as ws:
        await ws.send(b"\x81\xa4junk")
        reply = p.decode_down(await ws.recv())
        assert isinstance(reply, p.Refusal) and "Hello" in reply.reason
    alice = await rig.console("alice")
    assert alice.ws is not None
    await alice.ws.send(b"\xc1not msgpack")
    await rig.wait_for(lambda: alice.refusals, what="refusal")
    assert "malformed frame" in alice.refusals[0]
    bad = await alice.command("explode", venue="binance")
    assert not bad.ok and "unknown action" in bad.detail
    ok = await alice.command("note", text="still here")
    assert ok.ok and rig.service.server.refusals >= 3


async def test_halt_leaves_the_consensus_and_the_route_and_resume_undoes_it(
    engine: StartEngine,
) -> None:
    rig = await engine(["binance", "kraken", "coinbase"], engine=ROUTES)
    await rig.healthy()
    await rig.wait_for(
        lambda: len(rig.engine.consensus["BTC-USD"].references) == 3, what="three references"
    )
    alice = await rig.console("alice")
    out = await alice.command("halt", instrument="BTC-USD", venue="binance")
    assert out.ok and "BTC-USD halted on binance" in out.detail
    assert "btc-usd-ref: binance -> coinbase" in out.detail
    assert "binance" not in rig.engine.consensus["BTC-USD"].references
    assert "binance" in rig.engine.consensus["ETH-USD"].references  # only that instrument
    again = await alice.command("halt", instrument="BTC-USD", venue="binance")
    assert not again.ok and "already halted" in again.detail
    unknown = await alice.command("halt", instrument="DOGE-USD")
    assert not unknown.ok and "unknown instrument 'DOGE-USD'" in unknown.detail
    back = await alice.command("resume", instrument="BTC-USD", venue="binance")
    assert back.ok
    await rig.wait_for(
        lambda: "binance" in rig.engine.consensus["BTC-USD"].references,
        what="binance back in the consensus",
    )
    everywhere = await alice.command("halt", instrument="ETH-USD")
    assert everywhere.ok and "on all venues" in everywhere.detail
    assert rig.engine.facts.is_halted("kraken", "ETH-USD")


async def test_a_console_attaching_mid_incident_gets_the_recent_feed_events(
    engine: StartEngine,
) -> None:
    rig = await engine(["binance", "kraken"])
    await rig.healthy()
    rig.sim.inject("kraken", "gap", symbol="ETH/USD")
    await rig.wait_for(
        lambda: rig.alert("checksum", "kraken") or rig.alert("gaps", "kraken"),
        what="integrity alert",
    )
    late = await rig.console("late")
    statuses = {(n["venue"], n["status"]) for n in late.model.notes}
    assert ("kraken", "resync_started") in statuses
    assert ("kraken", "connected") in statuses


async def test_consoles_see_an_alert_go_from_pending_to_firing(engine: StartEngine) -> None:
    """Alerts change in place in the engine; every console must still see each step."""
    rig = await engine(["binance", "kraken", "coinbase"])
    await rig.healthy()
    alice = await rig.console("alice")

    def seen(state: str) -> bool:
        return any(
            a.rule == "deviation" and a.venue == "coinbase" and a.state == state
            for a in alice.model.alerts
        )

    rig.sim.inject("coinbase", "jump", symbol="BTC-USD", bps=150)
    await rig.wait_for(lambda: seen("pending"), what="console sees pending")
    await rig.wait_for(lambda: seen("firing"), what="console sees firing")


async def test_a_storm_of_bad_frames_is_throttled_on_the_timeline_not_in_the_engine(
    engine: StartEngine,
) -> None:
    rig = await engine(["binance", "kraken"])
    await rig.healthy()
    alice = await rig.console("alice")
    rig.sim.inject("kraken", "malformed", symbol="BTC/USD", kind="not_json", count=100)
    vh = rig.engine.venues["kraken"]
    await rig.wait_for(lambda: vh.parse_errors.total >= 100, what="every bad frame counted")
    await rig.wait_for(lambda: rig.alert("parse_errors", "kraken"), what="parse-error alert")
    shown = [n for n in alice.model.notes if n["status"] == "parse_error"]
    assert 0 < len(shown) < 90
    note = await rig.wait_for(
        lambda: next((n for n in alice.model.notes if "not shown" in n["reason"]), None),
        what="a note counting what was held back",
    )
    assert note["venue"] == "kraken"
    assert alice.ws is not None and alice.ws.state.name == "OPEN"  # not dropped as too slow
