"""Questions in the message line: the console's confirms (restore, a risky undo,
arming, quitting with commands in flight, the engine gone).

What a responder can rely on while a question is up:

- only ``y`` (or a click on its yes) confirms; ``n``/``escape`` (or a click on
  cancel) cancel and say "cancelled";
- any other key cancels too, says so, and is *not* also run: a fat-fingered
  ``i`` while "Restore kraken?" is up must not isolate anything;
- a question expires after :data:`EXPIRES_S` (the line says so); a ``y`` after
  that does nothing;
- a second question replaces the first, and says it did;
- the texts come from the action registry (:mod:`tui.app.actions`).

The keys are taken in the app's own event handler, before any binding: nothing
else can run on a key meant for the question. A modal screen opened on top (the
palette, help) keeps its keys; the question waits below it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from textual import events
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen
from textual.timer import Timer

from tui.app.console_base import ConsoleBase
from tui.app.message_line import question_text

EXPIRES_S: Final = 20.0
"""An unanswered question is dropped after this long: a ``y`` typed much later (for
something else, or after the situation changed) must not confirm it."""

YES: Final = frozenset({"y"})
NO: Final = frozenset({"n", "escape"})


@dataclass
class Question:
    question: str
    detail: str
    yes: str
    then: Callable[[], object]
    deadline: float
    timer: Timer | None = field(default=None, repr=False)


class Asking(ConsoleBase):
    """Asks in the message line; the next key answers."""

    question: Question | None = None
    """The question waiting for an answer (tests read its texts)."""

    def ask(self, texts: tuple[str, str, str], then: Callable[[], object]) -> None:
        """Ask (question, detail, yes label); ``then`` runs on a yes, in the key's handler."""
        question, detail, yes = (t.strip() for t in texts)
        note = ""
        old = self.question
        if old is not None:
            self._drop(old)
            note = f"replaces the unanswered {old.question!r} (nothing done)"
            self.notices.append(("warning", f"replaced, nothing done: {old.question}"))
        q = Question(question, detail, yes, then, time.monotonic() + EXPIRES_S)
        q.timer = self.set_timer(EXPIRES_S, lambda: self._expire(q), name="question")
        self.question = q
        self.notices.append(("warning", f"asking: {question} {detail}".strip()))
        self._message.ask(question_text(question, detail, yes, EXPIRES_S, note))

    async def on_event(self, event: events.Event) -> None:
        if (
            self.question is not None
            and isinstance(event, events.Key)
            and not event.is_forwarded
            and not isinstance(self.screen, ModalScreen)
        ):
            self._answer_key(event.key)
            return
        await super().on_event(event)

    def _answer_key(self, key: str) -> None:
        if key in YES:
            self.action_answer_question(True)
        elif key in NO:
            self.action_answer_question(False)
        else:
            self._end("warning", f"cancelled by the key {key!r} (not run): ")

    def action_answer_question(self, yes: bool) -> None:
        q = self.question
        if q is None:
            return  # a click on an old line, or a second key after the answer
        if time.monotonic() >= q.deadline:
            self._expire(q)  # the loop was too busy for the timer: still expired
            return
        if yes:
            self._drop(q)
            q.then()  # first: the command is on its way before the line is redrawn
            self._done("information", f"yes: {q.question}")
        else:
            self._end("information", "cancelled: ")

    def _expire(self, q: Question) -> None:
        if self.question is q:
            self._end("warning", f"no answer in {EXPIRES_S:g} s, nothing done: ")

    def _end(self, severity: SeverityLevel, why: str) -> None:
        q = self.question
        if q is not None:
            self._drop(q)
            self._done(severity, f"{why}{q.question}")

    def _drop(self, q: Question) -> None:
        if q.timer is not None:
            q.timer.stop()
        if self.question is q:
            self.question = None

    def _done(self, severity: SeverityLevel, message: str) -> None:
        self.notices.append((severity, message))
        self._message.done(severity, message)
