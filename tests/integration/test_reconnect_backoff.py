"""Reconnects back off exponentially with full jitter, capped."""

from __future__ import annotations

import pytest

from adapters.transport import NAMES

from support.fixtures import StartSim


@pytest.mark.parametrize("transport", NAMES)
async def test_a_venue_that_refuses_connections_gets_growing_jittered_retries(
    transport: str,
    sim: StartSim,
) -> None:
    rig = await sim(["binance"], backoff_base_s=0.05, backoff_cap_s=0.8, transport=transport)
    await rig.settle()
    sup = rig.sups["binance"]
    feed = rig.feeds["binance"]
    rig.sim.inject("binance", "disconnect", mode="abort", down_s=2.0)
    await rig.wait_for(lambda: len(sup.delays) >= 5, what="five reconnect attempts")
    rig.sim.clear("binance", "disconnect")
    await rig.wait_for(lambda: feed.connects >= 2 and rig.synced(), what="reconnected")
    await rig.sim.step(50)
    await rig.settle()
    refused = [e for e in rig.statuses("binance", "disconnected") if "connect failed" in e.reason]
    assert len(refused) >= 4
    first = sup.delays[:5]
    ceilings = [min(0.8, 0.05 * 2**k) for k in range(5)]
    assert all(0 <= d <= c for d, c in zip(first, ceilings, strict=True)), first
    assert len(set(first)) == 5, "delays must be jittered, not fixed"
