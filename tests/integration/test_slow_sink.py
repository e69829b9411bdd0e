"""A sink that hangs never delays a command; its overflow is counted and journalled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui.control import journal
from tui.control.sinks import WebhookSink

from support.fixtures import StartEngine, StartReceiver


def _sink_entries(tmp: Path) -> list[dict[str, Any]]:
    return [e.as_dict() for e in journal.read(tmp / "journal.jsonl").entries if e.kind == "sink"]


async def test_commands_are_acknowledged_while_the_webhook_hangs(
    tmp_path: Path, receiver: StartReceiver, engine: StartEngine
) -> None:
    hook = await receiver()
    hook.hang = True
    sink = {"kind": "webhook", "url": hook.url + "/hook", "timeout_s": 60, "retries": 0}
    sink["queue"] = 1
    rig = await engine(["binance", "kraken"], extra={"sinks": [sink]})
    await rig.healthy()
    alice = await rig.console("alice")
    first = await alice.command("isolate", venue="kraken")
    assert first.ok
    await hook.wait_for(lambda: hook.requests, what="the first delivery in flight")
    # The receiver holds that request open; commands go on regardless.
    second = await alice.command("restore", venue="kraken")
    third = await alice.command("isolate", venue="binance")
    assert second.ok and third.ok and third.seq > second.seq > first.seq
    (webhook,) = rig.service.controller.sinks
    assert isinstance(webhook, WebhookSink)
    # first in flight, second queued (queue = 1), third dropped at once.
    await rig.wait_for(lambda: _sink_entries(tmp_path), what="the overflow journalled")
    (dropped,) = _sink_entries(tmp_path)
    assert dropped["id"] == third.id and dropped["ok"] is False
    assert "queue full" in dropped["detail"]
    assert webhook.outbox.dropped == 1 and webhook.outbox.depth == 2
    assert len(hook.requests) == 1  # still hanging: nothing was acked by the sink
    await rig.stop()
    # Stopping fails what was still waiting, journalled, instead of hanging the engine.
    details = {e["id"]: e["detail"] for e in _sink_entries(tmp_path)}
    assert "engine is stopping" in details[first.id]
    assert "engine is stopping" in details[second.id]
