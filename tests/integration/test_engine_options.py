"""Options are thin and wide: their class rules must not page anyone for that."""

from __future__ import annotations

from tui.engine import detectors

from support.fixtures import StartEngine


async def test_an_always_wide_option_spread_does_not_alert(engine: StartEngine) -> None:
    rig = await engine(["deribit"])
    await rig.healthy()
    eng = rig.engine
    option = next(ih for ih in eng.instruments.values() if ih.kind == "option")
    assert option.canonical.endswith("-70000-C")
    await rig.wait_for(lambda: option.spread_ratio is not None, what="warm baseline")
    ticks = eng.ticks
    await rig.wait_for(lambda: eng.ticks >= ticks + 20, what="twenty evaluations")
    assert option.spread_bps is not None and option.spread_bps > 300  # ~6 % wide
    assert not [
        a
        for a in eng.alerts.active()
        if a.instrument == option.canonical and a.rule in ("spread", "deviation")
    ]
    # The same book judged by spot rules would page: the class rules are what spare it.
    spot = eng.rules_for("spot")
    judged = list(
        detectors.instrument_conditions(
            option, eng.settings.detectors, spot, eng.clock(), None, False
        )
    )
    assert any(c.rule == "spread" and c.severity == "critical" for c in judged)
