"""The layered halt at the venues: gate, cancel, backstop, verify — each layer journalled.

It is a controller sink (the controller's existing extension point): when a
venue is isolated (if its ``[controls.X]`` says ``in_isolate``) or an
instrument is halted on a venue, the local gate has already closed (the
engine's model and the other sinks) and this drives the venue:

1. **gate** — journalled as in effect (the controller applied it first);
2. **cancel** — the venue's cancel-all (or list + batch cancel), retried on
   5xx / timeout / rate limit with backoff;
3. **backstop** — arm or shorten the venue's dead-man timer;
4. **verify** — read open orders until zero, re-cancel once, and after
   ``verify_timeout_s`` give up: FAILED, a critical alert and the escalation
   sinks (webhook / page).

States per venue: ``REQUESTED → ACKED → CONFIRMED (0 open)`` or ``FAILED``
with the reason. An acknowledgement is never completion: a Binance 5xx is
"unknown", an OKX ``sCode`` 0 is "accepted", so only a read of zero open
orders confirms. Restore and resume never re-enable anything at a venue.
Every request and answer is journalled scrubbed of credentials.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, Protocol

import msgspec

from adapters.controls.base import Call, Step, VenueError
from adapters.controls.client import DryRun, VenueControl

log = logging.getLogger("venuewatch.halt")

REQUESTED: Final = "REQUESTED"
ACKED: Final = "ACKED"
CONFIRMED: Final = "CONFIRMED"
FAILED: Final = "FAILED"
DRY_RUN: Final = "DRY-RUN"

Record = Callable[..., Awaitable[dict[str, Any]]]
SymbolsFor = Callable[[str, str], list[str]]


class Escalation(Protocol):
    name: str

    async def dispatch(self, entry: dict[str, Any]) -> str: ...


class HaltStatus(msgspec.Struct, kw_only=True):
    """What the console shows per venue."""

    state: str
    detail: str = ""
    open: int | None = None
    updated_ns: int = 0

    def line(self) -> str:
        if self.state == CONFIRMED:
            return "CONFIRMED (0 open)"
        n = f" ({self.open} open)" if self.open is not None else ""
        return f"{self.state}{n}"


def _calls(calls: Sequence[Call]) -> list[dict[str, Any]]:
    return [msgspec.to_builtins(c) for c in calls]


class VenueHalt:
    """The controller sink that halts at the venues."""

    name = "venue-halt"

    def __init__(
        self,
        controls: dict[str, VenueControl],
        record: Record,
        escalation: Sequence[Escalation] = (),
        symbols_for: SymbolsFor | None = None,
        on_status: Callable[[str, HaltStatus], None] | None = None,
        on_deadman: Callable[[str, Step], None] | None = None,
    ) -> None:
        self.controls = controls
        self.record = record
        self.escalation = list(escalation)
        self.symbols_for = symbols_for
        self.on_status = on_status
        self.on_deadman = on_deadman
        self.status: dict[str, HaltStatus] = {}
        self.locks = {v: asyncio.Lock() for v in controls}

    # -- the sink ------------------------------------------------------------------------

    async def dispatch(self, entry: dict[str, Any]) -> str:
        action = entry.get("action")
        args = entry.get("args") or {}
        cid = str(entry.get("id", ""))
        if action in ("restore", "resume"):
            return "venue trading NOT re-enabled: that is a separate, deliberate act at the venue"
        if action == "isolate":
            venue = str(args.get("venue", ""))
            ctl = self.controls.get(venue)
            if ctl is None or not ctl.settings.in_isolate:
                return "skipped (venue halt not configured for this isolation)"
            return await self.halt(venue, (), f"isolate {venue}", cid)
        if action == "halt":
            venue, instrument = str(args.get("venue") or "*"), str(args.get("instrument", ""))
            targets = list(self.controls) if venue == "*" else [venue]
            results = []
            for v in targets:
                if v not in self.controls:
                    continue
                syms = self.symbols_for(v, instrument) if self.symbols_for else []
                if venue == "*" and not syms:
                    continue
                results.append(await self.halt(v, syms, f"halt {instrument}", cid))
            return "; ".join(results) or "skipped (no venue control configured)"
        return "skipped (not a halt)"

    # -- the layers ----------------------------------------------------------------------

    async def halt(self, venue: str, symbols: Sequence[str], why: str, cid: str = "") -> str:
        ctl = self.controls[venue]
        s = ctl.settings
        t0 = time.monotonic()
        async with self.locks[venue]:
            self._set(venue, HaltStatus(state=REQUESTED, detail=why))
            await self._journal(
                venue,
                cid,
                "gate",
                REQUESTED,
                f"local gate closed ({why}); scope: {ctl.scope}"
                + ("; DRY RUN: nothing is sent" if ctl.dry_run else ""),
            )
            cancel = await self._retrying(venue, cid, "cancel", lambda: ctl.cancel_all(symbols))
            if cancel.ok:
                self._set(venue, HaltStatus(state=ACKED, detail=cancel.detail))
            arm = await self._retrying(
                venue, cid, "backstop", lambda: ctl.arm(s.halt_deadman_s, symbols)
            )
            if arm.ok and ctl.has_deadman and self.on_deadman is not None:
                self.on_deadman(venue, arm)
            if ctl.dry_run:
                status = HaltStatus(state=DRY_RUN, detail="signed calls journalled, none sent")
                await self._journal(venue, cid, "verify", DRY_RUN, status.detail)
            else:
                status = await self._verify(venue, cid, ctl, symbols)
            self._set(venue, status)
        took = time.monotonic() - t0
        if status.state == FAILED:
            await self._escalate(venue, cid, status)
        return f"venue {venue}: {status.line()} in {took:.1f}s" + (
            f": {status.detail}" if status.state != CONFIRMED else ""
        )

    async def _retrying(
        self, venue: str, cid: str, layer: str, act: Callable[[], Awaitable[Step]]
    ) -> Step:
        ctl = self.controls[venue]
        attempts = 1 + max(0, ctl.settings.retries)
        step = Step(ok=False, detail="not attempted")
        for attempt in range(attempts):
            if attempt:
                backoff = ctl.settings.retry_backoff_s * 2 ** (attempt - 1)
                await asyncio.sleep(min(2.0, backoff))  # backoff, not synchronisation
            t0 = time.monotonic()
            try:
                step = await act()
            except VenueError as exc:
                step = Step(
                    ok=False,
                    detail=exc.reason,
                    calls=ctl.take_calls() + exc.calls,
                    retryable=exc.retryable,
                )
            except DryRun:
                step = Step(ok=True, detail="dry run", calls=ctl.take_calls())
            state = ACKED if step.ok else FAILED
            if not step.ok and step.retryable and attempt + 1 < attempts:
                state = "RETRY"
            await self._journal(
                venue,
                cid,
                layer,
                state,
                step.detail,
                step.calls,
                ms=(time.monotonic() - t0) * 1000,
                attempt=attempt + 1,
            )
            if step.ok or not step.retryable:
                break
        return step

    async def _verify(
        self, venue: str, cid: str, ctl: VenueControl, symbols: Sequence[str]
    ) -> HaltStatus:
        s = ctl.settings
        deadline = time.monotonic() + s.verify_timeout_s
        recancelled, last_open, reason = False, None, ""
        reads = 0
        while True:
            t0 = time.monotonic()
            try:
                orders = await ctl.open_orders()
                if symbols:
                    orders = [o for o in orders if o.symbol in symbols]
                reads += 1
                n: int | None = len(orders)
                reason = f"{n} orders still open"
            except VenueError as exc:
                n, reason = None, exc.reason
                if not exc.retryable:
                    calls = ctl.take_calls()
                    await self._journal(venue, cid, "verify", FAILED, reason, calls)
                    return HaltStatus(state=FAILED, detail=f"cannot read open orders: {reason}")
            calls = ctl.take_calls()
            if n == 0:
                await self._journal(
                    venue,
                    cid,
                    "verify",
                    CONFIRMED,
                    f"0 open after {reads} reads",
                    calls,
                    ms=(time.monotonic() - t0) * 1000,
                )
                return HaltStatus(state=CONFIRMED, open=0, detail="0 open orders at the venue")
            if n != last_open or reads == 1:  # journal changes, not every poll
                await self._journal(
                    venue, cid, "verify", "OPEN", reason, calls, ms=(time.monotonic() - t0) * 1000
                )
                last_open = n
                if n is not None:
                    self._set(venue, HaltStatus(state=ACKED, open=n, detail=reason))
            if time.monotonic() >= deadline:
                return HaltStatus(
                    state=FAILED, open=n, detail=f"{reason} after {s.verify_timeout_s:g}s"
                )
            halfway = time.monotonic() >= deadline - s.verify_timeout_s / 2
            if n and not recancelled and (reads >= 3 or halfway):
                recancelled = True  # the venue acked, orders remain: ask once more
                await self._retrying(venue, cid, "cancel", lambda: ctl.cancel_all(symbols))
            await asyncio.sleep(s.verify_interval_s)  # polling interval, not synchronisation

    async def _escalate(self, venue: str, cid: str, status: HaltStatus) -> None:
        summary = f"venue halt NOT confirmed on {venue}: {status.detail}"
        log.error("%s", summary)
        await self.record(
            "alert",
            what="firing",
            rule="venue-halt-unconfirmed",
            venue=venue,
            instrument="",
            severity="critical",
            summary=summary,
            inhibited=False,
            started=time.time_ns(),
            key=f"venue-halt-unconfirmed|{venue}",
        )
        entry = {
            "action": "venue-halt-failed",
            "id": cid,
            "args": {"venue": venue},
            "summary": summary,
            "outcome": summary,
        }
        for sink in self.escalation:
            try:
                result, ok = await sink.dispatch(entry), True
            except Exception as exc:  # an escalation failure is journalled, never fatal
                result, ok = f"{type(exc).__name__}: {exc}", False
            await self.record("sink", id=cid, sink=sink.name, ok=ok, detail=result)

    # -- bookkeeping -----------------------------------------------------------------------

    def _set(self, venue: str, status: HaltStatus) -> None:
        status.updated_ns = time.time_ns()
        self.status[venue] = status
        if self.on_status is not None:
            self.on_status(venue, status)

    async def _journal(
        self,
        venue: str,
        cid: str,
        layer: str,
        state: str,
        detail: str,
        calls: Sequence[Call] = (),
        ms: float = 0.0,
        attempt: int = 1,
    ) -> None:
        await self.record(
            "venue-halt",
            id=cid,
            venue=venue,
            layer=layer,
            state=state,
            detail=detail,
            calls=_calls(calls),
            ms=round(ms, 1),
            attempt=attempt,
        )
