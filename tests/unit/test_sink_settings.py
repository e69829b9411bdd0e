"""Sink, metrics and API configuration: one clear line per mistake; secrets by name only."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.config import ConfigError, from_dict, parse
from tui.integrations.sinks import build
from tui.integrations.slack import FIELDS_MAX, HEADER_MAX, escape, message
from tui.secrets import set_secret


@pytest.mark.parametrize(
    ("sink", "expected"),
    [
        ({"kind": "teams", "url": "http://127.0.0.1/"}, "sinks[0].kind: expected one of webhook"),
        ({"kind": "webhook", "url": "ftp://x"}, "sinks[0].url: expected an http(s) URL"),
        ({"kind": "alertmanager"}, "sinks[0].url: expected an http(s) URL"),
        (
            {"kind": "slack", "url": "https://hooks.slack.com/services/T/B/X", "secret": "s"},
            "sinks[0].url: a Slack webhook URL is a credential",
        ),
        ({"kind": "pagerduty"}, "sinks[0].secret: name the keyring entry holding the routing key"),
        ({"kind": "slack"}, "sinks[0].secret: name the keyring entry holding the webhook URL"),
        (
            {"kind": "alertmanager", "url": "http://127.0.0.1:9093", "severity": "page"},
            "sinks[0].severity: expected warning or critical",
        ),
        (
            {"kind": "alertmanager", "url": "http://127.0.0.1:9093", "resend_s": 0.1},
            "sinks[0].resend_s",
        ),
    ],
)
def test_bad_sinks_are_named(sink: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        from_dict({"sinks": [sink]}, "desk.toml")
    msg = str(err.value)
    assert msg.startswith("desk.toml: ") and expected in msg and "\n" not in msg


def test_ports_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"metrics\.port: expected 0\.\.65535"):
        parse("[metrics]\nport = 70000\n", "desk.toml")
    with pytest.raises(ConfigError, match=r"api\.token: unknown key"):
        parse("[api]\ntoken = 'x'\n", "desk.toml")
    with pytest.raises(
        ConfigError, match=r"api\.host: expected a loopback address, got '0\.0\.0\.0'"
    ):
        parse("[api]\nport = 8766\nhost = '0.0.0.0'\n", "desk.toml")
    assert parse("[metrics]\nhost = '::1'\n[api]\nhost = 'localhost'\n").metrics.host == "::1"
    cfg = parse("[metrics]\nport = 9108\n[api]\nport = 0\n", "desk.toml")
    assert cfg.metrics.port == 9108 and cfg.api.port == 0 and cfg.api.host == "127.0.0.1"


def test_a_missing_secret_names_the_entry_and_the_name_not_a_value() -> None:
    cfg = from_dict({"sinks": [{"kind": "pagerduty", "secret": "pd-key"}]})
    with pytest.raises(ValueError, match=r"sinks\[0\]: secret 'pd-key' not found in the keyring"):
        build(cfg.sinks)


def test_secrets_never_reach_names_or_reprs() -> None:
    set_secret("pd-key", "ROUTINGKEYVALUE")
    set_secret("slack-url", "https://hooks.slack.com/services/T/B/SLACKTOKEN")
    cfg = from_dict(
        {
            "sinks": [
                {"kind": "pagerduty", "secret": "pd-key"},
                {"kind": "slack", "secret": "slack-url"},
                {"kind": "webhook", "url": "https://hooks.example.net/x/TOKENPATH2"},
            ]
        }
    )
    sinks = build(cfg.sinks)
    names = [s.name for s in sinks]
    assert names == [
        "pagerduty:https://events.pagerduty.com/…",
        "slack:incoming-webhook",
        "webhook:https://hooks.example.net/…",
    ]
    text = " ".join(repr(vars(s)) for s in sinks)
    assert "ROUTINGKEYVALUE" not in text and "SLACKTOKEN" not in text


@settings(max_examples=40)
@given(
    title=st.text(max_size=400),
    body=st.text(max_size=5000),
    fields=st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=3000), max_size=20),
)
def test_slack_messages_stay_within_block_kit_limits(
    title: str, body: str, fields: dict[str, object]
) -> None:
    msg = message(title or "t", body, fields, "ctx")
    header, section, _ = msg["blocks"]
    assert len(header["text"]["text"]) <= HEADER_MAX
    assert len(section["text"]["text"]) <= 3000 and len(section["fields"]) <= FIELDS_MAX
    for f in section["fields"]:
        assert len(f["text"]) <= 2000
    for text in [section["text"]["text"], *(f["text"] for f in section["fields"])]:
        assert "<" not in text and ">" not in text  # no forged links or @-mentions


def test_escape_is_slack_s_three_entities() -> None:
    assert escape("<!here> & <@U1|bob>") == "&lt;!here&gt; &amp; &lt;@U1|bob&gt;"
    assert escape("a\x1b[31mb") == "a[31mb"


def test_a_reader_that_stops_reading_is_cut_off_not_buffered() -> None:
    import asyncio

    from tui.engine.engine import Engine
    from tui.engine.settings import EngineSettings
    from tui.integrations.oms import EVENT_QUEUE, OmsApi
    from tui.integrations.provenance import Provenance

    api = OmsApi(Engine(EngineSettings(), {}), "t", Provenance())
    slow: asyncio.Queue[bytes | None] = asyncio.Queue(EVENT_QUEUE)
    quick: asyncio.Queue[bytes | None] = asyncio.Queue(EVENT_QUEUE)
    api.subscribers |= {slow, quick}
    for i in range(EVENT_QUEUE + 1):
        api.publish("venue", {"n": i})
        while not quick.empty():  # this reader keeps up
            quick.get_nowait()
    assert api.cut_off == 1 and api.subscribers == {quick}
    assert slow.qsize() == 1 and slow.get_nowait() is None  # backlog dropped, stream ended
    api.publish("venue", {"n": "after"})
    frame = quick.get_nowait()
    assert frame is not None and frame.startswith(b"id: ") and b"event: venue" in frame
