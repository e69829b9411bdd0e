"""A connection that sheds frames still answers the venue's keep-alive requests.

Deribit closes a connection whose ``test_request`` goes unanswered for one
heartbeat interval. Shedding drops frames unparsed, so without care an engine
that is merely behind would be hung up on, and then reconnect into the same
backlog. Nothing here is timed: the test waits on the simulator's own counts.
"""

from __future__ import annotations

import pytest

from adapters.simulator.venues.deribit import DeribitSim

from support.fixtures import StartSim
from support.overload import overloaded

VENUE = "deribit"


async def test_a_shedding_connection_answers_test_requests_and_stays_connected(
    monkeypatch: pytest.MonkeyPatch, sim: StartSim
) -> None:
    monkeypatch.setattr(DeribitSim, "min_heartbeat_s", 1)
    rig = await sim([VENUE], options={"heartbeat_interval": "1"})
    sv = rig.sim.venues[VENUE]
    assert isinstance(sv, DeribitSim)
    await rig.wait_for(rig.synced, what="initial sync")
    feed, sup = rig.feeds[VENUE], rig.sups[VENUE]
    async with overloaded(rig.sim, feed, VENUE):
        await rig.wait_for(
            lambda: any(g.shedding for g in sup.governors.values()),
            timeout=30.0,
            what="the deribit connection to start shedding",
        )
        answered, shed = sv.tests_answered, feed.shed_frames
        # Two heartbeat intervals and more, all of them while shedding.
        await rig.wait_for(
            lambda: sv.tests_answered >= answered + 2 or sv.closed_for_heartbeat > 0,
            timeout=30.0,
            what="two test_requests answered while shedding",
        )
        assert sv.closed_for_heartbeat == 0
        assert any(g.shedding for g in sup.governors.values())
        assert feed.shed_frames > shed and feed.disconnects == 0 and feed.connects == 1
    await rig.settle(VENUE, timeout=30.0)
    assert feed.disconnects == 0
