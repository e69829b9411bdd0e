"""The controller: the one place where commands take effect.

Order of every command, without exception:

1. its size and shape are checked (a malformed request is journalled as a
   bounded refusal, never raised);
2. the command (with its inverse) is appended to the journal and fsynced — if
   that write fails the command is refused and has no effect;
3. it is checked against the engine's model and worked out on the live facts,
   which are then put back as they were;
4. the outcome, with exactly the ``effects`` it has, is journalled; only once
   that write succeeded are the effects installed (a failed write: refused, no
   effect) — so nothing is in force that the journal does not hold;
5. sinks (webhook, venue kill switch) are told, and their results journalled.

Commands are serialised by a lock: two consoles pressing keys at once get two
journal entries in a definite order, never a half-applied mix. Preconditions are
checked against the engine's model, never against what a console shows.

Undo belongs to a person: ``undo`` without a sequence number undoes the issuer's
own last command still in effect; anybody else's (another person's, a
breaker's, auto-failover's) only by naming its sequence number.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import msgspec

from adapters.lag import PRIORITY
from tui.control import effects as fx
from tui.control.commands import (
    UNDOABLE,
    Command,
    Outcome,
    Refused,
    bounded,
    describe,
    validate,
)
from tui.control.controller_effects import Effects
from tui.control.journal import JournalError
from tui.control.undo import Done, Undo
from tui.engine.engine import Engine
from tui.engine.state import BreakerState, RouteState, Trip

__all__ = ["Controller", "Done", "JournalWriter", "Refused", "Sink"]

log = logging.getLogger("venuewatch.control")

JOURNAL_FAILURES = (OSError, JournalError)


class JournalWriter(Protocol):
    async def append(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Append and fsync; return the written entry (with ``seq``)."""
        ...


class Sink(Protocol):
    name: str

    async def dispatch(self, entry: dict[str, Any]) -> str:
        """Tell the outside world; return a one-line result. May raise."""
        ...


class Silence(msgspec.Struct, kw_only=True):
    seq: int
    match: str
    until_ns: int
    actor: str
    reason: str


class Controller(Undo, Effects):
    """Commands in, journalled outcomes out: the one place control state changes.

    What each command does to the control facts is in
    :class:`~tui.control.controller_effects.Effects`; what undoes it, in
    :class:`~tui.control.undo.Undo`."""

    def __init__(
        self,
        engine: Engine,
        journal: JournalWriter,
        sinks: list[Sink] | None = None,
        wall: Callable[[], int] | None = None,
    ) -> None:
        self.engine = engine
        self.facts = engine.facts
        self.journal = journal
        self.sinks = list(sinks or [])
        # The engine's wall clock: capture time in a replay, real time live.
        self.wall = wall or engine.wall
        self._lock = asyncio.Lock()
        self.history: dict[int, Done] = {}
        self.acks: dict[str, tuple[str, int]] = {}
        """Alert key -> (who, when): shown beside the alert, never hiding it."""
        self.silences: list[Silence] = []
        self.outcome_listeners: list[Callable[[Outcome], None]] = []
        self.answerers: dict[str, Callable[[Command], Awaitable[Outcome]]] = {}
        """Actions answered outside the controls, by name: a read-only question (``why``)
        or a replay's pace. They change no control state, so they take no lock and are
        not journalled (a replay's journal must equal a headless replay's)."""
        self.journal_listeners: list[Callable[[dict[str, Any]], None]] = []
        self.journal_error = ""
        """Why the last journal write failed ('' once a write succeeds again)."""
        self._sink_tasks: set[asyncio.Task[None]] = set()
        self.reset()

    def reset(self) -> None:
        """The configured starting state: no isolation, halt or trip; arming as configured."""
        settings = self.engine.settings
        self.facts.isolated.clear()
        self.facts.halted.clear()
        self.facts.recovering.clear()
        self.facts.routes.clear()
        for name, route in settings.routes.items():
            self.facts.routes[name] = RouteState(armed=route.auto_failover, active=None)
            self.facts.routes[name].active = self._first_usable(name, None)
        self.facts.breakers.clear()
        for name, b in settings.breakers.items():
            self.facts.breakers[name] = BreakerState(armed=b.armed)
        self.history.clear()
        self.acks.clear()
        self.silences.clear()

    # -- journalling ------------------------------------------------------------------

    async def record(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Journal one entry. Raises what the journal raises (OSError, JournalError)."""
        try:
            entry = await self.journal.append(kind, **fields)
        except JOURNAL_FAILURES as exc:
            self.journal_error = f"{type(exc).__name__}: {exc}"
            raise
        self.journal_error = ""
        for fn in self.journal_listeners:
            fn(entry)
        return entry

    async def try_record(self, kind: str, **fields: Any) -> dict[str, Any] | None:
        """Journal an observation (alert, checkpoint, shutdown); a failed write is
        logged and reported through ``journal_error``, never raised into a task."""
        try:
            return await self.record(kind, **fields)
        except JOURNAL_FAILURES as exc:
            log.error("journal unwritable, %s entry lost: %s", kind, exc)
            return None

    # -- commands -----------------------------------------------------------------------

    async def execute(self, cmd: Command) -> Outcome:
        """Journal, apply (or refuse), journal the outcome, tell the sinks."""
        answer = self.answerers.get(cmd.action)
        if answer is not None:
            return await answer(cmd)
        cmd = cmd.stamped()
        with PRIORITY.hold():  # venue readers wait: commands never queue behind frames
            async with self._lock:
                entry, outcome = await self._execute_locked(cmd)
            self._after(entry, outcome)
        return outcome

    def _after(self, entry: dict[str, Any] | None, outcome: Outcome) -> None:
        if outcome.ok and entry is not None:
            self.engine.tick()  # an isolated venue leaves the consensus at once
            self._dispatch(entry, outcome)
        for fn in self.outcome_listeners:
            fn(outcome)

    async def _execute_locked(
        self,
        cmd: Command,
        trip: tuple[str, str] | None = None,
        firing: Trip | None = None,
    ) -> tuple[dict[str, Any] | None, Outcome]:
        """One command under the lock. ``trip``/``firing``: a breaker's command and the
        trip it records, which is in force exactly when this outcome is journalled."""
        malformed = validate(cmd)
        problem = malformed
        target: Done | None = None
        inverse: Command | None = None
        if not problem:
            try:
                if cmd.action == "undo":
                    target = self._undo_target(cmd)
                    inverse = self._as_undo(target, cmd)
                else:
                    inverse = self._inverse(cmd)
            except Refused as exc:
                problem = str(exc)
        if malformed:
            fields = {**bounded(cmd), "summary": f"refused request: {bounded(cmd)['action']}"}
        else:
            summary = describe(cmd)
            if target is not None:
                summary = f"undo #{target.seq} ({describe(target.cmd)}, by {target.cmd.actor})"
            fields = {
                "id": cmd.id,
                "action": cmd.action,
                "args": cmd.args,
                "actor": cmd.actor,
                "reason": cmd.reason,
                "summary": summary,
                "inverse": _plain(inverse) if inverse else None,
            }
        try:
            entry = await self.record("command", **fields)
        except JOURNAL_FAILURES as exc:
            return None, self._unjournalled(cmd, exc, 0)
        seq = int(entry["seq"])
        # Worked out on the live facts, then put back: nothing is in force until
        # the outcome (with exactly these effects) is journalled.
        before = fx.durable(self.facts)
        states = dict(self.engine.states)
        ok, detail = False, problem
        if not problem:
            try:
                detail = self._apply_or_undo(cmd, target, inverse)
                ok = True
            except Refused as exc:
                detail = str(exc)
                if target is not None:
                    detail = f"cannot undo #{target.seq} ({describe(target.cmd)}): {detail}"
                fx.install(self.facts, before)
                self.engine.states.update(states)
        if trip is not None and firing is not None:
            # The trip stands even if its action is refused (say, no venue to fail
            # over to): the breaker fired, and must not fire again every tick.
            self.facts.breakers[trip[0]].tripped.setdefault(trip[1], firing)
        after, after_states = fx.durable(self.facts), dict(self.engine.states)
        effects = fx.diff(before, after)
        fx.install(self.facts, before)
        self.engine.states.clear()
        self.engine.states.update(states)
        extra: dict[str, Any] = {"effects": effects} if effects else {}
        if target is not None:
            extra["undid"] = target.seq
        try:
            out = await self.record(
                "outcome",
                id=fields["id"],
                action=fields["action"],
                ok=ok,
                detail=detail,
                actor=fields["actor"],
                **extra,
            )
        except JOURNAL_FAILURES as exc:
            return None, self._unjournalled(cmd, exc, seq)
        fx.install(self.facts, after)
        self.engine.states.update(after_states)
        if ok:
            self._bookkeep(seq, cmd, inverse, effects, target, trip, int(out["seq"]))
        outcome = Outcome(
            id=str(fields["id"]),
            action=str(fields["action"]),
            ok=ok,
            detail=detail,
            seq=seq,
            outcome_seq=int(out["seq"]),
            actor=str(fields["actor"]),
        )
        return entry, outcome

    def _apply_or_undo(self, cmd: Command, target: Done | None, inverse: Command | None) -> str:
        if target is None:
            return self._apply(cmd)
        assert inverse is not None
        detail = self._apply(inverse)
        if target.trip is not None:
            self._clear_trip(*target.trip)
        return f"undid {describe(target.cmd)} (#{target.seq}, {target.cmd.actor}): {detail}"

    def _unjournalled(self, cmd: Command, exc: BaseException, seq: int) -> Outcome:
        log.error("journal unwritable, %s refused: %s", cmd.action[:40], exc)
        return Outcome(
            id=cmd.id[:200],
            action=cmd.action[:200],
            ok=False,
            detail=f"journal unwritable: {exc}; nothing was done",
            seq=seq,
            actor=cmd.actor[:200],
        )

    def _bookkeep(
        self,
        seq: int,
        cmd: Command,
        inverse: Command | None,
        effects: dict[str, Any],
        target: Done | None,
        trip: tuple[str, str] | None,
        outcome_seq: int,
    ) -> None:
        """Undo history: what this command supersedes, and whether it can be undone."""
        self._note_alerts(seq, cmd)
        subjects = fx.subjects(effects)
        for done in self.history.values():
            if done.in_effect and done.subjects & subjects:
                done.superseded_by = seq
        if target is not None:
            target.superseded_by = 0
            target.undone_by = seq
        elif cmd.action in UNDOABLE and inverse is not None and subjects:
            self.history[seq] = Done(
                seq=seq, cmd=cmd, inverse=inverse, subjects=subjects, trip=trip
            )

    def _note_alerts(self, seq: int, cmd: Command) -> None:
        a = cmd.args
        if cmd.action == "ack":
            self.acks[a["alert"]] = (cmd.actor, cmd.ts_ns)
        elif cmd.action == "silence":
            until = cmd.ts_ns + int(a["minutes"]) * 60 * 10**9
            self.silences.append(
                Silence(
                    seq=seq, match=a["match"], until_ns=until, actor=cmd.actor, reason=cmd.reason
                )
            )

    def active_silences(self, now_ns: int | None = None) -> list[Silence]:
        """Silences not yet expired (an expired one simply stops matching)."""
        now = self.wall() if now_ns is None else now_ns
        return [s for s in self.silences if s.until_ns > now]

    def silenced(self, alert_key: str, now_ns: int | None = None) -> Silence | None:
        return next((s for s in self.active_silences(now_ns) if s.match in alert_key), None)

    # -- breakers -------------------------------------------------------------------------

    async def trip(
        self, breaker: str, venue: str, reason: str, value: float | None, commands: list[Command]
    ) -> bool:
        """A breaker fires: journal what it saw, then run its commands under the lock.

        The trip is in force only once journalled: with the outcome of its first
        command whose outcome could be written (or, with no command to run, in the
        breaker entry itself). If nothing could be journalled there is no trip, and
        the breaker fires again on a later tick, once the journal is writable.
        """
        async with self._lock:
            b = self.facts.breakers.get(breaker)
            if b is None or venue in b.tripped:
                return False
            rule = self.engine.settings.breakers[breaker]
            firing = Trip(
                ts_ns=self.wall(),
                reason=reason,
                value=value,
                command_id=commands[0].id if commands else "",
            )
            extra: dict[str, Any] = {}
            if not commands:
                extra["effects"] = {"breakers": {breaker: {"tripped": {
                    **fx.durable(self.facts)["breakers"][breaker]["tripped"],
                    venue: msgspec.to_builtins(firing),
                }}}}  # fmt: skip
            try:
                await self.record(
                    "breaker",
                    breaker=breaker,
                    venue=venue,
                    reason=reason,
                    value=value,
                    action=rule.action,
                    commands=[c.id for c in commands],
                    **extra,
                )
            except JOURNAL_FAILURES as exc:
                log.error(
                    "breaker %s on %s not tripped: journal unwritable: %s", breaker, venue, exc
                )
                return False
            if not commands:
                b.tripped[venue] = firing
            results = [
                await self._execute_locked(c.stamped(), trip=(breaker, venue), firing=firing)
                for c in commands
            ]
            tripped = venue in b.tripped
            if tripped:
                b.holding.pop(venue, None)
        for entry, outcome in results:
            self._after(entry, outcome)
        return tripped

    # -- sinks ---------------------------------------------------------------------------------

    def _dispatch(self, entry: dict[str, Any], outcome: Outcome) -> None:
        for sink in self.sinks:
            task = asyncio.get_running_loop().create_task(self._tell(sink, entry, outcome))
            self._sink_tasks.add(task)
            task.add_done_callback(self._sink_tasks.discard)

    async def _tell(self, sink: Sink, entry: dict[str, Any], outcome: Outcome) -> None:
        try:
            result = await sink.dispatch({**entry, "outcome": outcome.detail})
            ok = True
        except Exception as exc:  # a sink failure is journalled, never fatal
            result, ok = f"{type(exc).__name__}: {exc}", False
            log.warning("sink %s failed for %s: %s", sink.name, outcome.id, result)
        try:
            await self.record("sink", id=outcome.id, sink=sink.name, ok=ok, detail=result)
        except JOURNAL_FAILURES as exc:
            log.error("sink result for %s not journalled: %s", outcome.id, exc)

    async def drain(self) -> None:
        """Wait for sink dispatches in flight (shutdown, tests)."""
        while self._sink_tasks:
            await asyncio.gather(*list(self._sink_tasks), return_exceptions=True)


def _plain(cmd: Command) -> dict[str, Any]:
    return {"action": cmd.action, "args": cmd.args}
