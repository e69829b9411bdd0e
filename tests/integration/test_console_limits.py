"""Findings 2-4 and 8 (auth) against a real engine on loopback: floods, slow consoles,
oversized commands, wrong tokens. Assertions are about order and bounds, not timing."""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import sys
import time
from typing import Any

import pytest

from tui.console import protocol as p
from tui.console.client import AttachError, ConsoleClient
from tui.control import journal

from support.engine_rig import TOKEN, EngineRig
from support.fixtures import StartEngine
from support.raw_ws import never_reader

# One command a second after a burst of 5: a flood stays queued for a minute, so the
# order below does not depend on how fast this machine is.
SLOW = {"publish_hz": 20.0, "commands_per_s": 1.0, "command_burst": 5, "max_queued_commands": 64}


def entries(rig: EngineRig) -> list[dict[str, Any]]:
    return [e.as_dict() for e in journal.read(rig.journal_path).entries]


async def test_a_flood_never_delays_another_consoles_isolate_and_is_abandoned_on_leave(
    engine: StartEngine,
) -> None:
    rig = await engine(["binance", "kraken"], extra={"console": SLOW})
    alice = await rig.console("alice")
    mallory = await rig.console("mallory")
    assert mallory.ws is not None
    for i in range(200):  # pipelined: no waiting for acks
        await mallory.ws.send(
            p.encode(p.CommandRequest(id=f"m{i}", action="note", args={"text": f"n{i}"}))
        )
    full = await rig.wait_for(
        # 200 sent, 64 queued, a few run at once: the rest refused on arrival
        lambda: len(mallory.refusals) >= 200 - 64 - 10,
        what="queue-full refusals",
    )
    assert full and all("too many commands queued (64)" in r for r in mallory.refusals)
    outcome = await alice.command("isolate", venue="kraken")
    assert outcome.ok
    journalled = entries(rig)
    notes_before = [
        e
        for e in journalled
        if e["kind"] == "command" and e["seq"] < outcome.seq and e["action"] == "note"
    ]
    # Behind at most mallory's burst (5) and the one a second that followed it.
    assert len(notes_before) <= 10, len(notes_before)
    await mallory.close()

    def abandoned() -> dict[str, Any] | None:
        return next((e for e in entries(rig) if e.get("event") == "commands-abandoned"), None)

    entry = await rig.wait_for(abandoned, what="abandoned commands journalled")
    ran = [e for e in entries(rig) if e["kind"] == "command" and e["action"] == "note"]
    assert entry["actor"] == "console:mallory" and entry["actions"] == ["note"]
    # Every one of the 200 was refused on arrival, ran, or is journalled as abandoned.
    assert rig.service.server.refusals + len(ran) + entry["count"] == 200
    assert entry["count"] >= 40
    ids_ran = {e["id"] for e in ran}
    assert not ids_ran & set(entry["ids"])


async def test_only_the_timer_publishes_and_a_flood_brings_it_forward_once_a_period(
    engine: StartEngine,
) -> None:
    # Commands never publish themselves: a state-changing one brings the timer's next
    # publish forward, at most once a period, so 100 of them cannot become a publish flood.
    hz = 20.0
    flood = {"publish_hz": hz, "commands_per_s": 1000.0, "command_burst": 200}
    rig = await engine(["binance"], extra={"console": {**flood, "max_queued_commands": 200}})
    service, server = rig.service, rig.service.server
    callers: list[str] = []
    forwarded_at: list[float] = []
    real = server.publish

    def counting() -> None:
        callers.append(sys._getframe(1).f_code.co_name)
        if service.forwarded_publishes > len(forwarded_at):
            forwarded_at.append(service._last_forward)  # the stamp the limiter itself reads
        real()

    server.publish = counting  # type: ignore[method-assign]
    alice = await rig.console("alice")
    started = time.monotonic()
    futures = [
        alice.start("isolate" if i % 2 == 0 else "restore", venue="binance") for i in range(100)
    ]
    outcomes = await asyncio.gather(*futures)
    elapsed = time.monotonic() - started
    published = len(callers)
    assert all(o.ok for o in outcomes)
    assert set(callers) == {"_publish"}  # only the service's timer publishes
    assert forwarded_at, "no command brought the publish forward"
    gaps = [b - a for a, b in itertools.pairwise(forwarded_at)]
    assert all(g >= 1.0 / hz for g in gaps), gaps  # at most one brought forward a period
    # The timer's own publishes plus at most one brought forward a period: ≤ 2 × publish_hz.
    assert published <= 2 * elapsed * hz + 2, (published, elapsed)


async def test_a_state_change_is_published_at_once_and_before_its_ack(
    engine: StartEngine,
) -> None:
    # A slow timer (one publish a second): only a publish brought forward by the
    # command can carry ISOLATED to the console before the next period.
    rig = await engine(["binance"], extra={"console": {"publish_hz": 1.0}})
    service = rig.service
    alice = await rig.console("alice")
    seen: list[tuple[str, str]] = []

    def record(frame: p.Down) -> None:
        if isinstance(frame, p.Update):
            seen.extend(("update", v.state) for v in frame.venues if v.name == "binance")
        elif isinstance(frame, p.Ack):
            seen.append(("ack", frame.outcome.action))

    alice.listeners.append(record)
    before = service.forwarded_publishes
    notes = await asyncio.gather(*(alice.start("note", text=f"n{i}") for i in range(5)))
    assert all(o.ok for o in notes)
    assert service.forwarded_publishes == before  # notes change nothing: nothing brought forward
    assert ("ack", "note") in seen

    outcome = await alice.command("isolate", venue="binance")
    assert outcome.ok
    assert service.forwarded_publishes == before + 1
    assert ("update", "ISOLATED") in seen
    # The console applies the new state first, then reads "done": never "done" beside LIVE.
    assert seen.index(("update", "ISOLATED")) < seen.index(("ack", "isolate"))
    assert alice.model.venues["binance"].state == "ISOLATED"


async def test_oversized_fields_are_refused_before_journalling(engine: StartEngine) -> None:
    rig = await engine(["binance"])
    alice = await rig.console("alice")
    before = rig.journal_path.stat().st_size
    with pytest.raises(AttachError, match=r"command too large: argument 'text' is 500000"):
        await alice.command("note", text="x" * 500_000)
    with pytest.raises(AttachError, match="reason is 5000 characters \\(limit 2000\\)"):
        await alice.command("isolate", reason="r" * 5000, venue="binance")
    entry = await rig.wait_for(
        lambda: [e for e in entries(rig) if e.get("event") == "command-refused"][1:],
        what="bounded refusals journalled",
    )
    assert entry[0]["action"] == "isolate"
    assert rig.journal_path.stat().st_size - before < 4000  # not 500 KB
    assert rig.engine.state("binance") != "ISOLATED"
    assert (await alice.command("note", text="y" * 2000)).ok  # the limit itself is fine


async def test_wrong_tokens_are_throttled_per_peer_and_logged_in_aggregate(
    caplog: pytest.LogCaptureFixture, engine: StartEngine
) -> None:
    caplog.set_level(logging.WARNING, "venuewatch.console")
    rig = await engine(["binance"])
    url = rig.service.server.url
    reasons = []
    for _ in range(20):
        with pytest.raises(AttachError) as info:
            await ConsoleClient(url, "wrong-token", "eve").connect()
        reasons.append(str(info.value))
    assert reasons[:5] == ["the engine refused this console: unauthorized: wrong token"] * 5
    assert all("too many wrong tokens from 127.0.0.1; retry in" in r for r in reasons[5:])
    lines = [r.getMessage() for r in caplog.records if "wrong" in r.getMessage()]
    assert lines == ["console refused: wrong token from 127.0.0.1"]
    rig.service.server._auth.flush(time.monotonic() + 61)
    lines = [r.getMessage() for r in caplog.records if "wrong" in r.getMessage()]
    assert lines[1:] == ["console refused: 20 wrong-token attempts from 127.0.0.1 in 60s"]


async def test_a_console_that_leaves_mid_flood_does_not_stop_others(engine: StartEngine) -> None:
    rig = await engine(["binance"], extra={"console": SLOW})
    alice = await rig.console("alice")
    bob = await rig.console("bob")
    assert bob.ws is not None
    for i in range(30):
        await bob.ws.send(p.encode(p.CommandRequest(id=f"b{i}", action="note")))
    await bob.close()
    await asyncio.wait_for(alice.command("note", text="still here"), 10)


async def test_a_console_whose_socket_stalls_is_closed_with_4008_and_the_reason(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, engine: StartEngine
) -> None:
    from tui.console import outbox

    monkeypatch.setattr(outbox, "SEND_STALL_S", 1.0)
    caplog.set_level(logging.WARNING, "venuewatch.console")
    fast = {"publish_hz": 20.0, "commands_per_s": 1000.0, "command_burst": 1000}
    rig = await engine(["binance"], extra={"console": fast})
    server = rig.service.server
    stuck = await asyncio.to_thread(never_reader, server.port, TOKEN)
    mallory = await rig.wait_for(
        lambda: [c for c in server.clients if c.user == "mallory"], what="mallory attached"
    )
    # Small kernel buffers on the engine's side too, so a few notes fill the path.
    sock = mallory[0].ws.transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    alice = await rig.console("alice")

    def stalled() -> bool:
        return any("a frame waited over 1s" in r.getMessage() for r in caplog.records)

    sent = 0
    while not stalled():
        assert sent < 3000, "the stalled console was never closed"
        batch = [alice.command("note", text="x" * 1990) for _ in range(8)]
        assert all(o.ok for o in await asyncio.gather(*batch))
        sent += 8
    (line,) = [r.getMessage() for r in caplog.records if "too slow" in r.getMessage()]
    assert line == "closing console mallory: console too slow: a frame waited over 1s to be sent"
    await rig.wait_for(lambda: len(rig.service.server.clients) == 1, what="stalled one gone")
    stuck.close()
