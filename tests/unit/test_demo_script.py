"""The demo's scripted incident drives every breaker the demo config ships past its
threshold, on a venue no earlier breaker has already isolated (a breaker does not
trip on an isolated venue), so the demo shows each one trip."""

from __future__ import annotations

import tomllib
from importlib.resources import files

from adapters.simulator.catalogue import MODULES, venue_class
from adapters.simulator.script import INCIDENT, INCIDENT_PERIOD_S, Step


def demo_breakers() -> dict[str, dict[str, object]]:
    text = files("tui.data").joinpath("demo.toml").read_text(encoding="utf-8")
    breakers: dict[str, dict[str, object]] = tomllib.loads(text)["engine"]["breakers"]
    return breakers


def drives(step: Step, breaker: dict[str, object]) -> bool:
    """Whether ``step`` alone takes its venue past ``breaker``'s threshold."""
    threshold = float(breaker["threshold"])  # type: ignore[arg-type]
    held = float(breaker.get("for_s", 0.0))  # type: ignore[arg-type]
    metric = breaker["metric"]
    p = step.params
    if metric == "venue_silent_s":
        return step.fault == "stall" and float(p["duration_s"]) >= threshold + held + 1
    if metric == "checksum_failures_60s":
        checksummed = step.venue in MODULES and venue_class(step.venue).has_checksum
        return step.fault == "bad_checksum" and checksummed and int(p["count"]) >= threshold
    if metric == "deviation_bps":
        return (
            step.fault == "jump"
            and abs(float(p["bps"])) >= threshold
            and float(p["duration_s"]) >= held + 4  # the alert's own `for`, then the hold
        )
    return False


def test_every_shipped_breaker_is_driven_to_a_trip_in_the_incident() -> None:
    breakers = demo_breakers()
    assert set(breakers) == {"feed-silent", "checksum-storm", "deviation-hard"}
    isolated: set[str] = set()
    tripped: dict[str, str] = {}
    for step in sorted(INCIDENT, key=lambda s: s.at_s):
        assert step.at_s < INCIDENT_PERIOD_S
        for name, rule in breakers.items():
            if name not in tripped and step.venue not in isolated and drives(step, rule):
                assert rule.get("armed", True), f"{name} is disarmed: it would never trip"
                tripped[name] = step.venue
                isolated.add(step.venue)
    assert set(tripped) == set(breakers), f"never tripped: {set(breakers) - set(tripped)}"
    assert len(set(tripped.values())) == len(tripped)  # each on its own venue
