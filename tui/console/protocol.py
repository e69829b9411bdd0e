"""Frames between the engine and its consoles (msgspec, MessagePack, tagged).

Down (engine -> console): ``Welcome`` with the full state on attach, then
``Update`` frames at a fixed rate carrying only rows that changed, and
``Journal``, ``AlertChange`` and ``FeedNote`` frames as things happen, and an
``Ack`` for each of the console's commands. Up: ``Hello`` (authentication) and
``CommandRequest``.

MessagePack keeps state frames small and cheap to encode at 10 Hz for several
consoles; the tagged union lets either side reject a frame it does not know
with a clear reason instead of guessing.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

from tui.control.commands import Outcome
from tui.engine.alerts import Alert
from tui.engine.view import (
    BreakerRow,
    ConsensusRow,
    EngineState,
    InstrumentRow,
    RouteRow,
    VenueRow,
)
from tui.text import clean, clean_obj

PROTOCOL_VERSION: Final = 1


class Hello(msgspec.Struct, tag=True):
    token: str
    user: str = "console"
    version: int = PROTOCOL_VERSION


class CommandRequest(msgspec.Struct, tag=True, kw_only=True):
    id: str
    action: str
    args: dict[str, str] = {}
    reason: str = ""


class Welcome(msgspec.Struct, tag=True, kw_only=True):
    engine: str
    user: str
    version: int
    state: EngineState
    journal: list[dict[str, Any]]
    """Recent journal entries, oldest first."""
    resolved: list[Alert]
    feed_notes: list[dict[str, Any]]
    history: dict[str, list[tuple[int, float]]]
    """"venue|instrument" -> [(ts_ns, spread_bps)], for the spread charts."""
    publish_hz: float


class Update(msgspec.Struct, tag=True, kw_only=True):
    ts_ns: int
    venues: list[VenueRow] = []
    instruments: list[InstrumentRow] = []
    consensus: list[ConsensusRow] = []
    routes: list[RouteRow] = []
    breakers: list[BreakerRow] = []
    alerts: list[Alert] | None = None
    engine: str | None = None
    """The engine's name when it changed (a replay's pace and pause: ``replay ×10, paused``)."""
    """The whole active list when it changed, else None."""


class Journal(msgspec.Struct, tag=True):
    entry: dict[str, Any]


class AlertChange(msgspec.Struct, tag=True):
    what: str
    alert: Alert


class FeedNote(msgspec.Struct, tag=True):
    note: dict[str, Any]


class Ack(msgspec.Struct, tag=True):
    outcome: Outcome


class Refusal(msgspec.Struct, tag=True):
    """A frame the engine would not take (unauthenticated, malformed), and why."""

    reason: str
    request_id: str = ""


Up = Hello | CommandRequest
Down = Welcome | Update | Journal | AlertChange | FeedNote | Ack | Refusal

_encoder = msgspec.msgpack.Encoder()
_up = msgspec.msgpack.Decoder(Up)
_down = msgspec.msgpack.Decoder(Down)


def encode(frame: Up | Down) -> bytes:
    return _encoder.encode(frame)


def decode_up(data: bytes | str) -> Up:
    if isinstance(data, str):
        raise msgspec.DecodeError("expected a binary MessagePack frame, got text")
    frame: Up = _up.decode(data)
    return frame


def decode_down(data: bytes | str) -> Down:
    """A frame from the engine, its free text (notes, reasons, details) made terminal-safe."""
    if isinstance(data, str):
        raise msgspec.DecodeError("expected a binary MessagePack frame, got text")
    frame: Down = _down.decode(data)
    return sanitized(frame)


def sanitized(frame: Down) -> Down:
    """``frame`` with every string a person typed or a venue sent escaped (see tui.text).

    State rows are engine-built and go through untouched (the hot path); alert
    summaries (which name symbols) and everything that carries text from consoles
    or venues are cleaned here, the one
    place every console decodes frames, so no panel can forget to.
    """
    rep = msgspec.structs.replace
    if isinstance(frame, Journal):
        return Journal(clean_obj(frame.entry))
    if isinstance(frame, FeedNote):
        return FeedNote(clean_obj(frame.note))
    if isinstance(frame, Ack):
        o = frame.outcome
        return Ack(rep(o, detail=clean(o.detail), actor=clean(o.actor), id=clean(o.id)))
    if isinstance(frame, Refusal):
        return Refusal(clean(frame.reason), frame.request_id)
    if isinstance(frame, AlertChange):
        return AlertChange(frame.what, rep(frame.alert, summary=clean(frame.alert.summary)))
    if isinstance(frame, Update):
        if frame.alerts is None:  # the hot path: rows the engine built, no free text
            return frame
        return rep(frame, alerts=[rep(a, summary=clean(a.summary)) for a in frame.alerts])
    if isinstance(frame, Welcome):
        state = frame.state
        alerts = [rep(a, summary=clean(a.summary)) for a in state.alerts]
        return rep(
            frame,
            state=rep(state, alerts=alerts),
            user=clean(frame.user),
            journal=[clean_obj(e) for e in frame.journal],
            feed_notes=[clean_obj(n) for n in frame.feed_notes],
            resolved=[rep(a, summary=clean(a.summary)) for a in frame.resolved],
        )
    return frame
