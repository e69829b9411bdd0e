"""A real Alertmanager gets a firing alert with its labels, keeps it while resent, resolves it.

Alertmanager's client contract (https://prometheus.io/docs/alerting/clients/):
labels identify an alert, clients re-send active alerts, endsAt ends them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tui.control import journal
from tui.integrations.alertmanager import AlertmanagerSink

from support.fixtures import StartEngine


async def _am_alerts(client: httpx.AsyncClient, base: str) -> list[dict[str, Any]]:
    resp = await client.get(f"{base}/api/v2/alerts", params={"filter": 'venue="kraken"'})
    resp.raise_for_status()
    return [a for a in resp.json() if a["labels"].get("alertname") == "stale"]


def _t(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


async def test_alert_fires_in_alertmanager_is_resent_and_resolves(
    tmp_path: Path, alertmanager: str, engine: StartEngine
) -> None:
    extra = {"sinks": [{"kind": "alertmanager", "url": alertmanager, "resend_s": 1.0}]}
    rig = await engine(["binance", "kraken"], extra=extra)
    await rig.healthy()
    (sink,) = rig.service.controller.sinks
    assert isinstance(sink, AlertmanagerSink)
    rig.sim.inject("kraken", "stall", duration_s=60)
    await rig.wait_for(lambda: rig.alert("stale", "kraken"), what="stale firing")

    async def next_tick() -> None:
        ticks = rig.engine.ticks
        await rig.wait_for(lambda: rig.engine.ticks > ticks, what="a tick")

    async with httpx.AsyncClient(timeout=5) as client:

        async def seen() -> list[dict[str, Any]]:
            for _ in range(200):  # each round waits for an engine tick, ~0.1 s
                got = await _am_alerts(client, alertmanager)
                if got:
                    return got
                await next_tick()
            raise AssertionError("the alert never reached Alertmanager")

        (alert,) = await seen()
        labels = alert["labels"]
        assert labels["venue"] == "kraken" and labels["severity"] == "critical"
        assert labels["instrument"] == "*"  # venue-wide
        assert alert["status"]["state"] == "active"
        assert alert["generatorURL"] == rig.service.server.url
        assert _t(alert["endsAt"]) > _t(alert["startsAt"])
        # Resent while it fires (the resend loop, 1 s here), so it never ages out.
        sent = sink.outbox.delivered
        await rig.wait_for(lambda: sink.outbox.delivered >= sent + 2, what="two resends")
        (still,) = await _am_alerts(client, alertmanager)
        assert still["status"]["state"] == "active"
        assert _t(still["updatedAt"]) > _t(alert["updatedAt"])

        rig.sim.clear("kraken", "stall")
        await rig.wait_for(lambda: rig.resolved("stale", "kraken"), what="resolved")

        async def gone() -> None:
            for _ in range(200):
                got = await _am_alerts(client, alertmanager)
                now = datetime.now(UTC)
                if not got or all(_t(a["endsAt"]) <= now for a in got):
                    return
                await next_tick()
            raise AssertionError("Alertmanager still shows the alert active")

        await gone()
    await rig.stop()
    results = [
        e.as_dict()
        for e in journal.read(tmp_path / "journal.jsonl").entries
        if e.kind == "sink" and str(e.fields.get("sink", "")).startswith("alertmanager:")
    ]
    assert any(r["ok"] and "alert firing" in r["about"] for r in results)
    assert any(r["ok"] and "alert resolved" in r["about"] for r in results)
