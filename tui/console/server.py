"""Serving consoles: authentication, state at a fixed rate, commands up.

Each console gets its own writer with a coalescing outbox: state updates
replace one another (a slow console sees the latest state, not a backlog),
while journal entries, alert changes and acks queue in order. A console that
falls hopelessly behind on those is disconnected with a reason rather than
allowed to hold memory or the engine hostage.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Final

import msgspec
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from adapters.model import FeedStatus, ParseError
from tui.console import protocol as p
from tui.control.commands import Command
from tui.control.controller import Controller
from tui.engine.alerts import Transition
from tui.engine.view import EngineState, build

log = logging.getLogger("venuewatch.console")

HELLO_TIMEOUT_S: Final = 5.0
MAX_QUEUED_EVENTS: Final = 5000
JOURNAL_BACKLOG: Final = 200
HISTORY_POINTS: Final = 600
NOTES_PER_S: Final = 10


class _Client:
    def __init__(self, ws: ServerConnection, user: str) -> None:
        self.ws = ws
        self.user = user
        self.events: deque[bytes] = deque()
        self.state: p.Update | None = None
        self.wake = asyncio.Event()
        self.dropped = False

    def push_event(self, frame: bytes) -> None:
        if len(self.events) >= MAX_QUEUED_EVENTS:
            self.dropped = True
        self.events.append(frame)
        self.wake.set()

    def push_state(self, update: p.Update) -> None:
        # Coalesced: a console that has not taken the last update gets one frame
        # holding both. Updates carry only changed rows, so they are merged (newer
        # rows win), never replaced: a replaced delta would lose its changes.
        self.state = update if self.state is None else merge(self.state, update)
        self.wake.set()

    async def run(self) -> None:
        ws = self.ws
        while True:
            await self.wake.wait()
            self.wake.clear()
            if self.dropped:
                await ws.close(4008, "console too slow: events backed up")
                return
            while self.events:
                await ws.send(self.events.popleft())
            if self.state is not None:
                update, self.state = self.state, None
                await ws.send(p.encode(update))


class ConsoleServer:
    def __init__(
        self,
        controller: Controller,
        token: str,
        host: str = "127.0.0.1",
        port: int = 0,
        publish_hz: float = 10.0,
        engine_name: str = "venuewatch",
        history: Callable[[], dict[str, list[tuple[int, float]]]] | None = None,
        people: Callable[[str], str | None] | None = None,
    ) -> None:
        self._people = people
        """Token -> the person it belongs to (per-person tokens), or None."""
        self.controller = controller
        self.engine = controller.engine
        self._token = token
        self.host = host
        self.port = port
        self.publish_hz = publish_hz
        self.engine_name = engine_name
        self.history = history or dict
        self.clients: set[_Client] = set()
        self.journal_tail: deque[dict[str, Any]] = deque(maxlen=JOURNAL_BACKLOG)
        self._last: EngineState | None = None
        self._server: Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.refusals = 0
        self._note_budget: dict[str, list[float]] = {}
        controller.journal_listeners.append(self._on_journal)
        self.engine.listeners.append(self._on_transitions)

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    async def start(self) -> None:
        self._server = await serve(
            self._handle,
            self.host,
            self.port,
            max_size=1 << 20,
            compression=None,
            ping_interval=20,
            ping_timeout=20,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("serving consoles on %s", self.url)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
        for t in list(self._tasks):
            t.cancel()

    # -- broadcast -----------------------------------------------------------------------

    def _broadcast(self, frame: p.Down) -> None:
        if not self.clients:
            return
        data = p.encode(frame)
        for c in self.clients:
            c.push_event(data)

    def _on_journal(self, entry: dict[str, Any]) -> None:
        self.journal_tail.append(entry)
        self._broadcast(p.Journal(entry))

    def _on_transitions(self, transitions: list[Transition]) -> None:
        for t in transitions:
            self._broadcast(p.AlertChange(t.what, t.alert))

    def on_feed_event(self, ev: FeedStatus | ParseError) -> None:
        """A feed event for the consoles' timeline (not journalled).

        At most ``NOTES_PER_S`` a second per venue: a venue spewing malformed
        frames must not drown the timeline or back up (and so disconnect) the
        consoles. What is held back is counted on the next note that goes out;
        the engine's counters and alerts see every event regardless.
        """
        now = time.monotonic()
        budget = self._note_budget.setdefault(ev.venue, [now, 0, 0])
        if now - budget[0] >= 1.0:
            budget[0], budget[1] = now, 0
        if budget[1] >= NOTES_PER_S:
            budget[2] += 1
            return
        budget[1] += 1
        note = feed_note(ev)
        if budget[2]:
            note["reason"] = f"{note['reason']} (+{budget[2]} more from {ev.venue} not shown)"
            budget[2] = 0
        self._broadcast(p.FeedNote(note))

    def publish(self) -> None:
        """Send what changed since the last publish (called at ``publish_hz``)."""
        state = build(self.engine)
        last = self._last
        self._last = state
        if last is None or not self.clients:
            return
        update = p.Update(
            ts_ns=state.ts_ns,
            venues=_changed(last.venues, state.venues),
            instruments=_changed(last.instruments, state.instruments),
            consensus=_changed(last.consensus, state.consensus),
            routes=_changed(last.routes, state.routes),
            breakers=_changed(last.breakers, state.breakers),
            alerts=state.alerts if state.alerts != last.alerts else None,
        )
        for c in self.clients:
            c.push_state(update)

    # -- one console -------------------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        try:
            first = await asyncio.wait_for(ws.recv(), HELLO_TIMEOUT_S)
        except (TimeoutError, ConnectionClosed):
            await ws.close(4401, "no hello")
            return
        try:
            hello = p.decode_up(first)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            await self._refuse_and_close(ws, f"expected a Hello frame: {exc}")
            return
        if not isinstance(hello, p.Hello):
            await self._refuse_and_close(ws, "the first frame must be a Hello")
            return
        person = self._people(hello.token) if self._people is not None else None
        if person is None and not hmac.compare_digest(hello.token.encode(), self._token.encode()):
            log.warning("console refused: bad token from %s", ws.remote_address)
            await self._refuse_and_close(ws, "unauthorized: wrong token")
            return
        if hello.version != p.PROTOCOL_VERSION:
            await self._refuse_and_close(
                ws,
                f"protocol version {hello.version} not supported (engine speaks "
                f"{p.PROTOCOL_VERSION})",
            )
            return
        # A person's token names them; the shared token takes the console's word.
        user = person or (hello.user or "console")[:64]
        client = _Client(ws, user)
        state = build(self.engine)
        welcome = p.Welcome(
            engine=self.engine_name,
            user=user,
            version=p.PROTOCOL_VERSION,
            state=state,
            journal=list(self.journal_tail),
            resolved=list(self.engine.alerts.history)[-100:],
            feed_notes=[feed_note(ev) for ev in self.engine.feed_events],
            history=self.history(),
            publish_hz=self.publish_hz,
        )
        await ws.send(p.encode(welcome))
        self.clients.add(client)
        writer = asyncio.create_task(client.run())
        log.info("console attached: %s from %s", user, ws.remote_address)
        try:
            async for raw in ws:
                await self._on_frame(client, raw)
        except ConnectionClosed:
            pass
        finally:
            self.clients.discard(client)
            writer.cancel()
            log.info("console detached: %s", user)

    async def _on_frame(self, client: _Client, raw: bytes | str) -> None:
        try:
            frame = p.decode_up(raw)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            self.refusals += 1
            client.push_event(p.encode(p.Refusal(f"malformed frame: {exc}")))
            return
        if not isinstance(frame, p.CommandRequest):
            self.refusals += 1
            client.push_event(p.encode(p.Refusal("already attached; expected a command")))
            return
        cmd = Command(
            action=frame.action,
            args=dict(frame.args),
            reason=frame.reason,
            actor=f"console:{client.user}",
            id=frame.id or secrets.token_hex(6),
        )
        # Commands run as tasks so a slow fsync never stalls this console's reads;
        # the controller's lock keeps them in order.
        task = asyncio.create_task(self._run(client, cmd))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, client: _Client, cmd: Command) -> None:
        outcome = await self.controller.execute(cmd)
        client.push_event(p.encode(p.Ack(outcome)))
        if outcome.ok:
            # A responder's action shows at once on every console instead of at
            # the next scheduled publish; commands are rare, so this costs nothing.
            self.publish()

    async def _refuse_and_close(self, ws: ServerConnection, reason: str) -> None:
        self.refusals += 1
        with contextlib.suppress(ConnectionClosed):
            await ws.send(p.encode(p.Refusal(reason)))
            await ws.close(4401, reason[:100])


def _merge_rows(old: list[Any], new: list[Any], key: Callable[[Any], object]) -> list[Any]:
    rows = {key(r): r for r in old}
    rows.update((key(r), r) for r in new)
    return list(rows.values())


def merge(old: p.Update, new: p.Update) -> p.Update:
    """One update with the changes of both (``new`` wins where both touch a row)."""
    return p.Update(
        ts_ns=new.ts_ns,
        venues=_merge_rows(old.venues, new.venues, lambda r: r.name),
        instruments=_merge_rows(old.instruments, new.instruments, lambda r: (r.venue, r.symbol)),
        consensus=_merge_rows(old.consensus, new.consensus, lambda r: r.instrument),
        routes=_merge_rows(old.routes, new.routes, lambda r: r.name),
        breakers=_merge_rows(old.breakers, new.breakers, lambda r: r.name),
        alerts=new.alerts if new.alerts is not None else old.alerts,
    )


def feed_note(ev: object) -> dict[str, Any]:
    """The timeline's view of a feed event."""
    if isinstance(ev, ParseError):
        status, reason = "parse_error", ev.reason
    elif isinstance(ev, FeedStatus):
        status, reason = ev.status, ev.reason
    else:
        return {}
    return {
        "ts_ns": ev.recv_ns,
        "venue": ev.venue,
        "symbol": ev.symbol,
        "status": status,
        "reason": reason,
    }


def _changed(old: list[Any], new: list[Any]) -> list[Any]:
    """Rows of ``new`` that differ from the row at the same position in ``old``.

    Rows are frozen Structs compared by value; the engine builds them in a stable
    order, so a positional comparison finds exactly the rows that changed (a new
    row shifts the rest, which then count as changed: rare and harmless).
    """
    return [row for i, row in enumerate(new) if i >= len(old) or old[i] != row]
