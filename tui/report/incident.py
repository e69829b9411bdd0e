"""An incident rebuilt from the journal alone: states, alerts, actions, what was left.

The journal is the only evidence a review can trust (it verifies), so every
figure here is derived from its entries, replayed in ``seq`` order:

* venue states: the engine's own ``venue state`` entries when the journal has
  them; otherwise derived the way the engine does it (ISOLATED while isolated,
  RECOVERING from a restore until its alerts clear, DEGRADED while a
  non-inhibited alert fires, else LIVE);
* effects come from *outcomes* that succeeded, never from commands alone: a
  refused isolate isolated nothing. An ``undo`` applies the ``inverse`` its
  command entry journalled, and pairs with the action its outcome names
  (``undid``; older journals: the way the old shared undo stack did);
* alert times are measured from the onset (the condition first seen, the
  alert's ``started``): time to detect (firing), to acknowledge, to mitigate
  (the first successful isolate, halt or route move touching the alert's
  venue), to recover (resolved).

What a rebuilt incident holds, and the measures over it (time in each state,
overlaps, latched trips), are in :mod:`tui.report.incident_records`.

Acknowledgements and silences are read generically — an entry of kind
``ack``/``silence`` or a command with that action — naming the alert by
``key`` (or ``alert``), or by ``venue`` and ``rule``.
"""

from __future__ import annotations

import re
from typing import Any

from tui.report.incident_records import (
    NS,
    STATES,
    Action,
    AlertEpisode,
    Incident,
    Trip,
    latched,
    overlap_s,
    state_at_end,
    time_in_states,
)
from tui.report.times import iso, journal_ns

__all__ = [
    "NS",
    "STATES",
    "Action",
    "AlertEpisode",
    "Incident",
    "Trip",
    "latched",
    "overlap_s",
    "rebuild",
    "state_at_end",
    "time_in_states",
]

UNDOABLE = {"isolate", "restore", "halt", "resume", "failover", "arm", "disarm"}
_MOVE = re.compile(r"([^\s,;:]+): ([^\s,;]+) -> ([^\s,;]+)")


def _ack_target(fields: dict[str, Any]) -> dict[str, Any]:
    args = fields.get("args") if isinstance(fields.get("args"), dict) else {}
    merged = {**fields, **(args or {})}
    return {k: merged.get(k) for k in ("key", "alert", "venue", "rule", "instrument", "match")}


class _Rebuilder:
    def __init__(self) -> None:
        self.inc = Incident()
        self.commands: dict[str, Action] = {}
        self.acks: dict[str, list[AlertEpisode]] = {}
        self.undo_stack: list[Action] = []
        self.open_alerts: dict[str, AlertEpisode] = {}
        self.isolated: dict[str, tuple[int, str, str]] = {}
        self.recovering: set[str] = set()
        self.halted: dict[tuple[str, str], tuple[int, str]] = {}
        self.latched: dict[tuple[str, str], Trip] = {}
        self.engine_states: dict[str, str] = {}
        self.has_engine_states = False
        self.changes: list[tuple[int, str, str]] = []  # (ns, venue, state), derived or recorded
        self.venues: list[str] = []

    # -- helpers ---------------------------------------------------------------------

    def venue(self, name: Any) -> None:
        if isinstance(name, str) and name and name != "*" and name not in self.venues:
            self.venues.append(name)

    def derived_state(self, venue: str) -> str:
        if venue in self.isolated:
            return "ISOLATED"
        # An alert inhibited when it fired still counts once the venue is back.
        firing = any(a.venue == venue for a in self.open_alerts.values())
        if venue in self.recovering:
            if firing:
                return "RECOVERING"
            # Probation is not journalled: the derived view ends it when alerts clear.
            self.recovering.discard(venue)
        return "DEGRADED" if firing else "LIVE"

    def note_states(self, ns: int) -> None:
        if self.has_engine_states:
            return
        for v in self.venues:
            self.changes.append((ns, v, self.derived_state(v)))

    # -- entries -------------------------------------------------------------------------

    def feed(self, e: dict[str, Any]) -> None:
        ns = journal_ns(e["ts"])
        inc = self.inc
        if not inc.start_ns:
            inc.start_ns = ns
        inc.end_ns = max(inc.end_ns, ns)
        kind = e["kind"]
        handler = getattr(self, "_on_ack_entry" if kind == "ack" else f"_on_{kind}", None)
        if handler is not None:
            handler(e, ns)
        self.note_states(ns)

    def _on_system(self, e: dict[str, Any], ns: int) -> None:
        event = e.get("event")
        if event == "engine started":
            for v in e.get("venues") or []:
                self.venue(v)
        elif event == "venue state":
            if not self.has_engine_states:
                self.has_engine_states = True
                self.changes = []  # the engine's own record replaces the derivation
            self.venue(e.get("venue"))
            self.changes.append((ns, str(e.get("venue")), str(e.get("state"))))
        elif event == "replay finished" and e.get("capture"):
            self.inc.captures.append(str(e["capture"]))

    def _on_alert(self, e: dict[str, Any], ns: int) -> None:
        what = e.get("what")
        key = e.get("key") or f"{e.get('rule', '')}|{e.get('venue', '')}|{e.get('instrument', '')}"
        self.venue(e.get("venue"))
        ep = self.open_alerts.get(key)
        if what == "firing":
            started = e.get("started")
            onset = started if isinstance(started, int) and 0 < started <= ns else ns
            ep = AlertEpisode(
                key=key,
                rule=str(e.get("rule", "")),
                venue=str(e.get("venue", "")),
                instrument=str(e.get("instrument", "")),
                severity=str(e.get("severity", "")),
                summary=str(e.get("summary", "")),
                onset_ns=onset,
                fired_ns=ns,
                fired_seq=e["seq"],
                inhibited=bool(e.get("inhibited")),
                value=e.get("value") if isinstance(e.get("value"), (int, float)) else None,
            )
            self.open_alerts[key] = ep
            self.inc.alerts.append(ep)
            if ep.venue in self.isolated:
                ep.inhibited = True
        elif ep is not None and what == "escalated":
            ep.severity = str(e.get("severity", ep.severity))
            ep.escalated_ns = ep.escalated_ns or ns
            ep.summary = str(e.get("summary", ep.summary))
        elif ep is not None and what == "resolved":
            ep.resolved_ns = ns
            del self.open_alerts[key]

    def _on_breaker(self, e: dict[str, Any], ns: int) -> None:
        trip = Trip(
            seq=e["seq"],
            ts_ns=ns,
            breaker=str(e.get("breaker", "")),
            venue=str(e.get("venue", "")),
            action=str(e.get("action", "")),
            reason=str(e.get("reason", "")),
        )
        self.venue(trip.venue)
        self.inc.trips.append(trip)
        self.latched[(trip.breaker, trip.venue)] = trip

    def _on_ack(
        self, e: dict[str, Any], ns: int, who: str = "", silence: bool = False
    ) -> list[AlertEpisode]:
        target = _ack_target(e)
        key = target["key"] or target["alert"]
        match = target["match"]
        matches = [
            ep
            for ep in self.open_alerts.values()
            if (key and ep.key == key)
            # A silence names a part of the alert keys it covers (the controller's rule).
            or (not key and isinstance(match, str) and match != "" and match in ep.key)
            or (
                not key
                and not match
                and target["venue"] == ep.venue
                and target["rule"] in (None, "", ep.rule)
                and target["instrument"] in (None, "", ep.instrument)
            )
        ]
        if not matches:
            # Acked after it resolved (or a key we never saw fire): keep it visible.
            self.inc.acks_unmatched.append({"seq": e["seq"], "ts": e["ts"], **target})
        acked = []
        for ep in matches:
            if silence and ep.silenced_ns is None:
                ep.silenced_ns = ns
            if ep.acked_ns is None:
                ep.acked_ns, ep.acked_by = ns, who or str(e.get("actor", ""))
                acked.append(ep)
        return acked

    def _on_silence(self, e: dict[str, Any], ns: int) -> None:
        self._on_ack(e, ns, silence=True)

    def _on_ack_entry(self, e: dict[str, Any], ns: int) -> None:
        self._on_ack(e, ns)

    def _on_command(self, e: dict[str, Any], ns: int) -> None:
        args = e.get("args") if isinstance(e.get("args"), dict) else {}
        act = Action(
            seq=e["seq"],
            ts=e["ts"],
            actor=str(e.get("actor", "")),
            action=str(e.get("action", "")),
            args=dict(args or {}),
            reason=str(e.get("reason", "")),
            summary=str(e.get("summary") or e.get("action", "")),
            id=str(e.get("id", "")),
            by_breaker=str(e.get("actor", "")).startswith("breaker:"),
        )
        inverse = e.get("inverse")
        if act.action == "undo" and isinstance(inverse, dict):
            act.effect = {"action": inverse.get("action"), "args": inverse.get("args") or {}}
        elif act.action != "undo":
            act.effect = {"action": act.action, "args": act.args}
        self.inc.actions.append(act)
        if act.id:
            self.commands[act.id] = act
        if act.action == "note":
            self.inc.notes.append(
                {"seq": act.seq, "ts": act.ts, "who": act.actor, "text": act.args.get("text", "")}
            )
        elif act.action in ("ack", "silence"):
            # Acked when the person asked (the command's time); a refusal takes it back.
            self.acks[act.id] = self._on_ack(e, ns, act.actor, silence=act.action == "silence")
        self.venue(act.args.get("venue"))

    def _on_outcome(self, e: dict[str, Any], ns: int) -> None:
        act = self.commands.get(str(e.get("id", "")))
        if act is None:
            return
        act.ok, act.detail, act.outcome_seq = bool(e.get("ok")), str(e.get("detail", "")), e["seq"]
        if not act.ok:
            for ep in self.acks.pop(act.id, []):
                ep.acked_ns, ep.acked_by, ep.silenced_ns = None, "", None
            return
        actor = act.actor
        undid = e.get("undid")
        if act.action == "undo" and isinstance(undid, int):
            # The outcome names the command it undid; the inverse ran as the person
            # undoing, and undoing a breaker's action cleared that breaker's trip.
            original = next((a for a in self.inc.actions if a.seq == undid), None)
            if original is not None:
                original.undone_by_seq, act.undoes_seq = act.seq, original.seq
                if original in self.undo_stack:
                    self.undo_stack.remove(original)
                if original.by_breaker:
                    self.clear_trips(original.actor.removeprefix("breaker:"), "", ns, act.actor)
        elif act.action == "undo" and self.undo_stack:
            original = self.undo_stack.pop()
            original.undone_by_seq, act.undoes_seq = act.seq, original.seq
            # Older journals: the inverse ran as the original's actor, so undoing a
            # breaker's isolation did not count as a person clearing its trip.
            actor = original.actor
        elif act.action in UNDOABLE:
            self.undo_stack.append(act)
        if act.action == "clear":
            breaker = str(act.args.get("breaker", ""))
            self.clear_trips(breaker, str(act.args.get("venue", "")), ns, act.actor)
        if act.effect:
            effect = str(act.effect.get("action"))
            self.apply(act, actor, effect, act.effect.get("args") or {}, ns)
        for route, old, new in _MOVE.findall(act.detail):
            self.inc.routes.setdefault(route, []).append(
                {"seq": act.seq, "ts": iso(ns), "from": old, "to": new, "by": act.actor}
            )
            self.mitigate(old, "", ns, f"route {route} moved off {old}", act.seq)

    def apply(self, act: Action, actor: str, action: str, args: dict[str, Any], ns: int) -> None:
        venue = str(args.get("venue") or "")
        if action == "isolate" and venue:
            self.isolated[venue] = (ns, act.actor, act.reason)
            self.recovering.discard(venue)
            self.mitigate(venue, "", ns, f"{venue} isolated by {act.actor}", act.seq)
        elif action == "restore" and venue in self.isolated:
            since, by, why = self.isolated.pop(venue)
            self.inc.isolations.setdefault(venue, []).append((since, ns, by, why))
            self.recovering.add(venue)
            if not actor.startswith("breaker:"):
                for k in [k for k in self.latched if k[1] == venue]:
                    trip = self.latched.pop(k)
                    trip.cleared_ns, trip.cleared_by = ns, act.actor
        elif action == "halt" and args.get("instrument"):
            key = (venue or "*", str(args["instrument"]))
            self.halted[key] = (ns, act.reason or f"halted by {act.actor}")
            self.mitigate(key[0], key[1], ns, f"{key[1]} halted on {key[0]}", act.seq)
        elif action == "resume" and args.get("instrument"):
            key = (venue or "*", str(args["instrument"]))
            if key in self.halted:
                since, why = self.halted.pop(key)
                self.inc.halts.setdefault(key, []).append((since, ns, why))

    def clear_trips(self, breaker: str, venue: str, ns: int, who: str) -> None:
        """A person cleared a breaker's latch (on one venue, or on all when "")."""
        for k in [k for k in self.latched if k[0] == breaker and venue in ("", k[1])]:
            trip = self.latched.pop(k)
            trip.cleared_ns, trip.cleared_by = ns, who

    def mitigate(self, venue: str, instrument: str, ns: int, how: str, seq: int) -> None:
        for ep in self.open_alerts.values():
            if ep.mitigated_ns is not None or ns < ep.fired_ns:
                continue
            if venue in (ep.venue, "*") and instrument in ("", ep.instrument) and ep.venue:
                ep.mitigated_ns, ep.mitigated_by, ep.mitigation_seq = ns, how, seq

    # -- the end ---------------------------------------------------------------------------

    def finish(self) -> Incident:
        inc = self.inc
        inc.venues = list(self.venues)
        for venue, (since, by, why) in self.isolated.items():
            inc.isolations.setdefault(venue, []).append((since, None, by, why))
        for key, (since, why) in self.halted.items():
            inc.halts.setdefault(key, []).append((since, None, why))
        inc.spans = _spans(self.changes, inc.venues, inc.start_ns, inc.end_ns)
        return inc


def _spans(
    changes: list[tuple[int, str, str]], venues: list[str], start: int, end: int
) -> dict[str, list[tuple[int, int, str]]]:
    """Each venue's state as contiguous spans from the journal's start to its end."""
    out: dict[str, list[tuple[int, int, str]]] = {}
    for v in venues:
        spans: list[tuple[int, int, str]] = []
        cur_state, cur_from = "LIVE", start
        for ns, venue, state in changes:
            if venue != v or state == cur_state:
                continue
            if ns > cur_from:
                spans.append((cur_from, ns, cur_state))
            cur_state, cur_from = state, ns
        spans.append((cur_from, end, cur_state))
        out[v] = spans
    return out


def rebuild(entries: list[dict[str, Any]]) -> Incident:
    """The incident these verified entries describe (in seq order)."""
    r = _Rebuilder()
    for e in entries:
        r.feed(e)
    return r.finish()
