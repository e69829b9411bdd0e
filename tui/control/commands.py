"""Commands: what a responder (or a breaker) asks the engine to do.

A command is data: an id, an action, its arguments, who issued it and why. It
is journalled before it takes effect, together with its *inverse* (what undo
would do), so the journal alone says what happened and how to take it back.
Validation is pure and runs before anything is journalled: a malformed request
is journalled as a bounded refusal, never raised inside the controller.
"""

from __future__ import annotations

import secrets
import time
from typing import Any, Final

import msgspec

ACTIONS: Final = {
    # action: (required args, optional args)
    "isolate": ({"venue"}, set()),
    "restore": ({"venue"}, {"routes"}),
    "halt": ({"instrument"}, {"venue"}),
    "resume": ({"instrument"}, {"venue", "routes"}),
    "failover": ({"route"}, {"to"}),
    "arm": (set(), {"target"}),
    "disarm": (set(), {"target"}),
    "note": ({"text"}, set()),
    "undo": (set(), {"seq"}),
    "clear": ({"breaker"}, {"venue"}),
    "ack": ({"alert"}, set()),
    "silence": ({"match", "minutes"}, set()),
}
"""Every action and its arguments; ``arm``/``disarm`` target ``all`` (default),
``breakers``, ``routes``, ``breaker:<name>``, ``route:<name>`` or a comma list
of the last two (how undo names exactly what an "arm all" changed).
``restore`` may name the routes to bring back to the venue and ``resume`` the
routes to put back as ``route=venue`` (how undo reverses the moves a command
implied). ``undo`` without ``seq`` undoes the issuer's own last command still
in effect; ``clear`` clears a breaker's trip (on one venue, or all)."""

UNDOABLE: Final = frozenset({"isolate", "restore", "halt", "resume", "failover", "arm", "disarm"})
RISKY: Final = frozenset({"restore", "resume", "disarm"})
"""Actions that lower protection: a console asks before sending them, undo included."""

MAX_TEXT: Final = 2000
"""Free text: a note, a reason."""
MAX_NAME: Final = 200
"""Names and every other field: action, venue, route, target, actor, id."""
_TEXT_FIELDS: Final = frozenset({"text", "match"})


class Refused(Exception):
    """A command that cannot be applied; the message is the reason."""


class Command(msgspec.Struct, kw_only=True):
    action: str
    args: dict[str, str] = {}
    actor: str = "console"
    reason: str = ""
    id: str = ""
    ts_ns: int = 0

    def stamped(self) -> Command:
        """This command with an id and a time, if it had none."""
        return msgspec.structs.replace(
            self,
            id=self.id or new_id(),
            ts_ns=self.ts_ns or time.time_ns(),
        )


class Outcome(msgspec.Struct, kw_only=True):
    """What became of a command; ``seq`` is the journal sequence of the command entry
    (0: nothing could be journalled, so nothing happened)."""

    id: str
    action: str
    ok: bool
    detail: str
    seq: int = 0
    outcome_seq: int = 0
    actor: str = ""
    data: dict[str, Any] | None = None
    """What a read-only request answers with (``why``: the readings behind an alert)."""


def new_id() -> str:
    return secrets.token_hex(6)


def _too_long(value: object, limit: int) -> bool:
    return not isinstance(value, str) or len(value) > limit


def validate(cmd: Command) -> str:
    """An empty string if the command is well formed, else why not.

    Sizes first: nothing oversized is described, journalled or echoed whole.
    """
    if _too_long(cmd.action, MAX_NAME):
        return f"action longer than {MAX_NAME} characters"
    if _too_long(cmd.actor, MAX_NAME) or _too_long(cmd.id, MAX_NAME):
        return f"actor or id longer than {MAX_NAME} characters"
    if _too_long(cmd.reason, MAX_TEXT):
        return f"reason longer than {MAX_TEXT} characters"
    if len(cmd.args) > 8:
        return "too many arguments"
    for k, v in cmd.args.items():
        if _too_long(k, MAX_NAME):
            return f"argument name longer than {MAX_NAME} characters"
        limit = MAX_TEXT if k in _TEXT_FIELDS else MAX_NAME
        if _too_long(v, limit):
            return f"argument {k!r} longer than {limit} characters"
    spec = ACTIONS.get(cmd.action)
    if spec is None:
        return f"unknown action {cmd.action!r} (known: {', '.join(sorted(ACTIONS))})"
    required, optional = spec
    missing = required - set(cmd.args)
    if missing:
        return f"{cmd.action} needs {', '.join(sorted(missing))}"
    extra = set(cmd.args) - required - optional
    if extra:
        return f"{cmd.action} does not take {', '.join(sorted(extra))}"
    if any(not cmd.args[k] for k in required):
        return f"{cmd.action}: {', '.join(sorted(required))} must not be empty"
    if not cmd.actor:
        return "a command needs an actor"
    if cmd.action == "undo" and cmd.args.get("seq", "1").isdigit() is False:
        return "undo: seq must be a journal sequence number"
    if cmd.action == "silence":
        m = cmd.args["minutes"]
        if not m.isdigit() or not 1 <= int(m) <= 24 * 60:
            return "silence: minutes must be a whole number from 1 to 1440"
    return ""


def bounded(cmd: Command, limit: int = 80) -> dict[str, Any]:
    """A refused request as it is journalled: every field cut to ``limit`` characters,
    at most eight arguments, so a hostile request cannot grow the journal."""

    def cut(v: object) -> str:
        s = v if isinstance(v, str) else repr(v)
        return s if len(s) <= limit else f"{s[:limit]}… ({len(s)} chars)"

    args = {cut(k): cut(v) for k, v in list(cmd.args.items())[:8]}
    return {
        "id": cut(cmd.id),
        "action": cut(cmd.action),
        "args": args,
        "actor": cut(cmd.actor),
        "reason": cut(cmd.reason),
    }


def describe(cmd: Command) -> str:
    """A one-line human description for timelines and notifications (never raises)."""
    a = cmd.args
    act = cmd.action
    if act in ("isolate", "restore"):
        return f"{act} {a.get('venue', '?')}"
    if act in ("halt", "resume"):
        where = f" on {a['venue']}" if a.get("venue") else " on all venues"
        return f"{act} {a.get('instrument', '?')}{where}"
    if act == "failover":
        to = f" to {a['to']}" if a.get("to") else ""
        return f"failover {a.get('route', '?')}{to}"
    if act in ("arm", "disarm"):
        return f"{act} {a.get('target', 'all')}"
    if act == "note":
        return f"note: {a.get('text', '')}"
    if act == "undo":
        return f"undo #{a['seq']}" if a.get("seq") else "undo (own last)"
    if act == "clear":
        return f"clear breaker {a.get('breaker', '?')} on {a.get('venue') or 'all venues'}"
    if act == "ack":
        return f"acknowledge {a.get('alert', '?')}"
    if act == "silence":
        return f"silence {a.get('match', '?')} for {a.get('minutes', '?')} min"
    return act
