"""Every ``[[sinks]]`` entry built into its sink; secrets fetched from the keyring by name."""

from __future__ import annotations

from typing import Any

from tui.control.sinks import SinkSettings, WebhookSink, secret_for
from tui.integrations.alertmanager import AlertmanagerSink
from tui.integrations.base import AlertSink
from tui.integrations.pagerduty import PagerDutySink
from tui.integrations.slack import SlackSink


def build(settings: list[SinkSettings]) -> list[Any]:
    """The configured sinks, in order; ValueError naming the entry whose secret is missing."""
    sinks: list[Any] = []
    for i, s in enumerate(settings):
        where = f"sinks[{i}]"
        secret = secret_for(s, where)
        if s.kind == "webhook":
            sinks.append(WebhookSink(s, secret))
        elif s.kind == "alertmanager":
            sinks.append(AlertmanagerSink(s, secret))
        elif s.kind == "pagerduty":
            assert secret is not None  # the config check requires the name
            sinks.append(PagerDutySink(s, secret))
        elif s.kind == "slack":
            assert secret is not None
            sinks.append(SlackSink(s, secret))
        else:
            raise ValueError(f"{where}.kind: unknown sink kind {s.kind!r}")
    return sinks


def alerting(sinks: list[Any]) -> list[AlertSink]:
    return [s for s in sinks if isinstance(s, AlertSink)]
