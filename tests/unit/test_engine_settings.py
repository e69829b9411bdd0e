"""Options are thin and wide: their class rules must not page anyone for that."""

from __future__ import annotations

import msgspec

from tui.engine.settings import EngineSettings


def test_class_overrides_keep_the_other_built_in_defaults() -> None:
    s = msgspec.convert(
        {"detectors": {"classes": {"option": {"stale_min_s": 120.0}}}}, EngineSettings
    )
    option = s.detectors.for_class("option")
    assert option.stale_min_s == 120.0
    assert option.spread_floor_bps == 200.0 and option.deviation_bps.warn == 500.0
    assert s.detectors.for_class("spot").spread_floor_bps == 2.0
    assert s.detectors.for_class("unknown-kind") == s.detectors.for_class("spot")
