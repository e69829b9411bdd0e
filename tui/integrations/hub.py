"""Wiring of the integrations into a running service: one object, started and stopped with it.

The service hands over what the integrations may read (engine, controller,
console server, journal) and the integrations attach through the existing
hooks: the controller's journal listeners, the engine's listeners and the Sink
protocol. Nothing else of the service changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from tui.integrations.base import AlertSink, Context
from tui.integrations.metrics import Exporter, Sources, TimedJournal
from tui.integrations.oms import OmsApi
from tui.integrations.provenance import Provenance
from tui.integrations.settings import ApiSettings, MetricsSettings
from tui.integrations.sinks import alerting
from tui.integrations.web import Served, serve

log = logging.getLogger("venuewatch.integrations")


class Integrations:
    def __init__(self, metrics: MetricsSettings, api: ApiSettings) -> None:
        self.metrics_settings = metrics
        self.api_settings = api
        self.service: Any = None
        self.exporter: Exporter | None = None
        if metrics.port is not None:
            self.exporter = Exporter(self._sources())
        self.provenance = Provenance()
        self.oms: OmsApi | None = None
        self.metrics: Served | None = None
        self.api: Served | None = None
        self.sinks: list[AlertSink] = []
        self.ctx: Context | None = None

    def urls(self) -> dict[str, str]:
        """Where the exporters listen (for the ``ready`` line)."""
        out = {}
        if self.metrics is not None:
            out["metrics"] = f"{self.metrics.url}/metrics"
        if self.api is not None:
            out["api"] = f"{self.api.url}/v1"
        return out

    def timed(self, journal: Any) -> Any:
        """The controller's journal, timed for the fsync histogram when metrics are on."""
        return TimedJournal(journal, self.exporter.fsync) if self.exporter else journal

    def _engine(self) -> Any:
        return getattr(self.service, "engine", None)

    async def start(self, service: Any, prior: list[dict[str, Any]] | None = None) -> None:
        """Attach to a started service (engine, controller, console server exist).

        ``prior``: the journal's entries before this start, for who-and-when.
        """
        self.service = service
        controller = service.controller
        engine = service.engine
        self.provenance.replay(prior or [])
        self.ctx = Context(
            record=controller.record,
            firing=lambda: engine.alerts.firing(include_inhibited=True),
            silenced=lambda key: controller.silenced(key),
            console_url=service.server.url,
        )
        self.sinks = alerting(controller.sinks)
        for sink in self.sinks:
            sink.recover(prior or [])
            sink.start(self.ctx)
        controller.journal_listeners.append(self._on_journal)
        controller.outcome_listeners.append(self._on_outcome)
        engine.listeners.append(self._on_tick)
        if self.exporter is not None:
            self.metrics = await serve(
                self.exporter.app(),
                self.metrics_settings.host,
                self.metrics_settings.port or 0,
                "metrics ([metrics] port / --metrics-port)",
            )
            log.info("metrics on %s/metrics", self.metrics.url)
        if self.api_settings.port is not None:
            from tui.secrets import ensure_token

            token = ensure_token(self.api_settings.token_name)
            self.oms = OmsApi(engine, token, self.provenance)
            self.api = await serve(
                self.oms.app(),
                self.api_settings.host,
                self.api_settings.port,
                "OMS API ([api] port / --api-port)",
            )
            log.info("OMS read API on %s/v1", self.api.url)

    def _sources(self) -> Sources:
        """What the exporter reads, looked up at scrape time (the service may be starting)."""

        def seq() -> int:
            journal = getattr(getattr(self.service, "journal", None), "journal", None)
            return int(getattr(journal, "seq", 0))

        def consoles() -> int:
            server = getattr(self.service, "server", None)
            return len(server.clients) if server is not None else 0

        def sinks() -> list[Any]:
            controller = getattr(self.service, "controller", None)
            return list(controller.sinks) if controller is not None else []

        return Sources(engine=self._engine, journal_seq=seq, consoles=consoles, sinks=sinks)

    def _on_journal(self, entry: dict[str, Any]) -> None:
        if entry.get("kind") == "sink":
            return  # sink results never feed sinks
        try:
            self.provenance.on_entry(entry)
        except Exception:  # a malformed entry must not break the journal's listeners
            log.exception("could not follow journal entry %s", entry.get("seq"))
        for sink in self.sinks:
            try:
                sink.notice(entry)
            except Exception:  # a sink's bug must not break the journal's listeners
                log.exception("sink %s failed to take a journal entry", sink.name)

    def _on_outcome(self, outcome: Any) -> None:
        # After the effects are in force (the outcome's journal entry comes before).
        # Listeners run inside the command's path: a fault here is logged, never raised.
        if self.oms is not None:
            try:
                self.oms.on_outcome(outcome)
            except Exception:
                log.exception("OMS API: could not publish an outcome")

    def _on_tick(self, _transitions: list[Any]) -> None:
        if self.oms is not None:
            try:
                self.oms.on_tick()
            except Exception:
                log.exception("OMS API: could not publish venue states")

    async def stop(self) -> None:
        """Before the journal closes: servers down, queued deliveries failed and journalled."""
        for served in (self.api, self.metrics):
            if served is not None:
                await served.stop()
        controller = getattr(self.service, "controller", None)
        for sink in list(controller.sinks) if controller is not None else []:
            close = getattr(sink, "aclose", None)
            if close is not None:
                await close()
        if self.ctx is not None:
            await asyncio.sleep(0)  # let the failed deliveries' callbacks queue their records
            for task in list(self.ctx.tasks):
                with contextlib.suppress(Exception):
                    await task
