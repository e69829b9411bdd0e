"""The layered halt per venue, against the simulated private venues over loopback HTTP.

Each venue: halt → cancel-all → dead-man armed → verify reaches CONFIRMED with
0 open; each injected fault ends in the right state (retried, escalated, never
CONFIRMED while orders remain at the venue).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.controls.base import Credentials
from adapters.simulator.private.common import TestKey as SimKey

from support.fixtures import StartPrivateSim
from support.killswitch import DEADMAN, VENUES, Pager, Recorder, control, halt_for


@pytest.mark.parametrize("venue", VENUES)
async def test_halt_reaches_confirmed_with_zero_open(
    private_sim: StartPrivateSim, venue: str, tmp_path: Path
) -> None:
    sim = await private_sim(VENUES)
    acct = sim.accounts[venue]
    acct.place(30)  # more than one OKX batch of 20
    rec, pager = await Recorder.open(tmp_path / "j.jsonl"), Pager()
    ctl = control(sim, venue)
    result = await halt_for(ctl, rec, pager).halt(venue, (), "isolate")
    assert "CONFIRMED (0 open)" in result, result
    assert acct.open() == []
    layers = rec.layers(venue)
    assert layers[0] == ("gate", "REQUESTED")
    assert ("cancel", "ACKED") in layers and ("backstop", "ACKED") in layers
    assert layers[-1] == ("verify", "CONFIRMED")
    if venue == "deribit":
        assert ("WS", "private/enable_cancel_on_disconnect") in acct.calls
    elif venue in DEADMAN and venue != "bybit":
        assert acct.timers, "the dead-man timer is armed at the venue"
    if venue == "bybit":
        assert sim.backends["bybit"].dcp == {"DERIVATIVES": 10}  # type: ignore[attr-defined]
    assert not pager.told
    await ctl.aclose()


@pytest.mark.parametrize("venue", VENUES)
@pytest.mark.parametrize("fault", ["5xx", "timeout", "ratelimit", "partial"])
async def test_transient_faults_are_retried_then_confirmed(
    private_sim: StartPrivateSim, venue: str, fault: str, tmp_path: Path
) -> None:
    sim = await private_sim(VENUES)
    acct = sim.accounts[venue]
    acct.place(6)
    acct.inject(fault, 1)
    rec, pager = await Recorder.open(tmp_path / "j.jsonl"), Pager()
    ctl = control(sim, venue, verify_timeout_s=2.0)
    result = await halt_for(ctl, rec, pager).halt(venue, (), "isolate")
    assert "CONFIRMED (0 open)" in result, result
    assert acct.open() == []
    states = [s for _, s in rec.layers(venue)]
    if fault == "partial":
        assert "OPEN" in states, "verify saw the orders the partial cancel left"
    else:
        assert "RETRY" in states
    assert not pager.told
    await ctl.aclose()


@pytest.mark.parametrize("venue", VENUES)
async def test_ack_with_orders_still_open_is_never_confirmed(
    private_sim: StartPrivateSim, venue: str, tmp_path: Path
) -> None:
    sim = await private_sim(VENUES)
    acct = sim.accounts[venue]
    acct.place(5)
    acct.inject("ack-open", -1)  # every cancel acknowledged, nothing removed
    rec, pager = await Recorder.open(tmp_path / "j.jsonl"), Pager()
    ctl = control(sim, venue, verify_timeout_s=0.4)
    result = await halt_for(ctl, rec, pager).halt(venue, (), "isolate")
    assert "FAILED (5 open)" in result, result
    assert len(acct.open()) == 5
    assert all(s != "CONFIRMED" for _, s in rec.layers(venue))
    alerts = [e for e in rec.entries if e["kind"] == "alert"]
    assert alerts and alerts[0]["severity"] == "critical"
    assert pager.told and pager.told[0]["args"] == {"venue": venue}
    assert any(e["kind"] == "sink" and e["sink"] == "pager" for e in rec.entries)
    await ctl.aclose()


SKEWABLE = [v for v in VENUES if v != "kraken"]  # Kraken signs a nonce, not a timestamp


@pytest.mark.parametrize("venue", SKEWABLE)
async def test_clock_skew_is_rejected_and_fails_loudly(
    private_sim: StartPrivateSim, venue: str, tmp_path: Path
) -> None:
    sim = await private_sim(VENUES)
    acct = sim.accounts[venue]
    acct.place(3)
    acct.inject("skew", ms=-120_000)  # the venue's clock two minutes behind ours
    rec, pager = await Recorder.open(tmp_path / "j.jsonl"), Pager()
    ctl = control(sim, venue)
    result = await halt_for(ctl, rec, pager).halt(venue, (), "isolate")
    assert "FAILED" in result, result
    expected = {
        "binance": "-1021",
        "binance-futures": "-1021",
        "okx": "50102",
        "bybit": "10002",
        "coinbase": "UNAUTHENTICATED",
        "deribit": "13004",
    }
    assert expected[venue] in result
    assert len(acct.open()) == 3
    assert pager.told
    await ctl.aclose()


@pytest.mark.parametrize("venue", VENUES)
async def test_wrong_secret_and_unknown_key_get_the_venues_own_errors(
    private_sim: StartPrivateSim, venue: str
) -> None:
    sim = await private_sim(VENUES)
    key = sim.keys[venue]
    wrong_secret = {"kraken": "d3Jvbmc=" * 11, "coinbase": SimKey.generate("coinbase").secret}.get(
        venue, "not-the-secret"
    )
    bad_sig = control(sim, venue, Credentials(key.key, wrong_secret, key.passphrase))
    unknown = control(sim, venue, Credentials("unknown-key", key.secret, key.passphrase))
    sig_err = {
        "binance": "-1022",
        "binance-futures": "-1022",
        "kraken": "EAPI:Invalid signature",
        "okx": "50113",
        "bybit": "10004",
        "coinbase": "invalid signature",
        "deribit": "13004 invalid_credentials",
    }
    key_err = {
        "binance": "-2015",
        "binance-futures": "-2015",
        "kraken": "EAPI:Invalid key",
        "okx": "50111",
        "bybit": "10003",
        "coinbase": "unknown key",
        "deribit": "13004 invalid_credentials",
    }
    for ctl, want in ((bad_sig, sig_err[venue]), (unknown, key_err[venue])):
        step_error = ""
        try:
            await ctl.account()
        except Exception as exc:
            step_error = str(exc)
        assert want in step_error
        await ctl.aclose()
