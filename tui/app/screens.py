"""Modal screens: confirm, a line of text (notes, layout names), and help.

A confirm is one key either way (``y``/``enter`` or ``n``/``escape``) and says
what will happen in words; it is only used for the risky direction (restore,
arming, quitting with commands in flight), never for isolating — stopping a bad
feed must stay one key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.app import actions


def confirm(app: App[Any], texts: tuple[str, str, str], then: Callable[[], object]) -> None:
    """A confirm dialog with (question, detail, yes label); ``then`` runs on a yes."""

    def done(ok: bool | None) -> None:
        if ok:
            then()

    question, detail, yes = texts
    # Answered in the key's own handler: a confirmed command leaves before the dialog
    # is taken down and the screen below restyled and repainted.
    app.push_screen(ConfirmScreen(question, detail, yes=yes, on_answer=done))


class ConfirmScreen(ModalScreen[bool]):
    """Yes or no; dismisses with True only on an explicit yes.

    ``on_answer`` is called with the answer *in the key's own handler*, before the
    dialog is taken down: a result callback given to ``push_screen`` runs only after
    the pop, and taking a modal down re-styles and repaints the whole screen below
    (hundreds of milliseconds on a loaded machine), so a confirmed command would
    leave only after that. With ``on_answer`` the command is on its way first.
    """

    # Priority: answered by the app as the key arrives. Otherwise the key is handed to
    # the focused button and bubbles back up, a turn of the loop per hop, each behind
    # whatever repaint is queued (the dialog has no text field a key could be meant for).
    BINDINGS = [
        Binding("y", "answer(True)", "yes", show=False, priority=True),
        Binding("n,escape", "answer(False)", "no", show=False, priority=True),
    ]

    def __init__(
        self,
        question: str,
        detail: str = "",
        yes: str = "Yes",
        no: str = "No",
        on_answer: Callable[[bool], object] | None = None,
    ) -> None:
        # The texts come from the action registry (tui.app.actions), filled in by the app.
        super().__init__(classes="modal")
        self.on_answer = on_answer
        self.answered = False
        self.question = question
        self.detail = detail
        self.yes_label, self.no_label = yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="question")
            if self.detail:
                yield Static(self.detail, id="detail", markup=False)
            with Horizontal(id="buttons"):
                yield Button(Content(f"{self.yes_label} (y)"), id="yes", variant="warning")
                yield Button(Content(f"{self.no_label} (n)"), id="no")

    def on_mount(self) -> None:
        # Focus "no": a stray enter from the previous screen must not confirm. The screen's
        # own y/enter bindings still answer yes when pressed on purpose.
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        if self.answered:
            return  # a second key while the dialog is being taken down
        self.answered = True
        if self.on_answer is not None:
            self.on_answer(yes)
        self.dismiss(yes)


class TextScreen(ModalScreen[str | None]):
    """One line of text: enter submits (empty is a cancel), escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "cancel", show=False)]

    def __init__(
        self, prompt: str, value: str = "", placeholder: str = "", max_length: int = 2000
    ) -> None:
        super().__init__(classes="modal")
        self.prompt = prompt
        self.value = value
        self.placeholder = placeholder
        self.max_length = max_length

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.prompt, id="question")
            yield Input(
                self.value, placeholder=self.placeholder, id="text", max_length=self.max_length
            )
            yield Static("enter: save · escape: cancel", id="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        self.dismiss(text or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """Every binding with the key in effect (after console.toml remapping), its title
    from the action registry (:mod:`tui.app.actions`) and its id."""

    BINDINGS = [Binding("escape,q,question_mark,enter", "close", "close", show=False)]

    def __init__(self, keymap: dict[str, str], display: dict[str, str], notes: str = "") -> None:
        super().__init__(classes="modal")
        self.keymap = keymap
        self.key_display = display
        self.notes = notes

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Label("Keys in effect", id="question")
            with VerticalScroll(id="help-body"):
                group = ""
                digits = [f"venue-{n}" for n in range(1, 10)]
                collapse = all(self.keymap.get(d) == actions.BY_ID[d].key for d in digits)
                for k in actions.ACTIONS:
                    if not k.key:
                        continue  # palette-only
                    if k.group != group:
                        group = k.group
                        yield Label(group, classes="help-group")
                    if collapse and k.id in digits:
                        if k.id != digits[0]:
                            continue
                        text = actions.BY_ID[digits[0]].title.replace("#1", "#n")
                        shown, bid = "1…9", "venue-1 … venue-9"
                    else:
                        shown = self.key_display.get(k.id, self.keymap.get(k.id, k.key))
                        text, bid = k.title, k.id
                    yield Static(
                        Content.assemble((f"{shown:<10}", "bold"), text, (f"  {bid}", "dim")),
                        classes="help-row",
                    )
                if self.notes:
                    yield Static(self.notes, id="help-notes", markup=False)
            yield Static(
                'Remap in console.toml: [keys] <id> = "key" · escape closes',
                id="hint",
                markup=False,
            )

    def action_close(self) -> None:
        self.dismiss(None)
