"""The simulator: venue wire formats served on loopback, with injectable faults.

Each simulated venue gets its own websocket server on ``127.0.0.1`` (an
ephemeral port unless one is given), which also answers the venue's REST
snapshot endpoint. The simulator never binds anything but loopback.

It runs in two modes: *stepped* (``await sim.step(n)``), which is
deterministic and what the tests use, and *running* (``sim.start_running``),
a fixed-rate market for the demo. Faults are injected per venue at run time
(:meth:`Simulator.inject`), from code or from the control socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import time
from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

import msgspec
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from adapters.simulator.base import SimConn, SimVenue
from adapters.simulator.catalogue import DEFAULT_VENUES, InstrumentSpec, venue_class
from adapters.simulator.faults import FAULTS, FaultError, VenueFaults
from adapters.simulator.market import Changes, Market, SimBook
from adapters.venue import VenueSettings

log = logging.getLogger("venuewatch.simulator")

LOOPBACK: Final = "127.0.0.1"


def _is_loopback(host: str) -> bool:
    return host in ("127.0.0.1", "::1", "localhost") or host.startswith("127.")


class Simulator:
    """Simulated venues on loopback, driven by one seeded market."""

    def __init__(
        self,
        venues: dict[str, list[InstrumentSpec]] | None = None,
        seed: int = 7,
        host: str = LOOPBACK,
        ports: dict[str, int] | None = None,
    ) -> None:
        if not _is_loopback(host):
            raise ValueError(f"the simulator only binds loopback, not {host!r}")
        self.host = host
        self.ports = dict(ports or {})
        self.seed = seed
        self.market = Market(seed)
        self.rng = random.Random(seed)
        spec = venues if venues is not None else DEFAULT_VENUES
        self.venues: dict[str, SimVenue] = {}
        self.faults: dict[str, VenueFaults] = {}
        for vname, instruments in spec.items():
            books: dict[str, SimBook] = {}
            for i in instruments:
                self.market.add(i.canonical, i.fair)
                book = SimBook(
                    i.symbol,
                    i.canonical,
                    i.tick_places,
                    i.lot_places,
                    i.depth,
                    i.half_spread_ticks,
                    random.Random(f"{seed}:{vname}:{i.symbol}"),
                    tick_units=i.tick_units,
                )
                book.basis_bps = round(self.rng.uniform(-1.5, 1.5), 2)
                books[i.symbol] = book
            self.venues[vname] = venue_class(vname)(self, vname, books)
            self.faults[vname] = VenueFaults()
        for v in self.venues.values():
            for b in v.books.values():
                b.seed_levels(self.market.fair[b.canonical])
        self._servers: dict[str, Server] = {}
        self._runner: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.steps = 0

    # -- sockets ------------------------------------------------------------------------

    async def start(self) -> None:
        for name, venue in self.venues.items():
            server = await serve(
                functools.partial(self._handle, venue),
                self.host,
                self.ports.get(name, 0),
                process_request=functools.partial(self._http_request, venue),
                compression=None,
                max_queue=None,
                write_limit=1 << 20,
                ping_interval=20,
                ping_timeout=60,
            )
            self._servers[name] = server
            self.ports[name] = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        await self.stop_running()
        for v in self.venues.values():
            v.close_all(1001, "simulator stopping")
        for s in self._servers.values():
            s.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(s.wait_closed(), 2.0)
        self._servers.clear()
        for t in list(self._tasks):
            t.cancel()

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def ws_url(self, venue: str) -> str:
        return f"ws://{self.host}:{self.ports[venue]}"

    def rest_url(self, venue: str) -> str:
        return f"http://{self.host}:{self.ports[venue]}"

    def settings(self, venue: str, **overrides: object) -> VenueSettings:
        """Adapter settings that point a venue adapter at this simulator."""
        v = self.venues[venue]
        base = self.ws_url(venue) + v.url_path
        fields: dict[str, object] = {
            "symbols": list(v.books),
            "url": base,
            "rest_url": self.rest_url(venue),
        }
        fields.update(v.adapter_settings())
        fields.update(overrides)
        return msgspec.convert(fields, VenueSettings)

    async def _handle(self, venue: SimVenue, ws: ServerConnection) -> None:
        conn = SimConn(venue, ws, ws.request.path if ws.request else "/")
        venue.conns.add(conn)
        writer = asyncio.create_task(conn.writer())
        beat: asyncio.Task[None] | None = None
        try:
            for frame in venue.on_open(conn):
                conn.push(frame)
            if venue.heartbeat_s > 0:
                beat = asyncio.create_task(self._heartbeats(venue, conn))
            async for message in ws:
                text = message if isinstance(message, str) else message.decode("utf-8", "replace")
                try:
                    venue.on_message(conn, text)
                except Exception:  # a client's bad request must not kill the venue
                    log.exception("%s: error handling %r", venue.name, text[:200])
        except Exception as exc:  # connection dropped mid-frame, aborted by a fault, ...
            log.debug("%s connection ended: %s", venue.name, exc)
        finally:
            venue.conns.discard(conn)
            conn.push(None)
            if beat is not None:
                beat.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(writer, 1.0)

    async def _heartbeats(self, venue: SimVenue, conn: SimConn) -> None:
        faults = self.faults[venue.name]
        while True:
            await asyncio.sleep(venue.heartbeat_s)
            if faults.stalled():
                continue
            frame = venue.heartbeat(conn)
            if frame is not None:
                conn.push(frame)

    def _http_request(
        self, venue: SimVenue, _: ServerConnection, request: Request
    ) -> Response | None:
        faults = self.faults[venue.name]
        if request.headers.get("Upgrade", "").lower() == "websocket":
            if faults.down():
                return _response(503, b'{"error":"venue unavailable (simulated outage)"}')
            return None
        if faults.down():
            return _response(503, b'{"error":"venue unavailable (simulated outage)"}')
        parts = urlsplit(request.path)
        answer = venue.http(parts.path, dict(parse_qsl(parts.query)))
        if answer is None:
            return _response(404, b'{"error":"no such endpoint"}')
        return _response(*answer)

    # -- the market -----------------------------------------------------------------------

    def book(self, venue: str, symbol: str) -> SimBook:
        return self.venues[venue].books[symbol]

    async def step(self, n: int = 1, venues: Iterable[str] | None = None) -> None:
        """Advance the market ``n`` updates and push every resulting frame."""
        names = list(venues) if venues is not None else list(self.venues)
        for _ in range(n):
            self.market.advance()
            self.steps += 1
            for name in names:
                self._step_venue(name)
            # Let the writers drain so a long stepped run does not queue unboundedly.
            await asyncio.sleep(0)

    def _step_venue(self, name: str) -> None:
        venue = self.venues[name]
        faults = self.faults[name]
        faults.expire(time.monotonic(), self.venues[name].books.values())
        if faults.stalled():
            return
        for book in venue.books.values():
            changes = book.step(self.market.fair[book.canonical])
            if not (changes[0] or changes[1]):
                continue
            self._publish(venue, faults, book, changes)

    def _publish(
        self, venue: SimVenue, faults: VenueFaults, book: SimBook, changes: Changes
    ) -> None:
        bids, asks = changes
        bogus: tuple[int, int] | None = None
        if faults.take("crossed", book.symbol):
            best_ask = book.best_ask()
            if best_ask is not None:
                bogus = (best_ask + 1, book.bids.get(best_ask + 1, 0) or 1)
                book.bids[bogus[0]] = bogus[1]
                bids = [*bids, bogus]
        venue.advance(book, (bids, asks))
        drop = faults.take("gap", book.symbol)
        bad = faults.take("bad_checksum", book.symbol)
        junk = faults.take_malformed(book.symbol)
        for conn in venue.subscribers(book.symbol):
            frame = venue.delta_frame(conn, book, (bids, asks), bad)
            if frame is None or drop:
                continue
            if junk is not None:
                conn.push(junk.render(frame, self.rng))
            conn.push(frame)
        if bogus is not None:
            # The venue "sent" a crossed book but never held one: the next
            # snapshot is clean, so a client that resyncs is exact again.
            del book.bids[bogus[0]]

    def start_running(self, rate_hz: float = 10.0) -> None:
        """Step the market at a fixed rate in the background."""
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run(rate_hz))

    async def stop_running(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
            self._runner = None

    async def _run(self, rate_hz: float) -> None:
        period = 1.0 / rate_hz
        next_at = time.monotonic()
        while True:
            await self.step(1)
            next_at += period
            delay = next_at - time.monotonic()
            if delay < -1.0:
                next_at = time.monotonic()  # fell behind: do not burst to catch up
            await asyncio.sleep(max(0.0, delay))

    # -- faults ------------------------------------------------------------------------------

    def inject(self, venue: str, fault: str, **params: Any) -> str:
        """Inject a fault; returns a one-line description. Raises FaultError."""
        if venue not in self.venues:
            raise FaultError(f"unknown venue {venue!r}; simulated: {', '.join(self.venues)}")
        if fault not in FAULTS:
            raise FaultError(f"unknown fault {fault!r}; known: {', '.join(sorted(FAULTS))}")
        v = self.venues[venue]
        symbol = str(params.get("symbol") or next(iter(v.books)))
        if symbol not in v.books:
            raise FaultError(f"{venue} has no symbol {symbol!r}")
        faults = self.faults[venue]
        now = time.monotonic()
        duration = float(params.get("duration_s", 0) or 0)
        until = now + duration if duration > 0 else float("inf")
        if fault == "disconnect":
            mode = str(params.get("mode", "close"))
            down = float(params.get("down_s", 0) or 0)
            if down > 0:
                faults.down_until = now + down
            n = v.abort_all() if mode == "abort" else v.close_all()
            return f"{venue}: dropped {n} connection(s) ({mode}), refusing for {down:g}s"
        if fault == "stall":
            faults.stall_until = until
            return f"{venue}: stalled for {duration or 'ever'}s"
        if fault in ("gap", "bad_checksum", "crossed"):
            if fault == "bad_checksum" and not v.has_checksum:
                raise FaultError(f"{venue} sends no checksum to corrupt")
            faults.arm(fault, symbol, int(params.get("count", 1) or 1))
            return f"{venue} {symbol}: next {fault} armed"
        if fault == "malformed":
            kind = str(params.get("kind", "truncated"))
            faults.arm_malformed(symbol, kind, int(params.get("count", 1) or 1))
            return f"{venue} {symbol}: next frame preceded by a {kind} frame"
        book = v.books[symbol]
        if fault == "spread":
            bps = float(params.get("bps", 50.0))
            book.blowout_ticks = max(
                1, int(bps / 2 / 1e4 * self.market.fair[book.canonical] / book.tick)
            )
            faults.expiring.append(("spread", symbol, until))
            return f"{venue} {symbol}: spread widened by ~{bps:g} bps"
        if fault == "jump":
            bps = float(params.get("bps", 100.0))
            book.offset_bps = bps
            faults.expiring.append(("jump", symbol, until))
            return f"{venue} {symbol}: price displaced by {bps:g} bps"
        raise FaultError(f"fault {fault!r} is not implemented")  # pragma: no cover

    def clear(self, venue: str, fault: str | None = None) -> None:
        """End one fault (or all) on a venue."""
        self.faults[venue].clear(fault, self.venues[venue].books.values())


def _response(status: int, body: bytes) -> Response:
    reasons = {
        200: "OK",
        400: "Bad Request",
        404: "Not Found",
        429: "Too Many Requests",
        503: "Service Unavailable",
    }
    headers = Headers(
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
        ]
    )
    return Response(status, reasons.get(status, "Error"), headers, body)
