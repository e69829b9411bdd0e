"""What a publish sends: the rows that changed, and the acks held behind them.

A command that changed control state has its ack held until the next publish
(which the command brings forward), so the console applies the new state first
and reads "done" second — never "done" beside the old state.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tui.console import protocol as p
from tui.console.outbox import Outbox
from tui.engine.view import EngineState


def delta(last: EngineState, state: EngineState, engine: str | None) -> p.Update:
    """The update from ``last`` to ``state`` (``engine``: a new name, or None)."""
    return p.Update(
        ts_ns=state.ts_ns,
        engine=engine,
        venues=_changed(last.venues, state.venues),
        instruments=_changed(last.instruments, state.instruments),
        consensus=_changed(last.consensus, state.consensus),
        routes=_changed(last.routes, state.routes),
        breakers=_changed(last.breakers, state.breakers),
        alerts=state.alerts if state.alerts != last.alerts else None,
    )


def _changed(old: list[Any], new: list[Any]) -> list[Any]:
    """Rows of ``new`` that differ from the row at the same position in ``old``.

    Rows are frozen Structs compared by value; the engine builds them in a stable
    order, so a positional comparison finds exactly the rows that changed (a new
    row shifts the rest, which then count as changed: rare and harmless).
    """
    return [row for i, row in enumerate(new) if i >= len(old) or old[i] != row]


class HeldAcks:
    """Consoles with acks waiting for the next publish, and a bound on the wait."""

    def __init__(self, limit_s: float) -> None:
        self.limit_s = limit_s
        self._holding: set[Outbox] = set()
        self._limit: asyncio.TimerHandle | None = None

    def hold(self, client: Outbox, ack: bytes) -> None:
        client.hold(ack)
        self._holding.add(client)
        if self._limit is None:
            # A net, not the path: were the timer not to publish in time (a stalled
            # scheduler), the acks go anyway rather than leave a console waiting.
            self._limit = asyncio.get_running_loop().call_later(self.limit_s, self.release)

    def release(self) -> None:
        """Every held ack out, each behind its console's pending state update."""
        if self._limit is not None:
            self._limit.cancel()
            self._limit = None
        holding, self._holding = self._holding, set()
        for c in holding:
            c.release()
