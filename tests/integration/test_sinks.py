"""Commands reach a webhook after the journal, signed; failures are journalled."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tui.control import journal
from tui.control.sinks import SIGNATURE_HEADER, TIMESTAMP_HEADER
from tui.secrets import set_secret

from support.fixtures import StartEngine


class Hook:
    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        self.arrived = threading.Event()


@pytest.fixture
def hook() -> Iterator[tuple[Hook, str]]:
    state = Hook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((dict(self.headers), body))
            self.send_response(state.status)
            self.end_headers()
            state.arrived.set()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def _sinks(tmp: Path) -> list[dict[str, Any]]:
    return [e.as_dict() for e in journal.read(tmp / "journal.jsonl").entries if e.kind == "sink"]


async def test_webhook_gets_a_signed_command_after_the_journal(
    tmp_path: Path, hook: tuple[Hook, str], engine: StartEngine
) -> None:
    state, url = hook
    secret = "s3cret-hmac-value"
    set_secret("hook-secret", secret)
    extra = {"sinks": [{"kind": "webhook", "url": url, "secret": "hook-secret"}]}
    rig = await engine(["binance", "kraken"], extra=extra)
    await rig.healthy()
    alice = await rig.console("alice")
    out = await alice.command("isolate", venue="kraken", reason="drill")
    assert out.ok
    await rig.wait_for(lambda: _sinks(tmp_path), what="sink result journalled")
    headers, body = state.received[0]
    ts = headers[TIMESTAMP_HEADER]
    expected = (
        "sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    )
    assert headers[SIGNATURE_HEADER] == expected
    payload = json.loads(body)
    assert payload["entry"]["action"] == "isolate" and payload["entry"]["id"] == out.id
    assert payload["entry"]["seq"] == out.seq  # the journal entry itself, sent after it
    (result,) = _sinks(tmp_path)
    assert result["ok"] is True and "HTTP 200" in result["detail"]
    assert result["seq"] > out.outcome_seq
    assert secret not in (tmp_path / "journal.jsonl").read_text()
    # Notes are not sent by default.
    await alice.command("note", text="watching")
    assert len(state.received) == 1


async def test_a_failing_webhook_is_journalled_not_fatal(
    tmp_path: Path, hook: tuple[Hook, str], engine: StartEngine
) -> None:
    state, url = hook
    state.status = 500
    extra = {"sinks": [{"kind": "webhook", "url": url, "retries": 1}]}
    rig = await engine(["binance"], extra=extra)
    await rig.healthy()
    alice = await rig.console("alice")
    out = await alice.command("isolate", venue="binance")
    assert out.ok and rig.engine.state("binance") == "ISOLATED"
    await rig.wait_for(lambda: _sinks(tmp_path), timeout=20, what="sink failure journalled")
    (result,) = _sinks(tmp_path)
    assert result["ok"] is False and "HTTP 500" in result["detail"]
    assert len(state.received) == 2  # one retry
