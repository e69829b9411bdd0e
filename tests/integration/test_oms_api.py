"""The OMS read API over loopback: token required, the engine's model, SSE changes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from tui.secrets import set_secret

from support.fixtures import StartEngine

TOKEN = "oms-token-for-tests-0123456789"
ENGINE = {
    # Lenient: no automatic failover may move the route before the test's own isolation.
    "detectors": {"venue_silent_s": 30.0, "unsynced_s": 30.0},
    "routes": {
        "btc-usd-ref": {
            "instrument": "BTC-USD",
            "venues": ["kraken", "binance"],
            "auto_failover": True,
        }
    },
}


async def sse(resp: httpx.Response) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    event, data = "message", ""
    async for line in resp.aiter_lines():
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data += line[6:]
        elif line == "" and data:
            yield event, json.loads(data)
            event, data = "message", ""


async def test_read_api_needs_the_token_and_streams_an_isolation(engine: StartEngine) -> None:
    set_secret("oms-api-token", TOKEN)
    extra = {"api": {"port": 0}}
    rig = await engine(["binance", "kraken"], engine=ENGINE, extra=extra)
    await rig.healthy()
    base = rig.service.integrations.urls()["api"]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(timeout=10) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            for path in ("/venues", "/routes", "/halts", "/events"):
                r = await client.get(base + path, headers=headers)
                assert r.status_code == 401, (path, headers)
                assert r.headers["WWW-Authenticate"].startswith("Bearer")
                assert TOKEN not in r.text
        venues = (await client.get(base + "/venues", headers=auth)).json()
        assert {v["venue"]: v["usable"] for v in venues} == {"binance": True, "kraken": True}
        (route,) = (await client.get(base + "/routes", headers=auth)).json()
        assert route["route"] == "btc-usd-ref" and route["active"] == "kraken"

        async with client.stream("GET", base + "/events", headers=auth) as resp:
            assert resp.headers["content-type"].startswith("text/event-stream")
            stream = sse(resp)
            kind, snap = await asyncio.wait_for(anext(stream), 10)
            assert kind == "snapshot" and snap["halts"] == {"venues": [], "instruments": []}
            alice = await rig.console("alice")
            out = await alice.command("isolate", venue="kraken", reason="checksum storm")
            assert out.ok

            async def until_command() -> dict[str, Any]:
                async for kind, data in stream:
                    if kind == "command":
                        return data
                raise AssertionError("stream ended")

            change = await asyncio.wait_for(until_command(), 10)
        assert change["action"] == "isolate" and change["by"] == "console:alice"
        (halt,) = change["halts"]["venues"]
        assert halt["venue"] == "kraken" and halt["reason"] == "checksum storm"
        assert halt["by"] == "console:alice" and halt["journal_seq"] == out.seq
        assert change["routes"][0]["active"] == "binance"

        halts = (await client.get(base + "/halts", headers=auth)).json()
        assert halts["venues"] == change["halts"]["venues"]
        (route,) = (await client.get(base + "/routes", headers=auth)).json()
        assert route["active"] == "binance" and route["previous"] == "kraken"
        assert route["by"] == "console:alice" and route["since"] == halt["since"]
        venues = {v["venue"]: v for v in (await client.get(base + "/venues", headers=auth)).json()}
        assert venues["kraken"]["usable"] is False and venues["kraken"]["state"] == "ISOLATED"
        assert venues["kraken"]["isolated"]["by"] == "console:alice"

        h = await alice.command("halt", instrument="ETH-USD", venue="binance", reason="drill")
        assert h.ok
        halts = (await client.get(base + "/halts", headers=auth)).json()
        (inst,) = halts["instruments"]
        assert inst == {
            "venue": "binance",
            "instrument": "ETH-USD",
            "reason": "drill",
            "since": inst["since"],
            "by": "console:alice",
            "journal_seq": h.seq,
        }
        undo = await alice.command("undo")
        assert undo.ok
        halts = (await client.get(base + "/halts", headers=auth)).json()
        assert halts["instruments"] == []
