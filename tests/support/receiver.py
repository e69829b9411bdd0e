"""A real HTTP receiver on loopback (aiohttp) that records what sinks POST to it.

Tests wait on its condition (every request wakes waiters), never on sleeps.
``hang`` makes it accept requests and never answer, like a receiver that
stopped responding mid-incident.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from support.waiting import wait_until


class Received:
    def __init__(self, path: str, headers: dict[str, str], body: bytes) -> None:
        self.path = path
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    def __init__(self, status: int = 200, reply: bytes = b"ok") -> None:
        self.status = status
        self.reply = reply
        self.requests: list[Received] = []
        self.hang = False
        self._changed = asyncio.Event()
        self._release = asyncio.Event()
        self.url = ""

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._release.set()
        await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append(Received(request.path_qs, dict(request.headers), body))
        self._changed.set()
        if self.hang:
            await self._release.wait()
        return web.Response(status=self.status, body=self.reply)

    async def wait_for(
        self, cond: Callable[[], Any], timeout: float = 15.0, what: str = "requests"
    ) -> Any:
        return await wait_until(
            cond,
            self._changed,
            timeout,
            lambda: f"timed out waiting for {what}: got {len(self.requests)}",
        )
