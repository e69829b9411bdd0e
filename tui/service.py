"""The headless engine service: adapters + engine + controls + console server.

``venuewatch serve`` runs this. It owns every timer (APScheduler jobs for
evaluation, publishing, history sampling and journal checkpoints) and every
socket; the engine and the controls stay pure and testable. Jobs run with
``max_instances=1`` and ``coalesce=True``: a slow tick makes the next one late,
it never queues a backlog of ticks behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_RUNNING

from adapters import registry
from adapters.capture import Writer
from adapters.feed import Feed
from adapters.instruments import InstrumentMap
from adapters.model import Event, FeedStatus, ParseError
from adapters.supervisor import Supervisor
from adapters.tasks import spawn
from tui.capture_config import capture_settings
from tui.config import Config
from tui.console import people
from tui.console.outbox import Limits
from tui.console.server import ConsoleServer
from tui.console.tls import check_binding, server_context
from tui.control import recovery
from tui.control.controller import Controller, Sink
from tui.control.journal import AsyncJournal
from tui.control.journal_health import JournalHealthWatch
from tui.control.policy import Policy
from tui.engine.alerts import Transition
from tui.engine.books import summary as book_summary
from tui.engine.engine import Engine, on_timeline
from tui.integrations.hub import Integrations
from tui.integrations.sinks import build as build_sinks
from tui.paths import state_dir
from tui.replay_core import alert_fields

log = logging.getLogger("venuewatch.service")


class JournalAdapter:
    """The controller's journal interface over :class:`AsyncJournal`."""

    def __init__(self, journal: AsyncJournal) -> None:
        self.journal = journal

    async def append(self, kind: str, **fields: Any) -> dict[str, Any]:
        entry = await self.journal.append(kind, **fields)
        return entry.as_dict()


class EventSource(Protocol):
    """Feeds filled from elsewhere instead of local supervisors (e.g. collectors over NATS)."""

    feeds: dict[str, Feed]

    def bind(self, emit: Callable[[Event], None]) -> None: ...

    def start(self) -> None: ...

    async def stop(self) -> None: ...


class Service:
    def __init__(
        self,
        config: Config,
        token: str,
        sinks: list[Sink] | None = None,
        journal_path: str | Path | None = None,
        port: int | None = None,
        fresh: bool = False,
        accept_broken_journal: bool = False,
        allow_remote: bool = False,
        source: EventSource | None = None,
    ) -> None:
        self.allow_remote = allow_remote
        self.config = config
        self.fresh = fresh
        self.accept_broken_journal = accept_broken_journal
        self.token = token
        self.sinks = sinks or []
        self.journal_path = Path(
            journal_path or config.journal.path or state_dir() / "journal.jsonl"
        )
        self.port = config.console.port if port is None else port
        self.feeds: dict[str, Feed] = {}
        self.supervisors: dict[str, Supervisor] = {}
        self.recorder: Writer | None = None
        self.source = source
        self.history: dict[str, deque[tuple[int, float]]] = {}
        self._stop = asyncio.Event()
        self._pending: set[asyncio.Task[Any]] = set()
        self.control_credentials: dict[str, Any] = {}
        """Venue kill-switch credentials given in memory (the demo's simulator keys)."""
        self._states_seen: dict[str, str] = {}
        self._forwarded = False  # the publish job was brought forward and has not run yet
        self._last_forward = -float("inf")  # monotonic time a brought-forward publish ran
        self.forwarded_publishes = 0

    # -- clocks: live time here; a replay substitutes capture time ---------------------

    def wall_ns(self) -> int:
        return time.time_ns()

    def utc_now(self) -> datetime:
        """The time journal entries carry."""
        return datetime.now(UTC)

    # -- assembly ------------------------------------------------------------------------

    def _build_engine(self) -> Engine:
        """Feeds and supervisors for the configured venues, and the engine over them."""
        cfg = self.config
        if self.source is not None:
            self.feeds = self.source.feeds
            self.source.bind(self._on_event)
            return Engine(cfg.engine, self.feeds, InstrumentMap(cfg.instruments))
        if cfg.record:
            self.recorder = Writer(cfg.record)
            self.recorder.config(time.time_ns(), capture_settings(cfg))
            self._flusher = spawn(self.recorder.flush_every(), "capture flush")
        for name, vs in cfg.enabled_venues().items():
            venue = registry.load(vs.adapter)(vs)
            feed = Feed(venue, self._on_event)
            self.feeds[name] = feed
            self.supervisors[name] = Supervisor(feed, self.recorder)
        return Engine(cfg.engine, self.feeds, InstrumentMap(cfg.instruments))

    def _start_sources(self) -> None:
        if self.source is not None:
            self.source.start()
        for sup in self.supervisors.values():
            sup.start()

    async def start(self) -> None:
        cfg = self.config
        self.engine = self._build_engine()
        c = cfg.console
        # Before anything opens: binding beyond loopback needs TLS and --allow-remote.
        check_binding(c.host, bool(c.tls_cert), self.allow_remote)
        tls = server_context(c.tls_cert, c.tls_key) if c.tls_cert else None
        prior, set_aside = await asyncio.to_thread(
            recovery.prior_entries, self.journal_path, self.accept_broken_journal
        )
        self.journal = await AsyncJournal.open(
            self.journal_path, anchor_every_s=cfg.journal.anchor_every_s, clock=self.utc_now
        )
        sinks = self.sinks or list(build_sinks(cfg.sinks))
        self.integrations = Integrations(cfg.metrics, cfg.api)
        journal = self.integrations.timed(JournalAdapter(self.journal))
        self.controller = Controller(self.engine, journal, sinks, wall=self.wall_ns)
        self.policy = Policy(self.engine, self.controller)
        from tui import why_service  # the report's evidence code: loaded only to serve

        why_service.install(self)
        recovered = None if self.fresh else recovery.rebuild(self.controller, prior)
        if not prior and not self.fresh:
            recovered = {}  # a new journal: nothing to recover, nothing to say
        self.health = JournalHealthWatch(self.journal, self.controller)
        self.engine.condition_sources.append(self.health.conditions)
        self.venue_controls = None
        if cfg.controls:  # venue kill switches: a sink on the controller, plus the dead-man keeper
            from tui.control.venue_controls import VenueControls, build

            self.venue_controls = VenueControls(
                build(cfg.controls, False, self.control_credentials)
            )
            self.venue_controls.attach(self.controller, self.engine)
        self.server = ConsoleServer(
            self.controller,
            self.token,
            c.host,
            self.port,
            c.publish_hz,
            history=self._history_snapshot,
            people=people.authenticate,
            limits=Limits(
                max_outbound_frames=c.max_outbound_frames,
                max_outbound_bytes=c.max_outbound_bytes,
                commands_per_s=c.commands_per_s,
                command_burst=c.command_burst,
                max_queued_commands=c.max_queued_commands,
            ),
            ssl=tls,
        )
        self.engine.listeners.append(self._on_transitions)
        await self.server.start()
        await self.integrations.start(self, prior)
        await self._journal_started()
        await self._journal_recovery(recovered, set_aside)
        self._start_sources()
        if self.venue_controls is not None:
            self.venue_controls.start()
        eng = cfg.engine
        sched = self.scheduler = AsyncIOScheduler()
        common: dict[str, Any] = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 1}
        sched.add_job(self._evaluate, "interval", seconds=1.0 / eng.evaluate_hz, **common)
        # Every job is a coroutine: AsyncIOScheduler runs plain functions on a
        # thread pool, and engine state is only ever touched from the event loop.
        self._publish_job = sched.add_job(
            self._publish, "interval", seconds=1.0 / cfg.console.publish_hz, **common
        )
        self.server.publish_soon = self._publish_soon
        sched.add_job(self._sample_history, "interval", seconds=1.0, **common)
        sched.add_job(self._checkpoint, "interval", seconds=60.0, **common)
        sched.add_job(self.health.probe, "interval", seconds=1.0, **common)
        sched.add_job(
            self.health.send_anchor, "interval", seconds=cfg.journal.anchor_to_sinks_s, **common
        )
        sched.start()
        log.info(
            "engine up: %d venues, consoles on %s, journal %s",
            len(self.feeds),
            self.server.url,
            self.journal_path,
        )

    async def _journal_started(self) -> None:
        await self.controller.record(
            "system",
            event="engine started",
            console=self.server.url,
            venues=self._venue_names(),
            journal=str(self.journal_path),
        )

    def _venue_names(self) -> list[str]:
        """The venues this engine watches, for the "engine started" entry."""
        return sorted(self.feeds)

    async def _journal_recovery(self, recovered: dict[str, Any] | None, set_aside: str) -> None:
        if set_aside:
            await self.controller.record(
                "system",
                event="journal set aside",
                detail=set_aside,
                journal=str(self.journal_path),
            )
        if recovered is None:
            await self.controller.record(
                "system", event=recovery.FRESH_EVENT, detail="serve --fresh: clean control state"
            )
            return
        if not recovered:
            return
        await self.controller.record(
            "system",
            event="control state recovered",
            detail=recovery.describe(recovered),
            recovered=recovered,
        )

    async def stop(self, reason: str = "stopped") -> None:
        books = book_summary(self.feeds)  # before the connections close and clear them
        with contextlib.suppress(Exception):
            self.scheduler.shutdown(wait=False)
        for sup in self.supervisors.values():
            await sup.stop()
        if self.source is not None:
            await self.source.stop()
        await self.server.stop()
        await self.integrations.stop()
        await self.controller.drain()
        if self.venue_controls is not None:
            await self.venue_controls.stop()
        for t in list(self._pending):
            with contextlib.suppress(Exception):
                await t
        await self.health.record_quietly(
            "system", event="engine stopped", reason=reason, books=books
        )
        await self.journal.aclose()
        if self.recorder is not None:
            self._flusher.cancel()
            self.recorder.close()

    async def run_until_stopped(self) -> None:
        await self._stop.wait()

    def request_stop(self) -> None:
        self._stop.set()

    # -- jobs --------------------------------------------------------------------------------

    async def _evaluate(self) -> None:
        self.engine.tick()
        await self.policy.on_tick()

    async def _publish(self) -> None:
        if self._forwarded:
            self._forwarded = False
            self._last_forward = time.monotonic()
            self.forwarded_publishes += 1
        self.server.publish()

    def _publish_soon(self) -> bool:
        """A command changed control state: bring the publish job forward to now.

        At most once per publish period (counted from when the last brought-forward
        publish ran), so a flood of commands adds at most one publish a period:
        ≤ 2 × ``publish_hz`` in all, and still only the timer publishes. Inside that
        period the job's own next run, at most a period away, carries the change.
        False when the scheduler is not running (stopped, or paused by a test).
        """
        if self.scheduler.state != STATE_RUNNING:
            return False
        period = 1.0 / self.config.console.publish_hz
        if not self._forwarded and time.monotonic() - self._last_forward >= period:
            self._forwarded = True
            self._publish_job.modify(next_run_time=datetime.now(UTC))
        return True

    async def _sample_history(self) -> None:
        now = self.wall_ns()
        keep = int(self.config.engine.history_s)
        for ih in self.engine.instruments.values():
            if ih.spread_bps is None:
                continue
            key = f"{ih.venue}|{ih.canonical}"
            self.history.setdefault(key, deque(maxlen=keep)).append((now, round(ih.spread_bps, 3)))

    def _history_snapshot(self) -> dict[str, list[tuple[int, float]]]:
        return {k: list(v) for k, v in self.history.items()}

    async def _checkpoint(self) -> None:
        firing = self.engine.alerts.firing(include_inhibited=True)
        await self.health.record_quietly(
            "system",
            event="checkpoint",
            states=dict(self.engine.states),
            firing=sorted(a.key for a in firing),
            isolated=sorted(self.engine.facts.isolated),
        )

    # -- events ------------------------------------------------------------------------------

    def _on_event(self, ev: Event) -> None:
        engine = getattr(self, "engine", None)
        if engine is None:
            return
        engine.on_event(ev)
        server = getattr(self, "server", None)
        if server is None:
            return
        if (isinstance(ev, FeedStatus) and on_timeline(ev)) or isinstance(ev, ParseError):
            server.on_feed_event(ev)

    def _on_transitions(self, transitions: list[Transition]) -> None:
        self._journal_states()
        for t in transitions:
            task = asyncio.get_running_loop().create_task(
                self.health.record_quietly("alert", **alert_fields(t))
            )
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    def _journal_states(self) -> None:
        """Each venue state change, so a report reads time in each state, not guesses it."""
        known = self._states_seen
        for venue, state in self.engine.states.items():
            was = known.get(venue, "LIVE")
            if state == was:
                continue
            known[venue] = state
            task = asyncio.get_running_loop().create_task(
                self.health.record_quietly(
                    "system", event="venue state", venue=venue, state=state, was=was
                )
            )
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
