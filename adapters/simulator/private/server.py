"""The simulated private venues on loopback HTTP (aiohttp), one server per venue.

Each venue has one account (resting orders from the order-flow generator) and
one configured test key; a request signed with anything else is rejected with
the venue's own error. Faults are injected per venue (:meth:`inject`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from typing import Final

from aiohttp import web

from adapters.simulator.private import deribit
from adapters.simulator.private.account import Account
from adapters.simulator.private.binance import BinanceBackend, BinanceFuturesBackend
from adapters.simulator.private.bybit import BybitBackend
from adapters.simulator.private.coinbase import CoinbaseBackend
from adapters.simulator.private.common import Backend, Incoming, TestKey
from adapters.simulator.private.kraken import KrakenBackend
from adapters.simulator.private.okx import OkxBackend

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LOOPBACK: Final = "127.0.0.1"
BACKENDS: Final[dict[str, type[Backend]]] = {
    "binance": BinanceBackend,
    "binance-futures": BinanceFuturesBackend,
    "kraken": KrakenBackend,
    "okx": OkxBackend,
    "bybit": BybitBackend,
    "coinbase": CoinbaseBackend,
}
SYMBOLS: Final = {
    "binance": ["BTCUSDT", "ETHUSDT"],
    "binance-futures": ["BTCUSDT", "ETHUSDT"],
    "kraken": ["XBTUSD", "ETHUSD"],
    "okx": ["BTC-USDT", "BTC-USDT-SWAP", "ETH-USDT"],
    "bybit": ["BTCUSDT", "ETHUSDT"],
    "coinbase": ["BTC-USD", "ETH-USD"],
    "deribit": ["BTC-PERPETUAL", "ETH-PERPETUAL"],
}
TIMEOUT_HOLD_S: Final = 3.0
"""How long the ``timeout`` fault holds a request: longer than any client timeout we use."""


class PrivateSimulator:
    def __init__(
        self,
        venues: Iterable[str] = (*BACKENDS, "deribit"),
        keys: dict[str, TestKey] | None = None,
        seed: int = 11,
    ) -> None:
        self.venues = list(venues)
        self.keys = {v: (keys or {}).get(v) or TestKey.generate(v) for v in self.venues}
        self.accounts = {v: Account(SYMBOLS[v], seed) for v in self.venues}
        self.backends = {
            v: BACKENDS[v](self.accounts[v], self.keys[v]) for v in self.venues if v in BACKENDS
        }
        self.ports: dict[str, int] = {}
        self._runners: list[web.AppRunner] = []
        self._flow: asyncio.Task[None] | None = None
        self._release = asyncio.Event()

    async def start(self) -> None:
        for v in self.venues:
            app = web.Application()
            if v == "deribit":  # JSON-RPC over a websocket, not REST
                app.router.add_get("/ws/api/v2", deribit.handler(self.accounts[v], self.keys[v]))
            else:
                app.router.add_route("*", "/{tail:.*}", self._handler(self.backends[v]))
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, LOOPBACK, 0)
            await site.start()
            self.ports[v] = int(runner.addresses[-1][1])
            self._runners.append(runner)

    async def stop(self) -> None:
        self._release.set()  # let held ("timeout") requests go before the servers close
        if self._flow is not None:
            self._flow.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flow
        for acct in self.accounts.values():
            await acct.stop()
        for r in self._runners:
            await r.cleanup()

    async def __aenter__(self) -> PrivateSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def url(self, venue: str) -> str:
        if venue == "deribit":
            return f"ws://{LOOPBACK}:{self.ports[venue]}/ws/api/v2"
        return f"http://{LOOPBACK}:{self.ports[venue]}"

    def inject(self, venue: str, fault: str, count: int = 1, ms: int = 0) -> None:
        self.accounts[venue].inject(fault, count, ms)

    def start_flow(self, per_s: float = 0.5, cap: int = 12) -> None:
        """A trickle of new resting orders on every venue (the demo), up to ``cap`` each."""

        async def run() -> None:
            while True:
                for acct in self.accounts.values():
                    if len(acct.orders) < cap:
                        acct.place(1)
                await asyncio.sleep(1 / per_s)

        self._flow = asyncio.get_running_loop().create_task(run())

    def _handler(self, backend: Backend) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            body = await request.text()
            raw_query = request.rel_url.raw_query_string
            acct = backend.account
            acct.received(request.method, request.path)
            if acct.take("timeout"):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._release.wait(), TIMEOUT_HOLD_S)
            reply = await backend.handle(
                Incoming(
                    method=request.method,
                    path=request.path,
                    query=raw_query,
                    headers={k.lower(): v for k, v in request.headers.items()},
                    body=body,
                )
            )
            return web.json_response(reply.payload, status=reply.status, headers=reply.headers)

        return handle
