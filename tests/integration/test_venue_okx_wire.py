"""OKX v5 ``books``: documented frames, the sequence and checksum rules, and the wire.

The documented messages below are copied verbatim from OKX's API v5 reference,
"WS / Order book channel" (https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-
order-book-channel, as updated 2026-07), and from its earlier edition for the
checksum section and the non-zero checksum value, which the current one drops.
"""

from __future__ import annotations

import pytest

from adapters.model import (
    ParseError,
)
from adapters.simulator.venues.okx import OkxSim
from adapters.venues.okx import Okx

from support.fixtures import StartSim
from support.rig import Rig


def _sim(rig: Rig) -> OkxSim:
    sim = rig.sim.venues["okx"]
    assert isinstance(sim, OkxSim)
    return sim


async def test_both_checksum_paths_run_and_keepalives_are_skipped(sim: StartSim) -> None:
    rig = await sim(["okx"])
    await rig.settle()
    first = {s: st.last_seq for s, st in rig.feeds["okx"].instruments.items()}
    await rig.sim.step(300)
    await rig.settle()
    okx = _sim(rig)
    venue = rig.feeds["okx"].venue
    assert isinstance(venue, Okx)
    assert set(venue.texts) == okx.checksum_symbols == {"BTC-USDT"}
    for sym, st in rig.feeds["okx"].instruments.items():
        assert st.gaps == st.resyncs == st.checksum_failures == 0
        # Every frame is the snapshot, an applied update, or a skipped keep-alive.
        assert st.frames - st.updates - st.snapshots == okx.updates[sym] // okx.keepalive_every
        assert st.frames - st.updates - st.snapshots >= 5
        # seqId steps are irregular: a "+1" rule would have seen nothing but gaps.
        assert st.last_seq - first[sym] >= 2 * st.updates
        if sym in okx.checksum_symbols:
            assert st.checksum_ok == st.updates + st.snapshots
        else:
            assert st.checksum_ok == st.checksum_skipped == 0


async def test_quiet_book_keepalive_keeps_it_fresh(sim: StartSim) -> None:
    rig = await sim(["okx"])
    await rig.settle()
    _sim(rig).idle_keepalive_s = 0.05
    st = rig.st("okx", "ETH-USDT")
    before, frames, updates = st.last_update_mono, st.frames, st.updates
    await rig.wait_for(
        lambda: st.last_update_mono > before and st.frames >= frames + 2,
        what="keep-alive updates on a quiet book",
    )
    assert st.updates == updates and st.gaps == 0 and st.synced
    assert rig.exact("okx")


async def test_sequence_reset_after_maintenance_is_not_a_gap(sim: StartSim) -> None:
    rig = await sim(["okx"])
    await rig.settle()
    st = rig.st("okx", "BTC-USDT")
    before = st.last_seq
    _sim(rig).reset_sequence("BTC-USDT")
    await rig.sim.step(20)
    await rig.settle()
    assert (st.resets, st.gaps, st.resyncs, st.checksum_failures) == (1, 0, 0, 0)
    assert st.last_seq < before
    (ev,) = rig.statuses("okx", "reset")
    assert ev.symbol == "BTC-USDT"


async def test_gap_is_mended_by_unsubscribe_then_subscribe(sim: StartSim) -> None:
    rig = await sim(["okx"])
    await rig.settle()
    okx = _sim(rig)
    st = rig.st("okx", "ETH-USDT")  # no checksum here: only the sequence can tell
    rig.sim.inject("okx", "gap", symbol="ETH-USDT")
    await rig.sim.step(5)
    await rig.wait_for(lambda: st.resyncs >= 1, what="resync after gap")
    await rig.sim.step(5)
    await rig.settle()
    assert (st.gaps, st.checksum_failures, st.snapshots) == (1, 0, 2)
    assert okx.ops[-2:] == [("unsubscribe", "ETH-USDT"), ("subscribe", "ETH-USDT")]


async def test_ping_is_answered_by_pong(monkeypatch: pytest.MonkeyPatch, sim: StartSim) -> None:
    monkeypatch.setattr(Okx, "keepalive_interval_s", 0.05)
    rig = await sim(["okx"])
    await rig.settle()
    feed = rig.feeds["okx"]
    await rig.wait_for(lambda: _sim(rig).pings >= 3 and feed.heartbeats >= 3, what="ping/pong")
    assert feed.parse_errors == 0


async def test_upgrade_notice_reconnects_early(sim: StartSim) -> None:
    rig = await sim(["okx"])
    await rig.settle()
    feed = rig.feeds["okx"]
    assert _sim(rig).notice_upgrade() == 1
    await rig.wait_for(lambda: feed.connects >= 2 and rig.synced(), what="early reconnect")
    await rig.sim.step(20)
    await rig.settle()
    (ev, *_) = rig.statuses("okx", "reconnect")
    assert "64008" in ev.reason
    assert rig.sups["okx"].reconnects >= 1


async def test_unknown_instrument_is_reported_with_the_venue_code(sim: StartSim) -> None:
    rig = await sim(["okx"], symbols=["BTC-USDT", "NOPE-USDT"])
    feed = rig.feeds["okx"]

    def refused() -> bool:
        return any(isinstance(e, ParseError) and "60018" in e.reason for e in rig.events)

    await rig.wait_for(refused, what="subscribe error")
    await rig.wait_for(lambda: feed.instruments["BTC-USDT"].synced, what="BTC-USDT sync")
    assert not feed.instruments["NOPE-USDT"].synced
