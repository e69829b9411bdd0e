"""Serving consoles: authentication, state at a fixed rate, commands up.

Each console gets its own writer with a coalescing outbox: state updates
merge into one another (a slow console sees the latest state, not a backlog),
while journal entries, alert changes and acks queue in order. The queue is
bounded in frames *and* bytes, and a frame may wait at most ``SEND_STALL_S``
to be written: past either, the console is closed with 4008 and the reason,
rather than allowed to hold memory or the engine hostage.

Commands go through a :class:`~tui.console.fair.FairQueue` (per-console queue
and rate, round-robin) and run one at a time, so one console's flood never
delays another's ``isolate`` and breakers never wait behind more than one
console command. A console's queued commands die with its connection and are
journalled as abandoned. State is published only by the service's timer, at
the configured rate; a command that changed control state asks it to publish
sooner (:attr:`ConsoleServer.publish_soon`) and its ack waits for that publish,
so a console never reads "done" beside the old state. Wrong tokens are
throttled per peer and logged in aggregate. See README "Limits and guarantees".
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable, Coroutine
from ssl import SSLContext
from typing import Any, Final

import msgspec
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from adapters.model import FeedStatus, ParseError
from tui.console import protocol as p
from tui.console.admission import MAX_ACTION, MAX_ID, AuthThrottle, oversized
from tui.console.fair import FairQueue
from tui.console.outbox import SEND_STALL_S, Limits, Outbox
from tui.console.publishing import HeldAcks, delta
from tui.control.commands import Command
from tui.control.controller import Controller
from tui.engine.alerts import Transition
from tui.engine.view import EngineState, build
from tui.text import clean

log = logging.getLogger("venuewatch.console")

HELLO_TIMEOUT_S: Final = 5.0
JOURNAL_BACKLOG: Final = 200
HISTORY_POINTS: Final = 600
NOTES_PER_S: Final = 10
MAX_REASON: Final = 300


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
        limits: Limits | None = None,
        ssl: SSLContext | None = None,
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
        self.limits = limits or Limits()
        self.ssl = ssl
        self.clients: set[Outbox] = set()
        self.journal_tail: deque[dict[str, Any]] = deque(maxlen=JOURNAL_BACKLOG)
        self._last: EngineState | None = None
        self._server: Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.refusals = 0
        self._note_budget: dict[str, list[float]] = {}
        self.commands: FairQueue[Outbox, Command] = FairQueue(
            self.limits.max_queued_commands,
            self.limits.commands_per_s,
            self.limits.command_burst,
        )
        self._commands_ready = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None
        self._auth = AuthThrottle()
        self.muted = False
        """While set, journal entries, alert changes and feed notes are not sent (a
        replay rebuilding its past flat out); :meth:`rewelcome` then sends the result."""
        self._published_name = engine_name
        self.publish_soon: Callable[[], bool] | None = None
        """Asks the publishing timer to run sooner; False: no timer runs (acks go at once)."""
        self._held = HeldAcks(2.0 / publish_hz)
        controller.journal_listeners.append(self._on_journal)
        self.engine.listeners.append(self._on_transitions)

    @property
    def url(self) -> str:
        scheme = "wss" if self.ssl is not None else "ws"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    async def start(self) -> None:
        self._server = await serve(
            self._handle,
            self.host,
            self.port,
            ssl=self.ssl,
            max_size=1 << 20,
            compression=None,
            # Our own send stall (SEND_STALL_S) closes a slow console with 4008 and
            # a reason before the keep-alive would drop it with none.
            ping_interval=20,
            ping_timeout=3 * SEND_STALL_S,
            close_timeout=2,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        # The baseline of the first publish's delta: without it, what changed between a
        # console's welcome and the first publish would reach it only at its next change.
        self._last = build(self.engine)
        self._dispatcher = asyncio.get_running_loop().create_task(self._dispatch_commands())
        log.info("serving consoles on %s", self.url)

    async def stop(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
        for t in list(self._tasks):
            t.cancel()

    # -- broadcast -----------------------------------------------------------------------

    def _broadcast(self, frame: p.Down) -> None:
        if not self.clients or self.muted:
            return
        data = p.encode(frame)
        for c in list(self.clients):
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
        """Send what changed since the last publish, then the acks held for it. Only the
        service's timer calls this (at ``publish_hz``, brought forward by commands)."""
        self._auth.flush(time.monotonic())
        state = build(self.engine)
        last = self._last
        self._last = state
        if last is None or not self.clients:
            self._held.release()
            return
        name = self.engine_name if self.engine_name != self._published_name else None
        self._published_name = self.engine_name
        update = delta(last, state, name)
        for c in list(self.clients):
            c.push_state(update)
        self._held.release()

    def _welcome(self, user: str, state: EngineState) -> p.Welcome:
        return p.Welcome(
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

    def rewelcome(self) -> None:
        """Everything anew to every console: the engine's past was rebuilt (a replay
        sought backwards), so what they hold is from another timeline."""
        self.muted = False
        state = build(self.engine)
        self._last = state
        self._published_name = self.engine_name
        for c in list(self.clients):
            c.state = None  # older rows queued for it must not land after the welcome
            c.push_event(p.encode(self._welcome(c.user, state)))
        self._held.release()

    # -- one console -------------------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        peer = _peer(ws)
        try:
            first = await asyncio.wait_for(ws.recv(), HELLO_TIMEOUT_S)
        except (TimeoutError, ConnectionClosed):
            with contextlib.suppress(ConnectionClosed):
                await ws.close(4401, "no hello")
            return
        wait = self._auth.blocked(peer, time.monotonic())
        if wait:
            self._auth.failed(peer, time.monotonic())  # counted for the aggregate log line
            await self._refuse_and_close(
                ws, f"too many wrong tokens from {peer}; retry in {wait:.0f}s", code=4429
            )
            return
        try:
            hello = p.decode_up(first)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            await self._refuse_and_close(ws, f"expected a Hello frame: {clean(exc, limit=200)}")
            return
        if not isinstance(hello, p.Hello):
            await self._refuse_and_close(ws, "the first frame must be a Hello")
            return
        person = self._people(hello.token) if self._people is not None else None
        if person is None and not hmac.compare_digest(hello.token.encode(), self._token.encode()):
            self._auth.failed(peer, time.monotonic())
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
        user = person or clean(hello.user or "console", limit=64)
        client = Outbox(ws, user, self.limits)
        welcome = self._welcome(user, build(self.engine))
        try:
            await asyncio.wait_for(ws.send(p.encode(welcome)), SEND_STALL_S)
        except (TimeoutError, ConnectionClosed):
            with contextlib.suppress(ConnectionClosed):
                await ws.close(4008, "console too slow: the welcome was not taken")
            return
        self.clients.add(client)
        client.writer = asyncio.create_task(client.run())
        log.info("console attached: %s from %s", user, peer)
        try:
            async for raw in ws:
                self._on_frame(client, raw)
        except ConnectionClosed:
            pass
        finally:
            self.clients.discard(client)
            client.writer.cancel()
            await self._abandon(client)
            log.info("console detached: %s", user)

    def _on_frame(self, client: Outbox, raw: bytes | str) -> None:
        try:
            frame = p.decode_up(raw)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            self._refuse(client, f"malformed frame: {clean(exc, limit=200)}")
            return
        if not isinstance(frame, p.CommandRequest):
            self._refuse(client, "already attached; expected a command")
            return
        if problem := oversized(frame):
            self._refuse(client, f"command too large: {problem}", clean(frame.id, limit=MAX_ID))
            self._spawn(self._journal_oversized(client, frame, problem))
            return
        cmd = Command(
            action=frame.action,
            args=dict(frame.args),
            reason=frame.reason,
            actor=f"console:{client.user}",
            id=frame.id or secrets.token_hex(6),
        )
        if not self.commands.push(client, cmd, time.monotonic()):
            self._refuse(
                client,
                f"too many commands queued ({self.limits.max_queued_commands}); "
                "wait for their outcomes",
                frame.id,
            )
            return
        self._commands_ready.set()

    def _refuse(self, client: Outbox, reason: str, request_id: str = "") -> None:
        self.refusals += 1
        client.push_event(p.encode(p.Refusal(reason, request_id)))

    async def _journal_oversized(self, client: Outbox, frame: p.CommandRequest, why: str) -> None:
        # Bounded: the refusal names the command, never copies its oversized fields.
        with contextlib.suppress(Exception):
            await self.controller.record(
                "system",
                event="command-refused",
                actor=f"console:{client.user}",
                id=clean(frame.id, limit=MAX_ID),
                action=clean(frame.action, limit=MAX_ACTION),
                reason=why,
            )

    async def _dispatch_commands(self) -> None:
        """Run queued commands one at a time, fairly across consoles."""
        while True:
            got = self.commands.pop(time.monotonic())
            if got is None:
                self._commands_ready.clear()
                wait = self.commands.wait_s(time.monotonic())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._commands_ready.wait(), wait)
                continue
            client, cmd = got
            await self._run(client, cmd)

    async def _run(self, client: Outbox, cmd: Command) -> None:
        try:
            outcome = await self.controller.execute(cmd)
        except Exception as exc:  # the controller refuses; this is the last net
            log.error("command %s failed: %s", cmd.id, clean(exc, limit=300))
            self._refuse(client, f"command not executed: {clean(exc, limit=200)}", cmd.id)
            return
        ack = p.encode(p.Ack(outcome))
        changed = outcome.ok and outcome.seq > 0 and outcome.action != "note"
        if client.held or (changed and self.publish_soon is not None and self.publish_soon()):
            self._held.hold(client, ack)  # behind the publish with its effect
        else:
            client.push_event(ack)

    async def _abandon(self, client: Outbox) -> None:
        """A console that left: its queued commands never run, and the journal says so."""
        dropped = self.commands.drop(client)
        if not dropped:
            return
        log.warning("console %s left with %d commands queued: abandoned", client.user, len(dropped))
        with contextlib.suppress(Exception):
            await self.controller.record(
                "system",
                event="commands-abandoned",
                actor=f"console:{client.user}",
                count=len(dropped),
                ids=[c.id for c in dropped],
                actions=sorted({c.action for c in dropped}),
            )

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _refuse_and_close(self, ws: ServerConnection, reason: str, code: int = 4401) -> None:
        self.refusals += 1
        with contextlib.suppress(ConnectionClosed):
            await ws.send(p.encode(p.Refusal(reason)))
            await ws.close(code, reason[:100])


def _peer(ws: ServerConnection) -> str:
    addr = ws.remote_address
    return str(addr[0]) if isinstance(addr, tuple) and addr else str(addr)


def feed_note(ev: object) -> dict[str, Any]:
    """The timeline's view of a feed event."""
    if isinstance(ev, ParseError):
        status, reason = "parse_error", ev.reason
    elif isinstance(ev, FeedStatus):
        status, reason = ev.status, ev.reason
    else:
        return {}
    # Venue-supplied text: cleaned here too, for the engine's own logs and captures of notes.
    return {
        "ts_ns": ev.recv_ns,
        "venue": clean(ev.venue),
        "symbol": clean(ev.symbol),
        "status": status,
        "reason": clean(reason, limit=MAX_REASON),
    }
