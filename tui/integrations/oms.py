"""The read API for an order management system: what is usable, pulled or streamed.

``GET /v1/venues``, ``/v1/routes``, ``/v1/halts`` answer from the engine's
model (the same one commands are checked against), with who decided and when
from the journal; ``GET /v1/events`` is a server-sent-events stream of changes
(venue states, commands that changed routes, halts or isolations). Every
request needs ``Authorization: Bearer <token>``, the token kept in the keyring
like the console's. Described in ``docs/openapi.yaml``.

A reader that stops reading is cut off when its queue (``EVENT_QUEUE``) fills,
never allowed to hold the engine's memory: it reconnects and re-reads state.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
import json
import logging
from typing import Any, Final

from aiohttp import web

from tui.engine.engine import Engine
from tui.engine.state import ISOLATED
from tui.integrations.provenance import Provenance, Since

log = logging.getLogger("venuewatch.api")

EVENT_QUEUE: Final = 1000
KEEPALIVE_S: Final = 15.0
CHANGES: Final = frozenset(
    {"isolate", "restore", "halt", "resume", "failover", "arm", "disarm", "undo"}
)


def _since(s: Since | None) -> dict[str, Any]:
    if s is None:
        return {"since": None, "by": None, "journal_seq": None}
    return {"since": s.ts, "by": s.by, "journal_seq": s.seq}


class OmsApi:
    def __init__(self, engine: Engine, token: str, provenance: Provenance) -> None:
        self.engine = engine
        self._token = token.encode()
        self.provenance = provenance
        self.subscribers: set[asyncio.Queue[bytes | None]] = set()
        self._ids = itertools.count(1)
        self._states: dict[str, str] = {}
        self.cut_off = 0

    # -- documents ---------------------------------------------------------------------

    def venues(self) -> list[dict[str, Any]]:
        e = self.engine
        facts = e.facts
        out = []
        for name, vh in e.venues.items():
            state = e.state(name)
            isolated = name in facts.isolated
            halted = sorted({i for (v, i) in facts.halted if v in (name, "*")})
            out.append(
                {
                    "venue": name,
                    "state": state,
                    "connected": vh.connected,
                    "usable": not isolated and state != ISOLATED,
                    "isolated": (
                        {
                            "reason": facts.isolated[name],
                            **_since(self.provenance.isolated.get(name)),
                        }
                        if isolated
                        else None
                    ),
                    "halted_instruments": halted,
                }
            )
        return out

    def routes(self) -> list[dict[str, Any]]:
        e = self.engine
        out = []
        for name, rs in e.facts.routes.items():
            route = e.settings.routes[name]
            out.append(
                {
                    "route": name,
                    "instrument": route.instrument,
                    "venues": list(route.venues),
                    "active": rs.active,
                    "previous": rs.previous,
                    "auto_failover": rs.armed,
                    "reason": rs.reason,
                    **_since(self.provenance.routes.get(name) if rs.changed_ns else None),
                }
            )
        return out

    def halts(self) -> dict[str, Any]:
        facts = self.engine.facts
        return {
            "venues": [
                {"venue": v, "reason": why, **_since(self.provenance.isolated.get(v))}
                for v, why in sorted(facts.isolated.items())
            ],
            "instruments": [
                {
                    "venue": v,
                    "instrument": i,
                    "reason": why,
                    **_since(self.provenance.halted.get((v, i))),
                }
                for (v, i), why in sorted(facts.halted.items())
            ],
        }

    # -- changes -------------------------------------------------------------------------

    def on_outcome(self, outcome: Any) -> None:
        """A command's outcome, its effects in force (and followed by the provenance)."""
        if outcome.ok and outcome.action in CHANGES:
            self.publish(
                "command",
                {
                    "action": outcome.action,
                    "detail": outcome.detail,
                    "by": outcome.actor,
                    "journal_seq": outcome.seq,
                    "halts": self.halts(),
                    "routes": self.routes(),
                },
            )

    def on_tick(self) -> None:
        """After an engine evaluation: venue state changes become events."""
        for name in self.engine.venues:
            state = self.engine.state(name)
            before = self._states.get(name)
            self._states[name] = state
            if before is not None and before != state:
                self.publish("venue", {"venue": name, "state": state, "previous": before})

    def publish(self, event: str, data: dict[str, Any]) -> None:
        if not self.subscribers:
            return
        frame = (
            f"id: {next(self._ids)}\nevent: {event}\ndata: {json.dumps(data, default=str)}\n\n"
        ).encode()
        for q in list(self.subscribers):
            try:
                q.put_nowait(frame)
            except asyncio.QueueFull:
                # Cut a reader that stopped reading: drop its backlog, end its stream.
                self.cut_off += 1
                self.subscribers.discard(q)
                while not q.empty():
                    q.get_nowait()
                q.put_nowait(None)

    # -- HTTP -----------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._auth])
        app.router.add_get("/v1/venues", self._json(self.venues))
        app.router.add_get("/v1/routes", self._json(self.routes))
        app.router.add_get("/v1/halts", self._json(self.halts))
        app.router.add_get("/v1/events", self._events)
        app.on_shutdown.append(self._close_streams)
        return app

    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        given = request.headers.get("Authorization", "")
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), self._token
        ):
            reason = "missing bearer token" if not given else "wrong token"
            return web.json_response(
                {"error": f"unauthorized: {reason}"},
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="venuewatch"'},
            )
        resp: web.StreamResponse = await handler(request)
        return resp

    def _json(self, doc: Any) -> Any:
        async def handler(request: web.Request) -> web.Response:
            return web.json_response(doc(), dumps=lambda o: json.dumps(o, default=str))

        return handler

    async def _events(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        await resp.prepare(request)
        q: asyncio.Queue[bytes | None] = asyncio.Queue(EVENT_QUEUE)
        self.subscribers.add(q)
        try:
            # The state as of subscribing, so a reader never has to race a GET.
            hello = {"venues": self.venues(), "routes": self.routes(), "halts": self.halts()}
            await resp.write(
                f"event: snapshot\ndata: {json.dumps(hello, default=str)}\n\n".encode()
            )
            while True:
                try:
                    frame = await asyncio.wait_for(q.get(), KEEPALIVE_S)
                except TimeoutError:
                    frame = b": keep-alive\n\n"
                if frame is None:
                    break
                await resp.write(frame)
        except ConnectionResetError:
            pass  # the reader went away
        finally:
            self.subscribers.discard(q)
        return resp

    async def _close_streams(self, app: web.Application) -> None:
        for q in list(self.subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                q.put_nowait(None)
        self.subscribers.clear()
