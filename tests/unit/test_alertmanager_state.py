"""What the Alertmanager sink tells is always the engine's firing set, and nothing it told is
left to fire forever: every label set that stops firing is sent once more with endsAt = now."""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tui.control.sinks import SinkSettings
from tui.engine.alerts import Alert
from tui.integrations.alertmanager import AlertmanagerSink, labels_of, rfc3339

KEYS = [("stale", "kraken", ""), ("spread", "okx", "BTC-USD"), ("gaps", "binance", "ETH-USD")]
NS = 1_000_000_000


def _alert(rule: str, venue: str, instrument: str, severity: str, t: int) -> Alert:
    return Alert(
        key=f"{rule}|{venue}|{instrument}",
        rule=rule,
        venue=venue,
        instrument=instrument,
        severity=severity,
        state="firing",
        summary=f"{rule} on {venue}",
        fired_ns=t,
    )


Labels = tuple[tuple[str, str], ...]


class AlertmanagerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = 1_700_000_000 * NS
        s = SinkSettings(kind="alertmanager", url="http://127.0.0.1:9093", resend_s=60)
        self.sink = AlertmanagerSink(s, clock=lambda: self.now)
        self.firing: dict[str, Alert] = {}
        self.ends: dict[Labels, str] = {}
        """Each identity ever sent -> the endsAt last sent for it."""
        self.told_firing: set[Labels] = set()

    @rule(which=st.sampled_from(KEYS), severity=st.sampled_from(["warning", "critical"]))
    def fire_or_change(self, which: tuple[str, str, str], severity: str) -> None:
        a = _alert(*which, severity, self.now)
        self.firing[a.key] = a

    @rule(which=st.sampled_from(KEYS))
    def resolve(self, which: tuple[str, str, str]) -> None:
        self.firing.pop("|".join(which), None)

    @rule(seconds=st.integers(1, 300))
    def time_passes(self, seconds: int) -> None:
        self.now += seconds * NS

    @rule()
    def send(self) -> None:
        items = self.sink.firing_items(list(self.firing.values()))
        now = rfc3339(self.now)
        current: set[Labels] = {
            tuple(sorted(labels_of(a.rule, a.venue, a.instrument, a.severity).items()))
            for a in self.firing.values()
        }
        sent: dict[Labels, dict[str, Any]] = {tuple(sorted(i["labels"].items())): i for i in items}
        assert len(sent) == len(items)  # one item per identity per batch
        for labels in current:
            assert sent[labels]["endsAt"] > now  # firing: ends in the future
        for labels, item in sent.items():
            if labels not in current:
                assert item["endsAt"] == now  # no longer firing: resolved now...
                assert labels in self.told_firing  # ...and only what had been told as firing
        self.ends.update({labels: item["endsAt"] for labels, item in sent.items()})
        self.told_firing = current
        assert set(self.sink.told) == set(self.firing)

    @invariant()
    def nothing_told_is_unknown(self) -> None:
        told = {tuple(sorted(v.items())) for v in self.sink.told.values()}
        assert told <= set(self.ends)

    def teardown(self) -> None:
        # Once everything stops firing, one batch ends every identity still told as firing.
        self.firing.clear()
        self.send()
        assert self.sink.told == {}
        now = rfc3339(self.now)
        assert all(end <= now for end in self.ends.values())  # nothing left to fire on its own


TestAlertmanagerSink = AlertmanagerMachine.TestCase
TestAlertmanagerSink.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)


def test_a_severity_change_resolves_the_old_identity() -> None:
    now = 1_700_000_000 * NS
    s = SinkSettings(kind="alertmanager", url="http://127.0.0.1:9093")
    sink = AlertmanagerSink(s, clock=lambda: now)
    (first,) = sink.firing_items([_alert("spread", "okx", "BTC-USD", "warning", now)])
    assert first["labels"]["severity"] == "warning"
    items = sink.firing_items([_alert("spread", "okx", "BTC-USD", "critical", now)])
    by_sev = {i["labels"]["severity"]: i for i in items}
    assert by_sev["critical"]["endsAt"] > rfc3339(now)
    assert by_sev["warning"]["endsAt"] == rfc3339(now)
    assert by_sev["critical"]["labels"]["instrument"] == "BTC-USD"
    assert first["annotations"]["summary"] == "spread on okx"


def test_warning_floor_and_venue_wide_instrument_label() -> None:
    now = 1_700_000_000 * NS
    s = SinkSettings(kind="alertmanager", url="http://127.0.0.1:9093", severity="critical")
    sink = AlertmanagerSink(s, clock=lambda: now)
    items = sink.firing_items(
        [
            _alert("stale", "kraken", "", "critical", now),
            _alert("spread", "okx", "BTC-USD", "warning", now),
        ]
    )
    assert [i["labels"]["alertname"] for i in items] == ["stale"]
    assert items[0]["labels"]["instrument"] == "*"
