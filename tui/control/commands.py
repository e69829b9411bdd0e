"""Commands: what a responder (or a breaker) asks the engine to do.

A command is data: an id, an action, its arguments, who issued it and why. It
is journalled before it takes effect, together with its *inverse* (what undo
would do), so the journal alone says what happened and how to take it back.
"""

from __future__ import annotations

import secrets
import time
from typing import Final

import msgspec

ACTIONS: Final = {
    # action: (required args, optional args)
    "isolate": ({"venue"}, set()),
    "restore": ({"venue"}, {"routes"}),
    "halt": ({"instrument"}, {"venue"}),
    "resume": ({"instrument"}, {"venue"}),
    "failover": ({"route"}, {"to"}),
    "arm": (set(), {"target"}),
    "disarm": (set(), {"target"}),
    "note": ({"text"}, set()),
    "undo": (set(), set()),
}
"""Every action and its arguments; ``arm``/``disarm`` target ``all`` (default),
``breakers``, ``breaker:<name>`` or ``route:<name>``. ``restore`` may name the
routes to bring back to the venue (how undo reverses an isolation's failovers)."""

MAX_TEXT: Final = 2000


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
    """What became of a command; ``seq`` is the journal sequence of the command entry."""

    id: str
    action: str
    ok: bool
    detail: str
    seq: int = 0
    outcome_seq: int = 0
    actor: str = ""


def new_id() -> str:
    return secrets.token_hex(6)


def validate(cmd: Command) -> str:
    """An empty string if the command is well formed, else why not."""
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
    if any(len(v) > MAX_TEXT for v in cmd.args.values()) or len(cmd.reason) > MAX_TEXT:
        return f"arguments longer than {MAX_TEXT} characters"
    if not cmd.actor:
        return "a command needs an actor"
    return ""


def describe(cmd: Command) -> str:
    """A one-line human description for timelines and notifications."""
    a = cmd.args
    if cmd.action in ("isolate", "restore"):
        return f"{cmd.action} {a['venue']}"
    if cmd.action in ("halt", "resume"):
        where = f" on {a['venue']}" if a.get("venue") else " on all venues"
        return f"{cmd.action} {a['instrument']}{where}"
    if cmd.action == "failover":
        to = f" to {a['to']}" if a.get("to") else ""
        return f"failover {a['route']}{to}"
    if cmd.action in ("arm", "disarm"):
        return f"{cmd.action} {a.get('target', 'all')}"
    if cmd.action == "note":
        return f"note: {a['text']}"
    return cmd.action
