"""Past capacity: commands go through while frames are shed, and the books come back exact.

The engine service runs against the simulator over loopback websockets. Its
Binance book apply is slowed on purpose (2 ms of CPU an update, through a feed
listener) while the simulator steps its market flat out, so frames arrive far
faster than they can be applied. Nothing here is timed: the test waits on the
engine's own state (shedding, alerts, exact books) with bounded timeouts.
"""

from __future__ import annotations

from tui.control import journal

from support.engine_rig import EngineRig
from support.fixtures import StartEngine
from support.overload import overloaded

VENUE = "binance"


def _exact(rig: EngineRig) -> bool:
    sv = rig.sim.venues[VENUE]
    for sym, st in rig.service.feeds[VENUE].instruments.items():
        if st.lagging or not st.synced or st.book.levels() != sv.expected_book(sym):
            return False
        seq = sv.expected_seq(sym)
        if seq is not None and st.last_seq != seq:
            return False
    return True


async def test_a_command_is_journalled_and_acked_while_frames_are_shed(engine: StartEngine) -> None:
    rig = await engine([VENUE])
    await rig.healthy()
    feed = rig.service.feeds[VENUE]
    sup = rig.service.supervisors[VENUE]
    alice = await rig.console("alice")
    # On leaving, the market goes quiet: the arrival rate falls to one the books can
    # take whatever apply cost was measured, and the books have a fixed target.
    async with overloaded(rig.sim, feed, VENUE):
        await rig.wait_for(
            lambda: any(g.shedding for g in sup.governors.values()),
            timeout=30.0,
            what="the binance connection to start shedding",
        )
        # The health figure and the alert say so; no lagging book reads as current.
        await rig.wait_for(
            lambda: rig.alert("book-lagging", VENUE) is not None, what="book-lagging firing"
        )
        lagging = [ih for ih in rig.engine.instruments.values() if ih.lagging]
        assert lagging and all(not ih.synced and ih.mid is None for ih in lagging)
        assert all(st.lagging for st in feed.instruments.values())
        # A responder's command, in the middle of it.
        gov = next(g for g in sup.governors.values() if g.shedding)
        episode, shed_before = gov.episodes, feed.shed_frames
        out = await alice.command("isolate", venue=VENUE, reason="feed lagging")
        assert out.ok and out.seq > 0
        # One shedding episode spanned the command, and frames kept being dropped.
        assert gov.shedding and gov.episodes == episode
        await rig.wait_for(lambda: feed.shed_frames > shed_before, what="frames shed")
        log = [e.as_dict() for e in journal.read(rig.journal_path).entries]
        cmd = next(e for e in log if e["kind"] == "command" and e["id"] == out.id)
        assert cmd["action"] == "isolate" and cmd["seq"] == out.seq
        assert any(e["kind"] == "outcome" and e["id"] == out.id and e["ok"] for e in log)
    # The backlog clears: the lagging books resync through a REST snapshot, exactly.
    await rig.wait_for(lambda: _exact(rig), timeout=30.0, what="exact books after shedding")
    assert all(st.lag_resyncs >= 1 for st in feed.instruments.values())
    await rig.wait_for(
        lambda: rig.resolved("book-lagging", VENUE) is not None,
        what="book-lagging resolved",
    )
    await rig.wait_for(
        lambda: any(
            e.get("kind") == "alert"
            and e.get("rule") == "book-lagging"
            and e.get("what") == "resolved"
            for e in (x.as_dict() for x in journal.read(rig.journal_path).entries)
        ),
        what="the alert's resolution in the journal",
    )
    log = [e.as_dict() for e in journal.read(rig.journal_path).entries]
    fired = [e for e in log if e["kind"] == "alert" and e["rule"] == "book-lagging"]
    assert fired[0]["what"] == "firing" and fired[0]["venue"] == VENUE
