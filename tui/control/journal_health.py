"""The journal's health as part of the engine's health.

While the journal cannot be written, nothing can be recorded as having happened
(the controller refuses commands; breakers record no trips), so the outage
itself must be loud: a critical ``journal-unwritable`` alert condition (shown in
every console like any alert) and a message to every sink, once when it starts
and once when it ends. The journal heals itself (:meth:`Journal.probe`, run
here every second); this module only watches and tells.

It also sends the journal's external anchor (head seq and hash) to the sinks at
a configurable interval, so a copy of it lives outside this machine.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from tui.control.controller import Controller
from tui.control.journal import AsyncJournal, Health, JournalError
from tui.engine.alerts import Condition

log = logging.getLogger("venuewatch.journal")

RULE = "journal-unwritable"


class JournalHealthWatch:
    def __init__(self, journal: AsyncJournal, controller: Controller) -> None:
        self.journal = journal
        self.controller = controller
        self._was_ok = True
        self._tasks: set[asyncio.Task[None]] = set()

    def conditions(self) -> list[Condition]:
        """For the engine's evaluation: the critical condition while the journal is down."""
        h = self.journal.health
        self._notice(h)
        if h.ok:
            return []
        return [
            Condition(
                RULE,
                "engine",
                "",
                "critical",
                f"journal unwritable since {h.since}: {h.reason}; commands are refused "
                f"({h.failed_writes} so far)",
                for_s=0.0,
                keep_firing_s=0.0,
            )
        ]

    async def probe(self) -> None:
        self._notice(await self.journal.probe())

    def _notice(self, h: Health) -> None:
        if h.ok == self._was_ok:
            return
        self._was_ok = h.ok
        path = str(self.journal.journal.path)
        if h.ok:
            log.warning("journal %s writable again", path)
            self._tell({"kind": "system", "event": "journal-writable", "journal": path})
        else:
            log.critical("journal %s unwritable: %s", path, h.reason)
            self._tell(
                {
                    "kind": "system",
                    "event": RULE,
                    "severity": "critical",
                    "journal": path,
                    "reason": h.reason,
                    "since": h.since,
                }
            )

    async def send_anchor(self) -> None:
        """The journal's head, to the sinks: an external copy of the anchor."""
        if not self.journal.health.ok:
            return
        a = await self.journal.checkpoint_anchor()
        if a.seq:
            self._tell(
                {
                    "kind": "system",
                    "event": "journal-anchor",
                    "journal": str(self.journal.journal.path),
                    "anchor_seq": a.seq,
                    "anchor_hash": a.hash,
                }
            )

    def _tell(self, entry: dict[str, Any]) -> None:
        # Straight to the sinks: the journal cannot hold this news, it *is* the news.
        for sink in self.controller.sinks:
            task = asyncio.get_running_loop().create_task(self._send(sink.name, sink, entry))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send(self, name: str, sink: Any, entry: dict[str, Any]) -> None:
        try:
            await sink.dispatch(entry)
        except Exception as exc:  # a sink failure is logged; it must not stop the engine
            log.warning("sink %s: %s not delivered: %s", name, entry.get("event"), exc)

    async def record_quietly(self, kind: str, **fields: Any) -> dict[str, Any] | None:
        """Journal an engine-side entry (alert, checkpoint, stop); while the journal is down
        it is logged instead (the gap entry will say how long it was down)."""
        try:
            return await self.controller.record(kind, **fields)
        except JournalError as exc:
            log.error("not journalled (%s): %s %s", exc, kind, fields.get("event", ""))
            return None
