"""Modal screens: a line of text (notes, layout names), and help.

Confirms are not here: they are asked in the message line (:mod:`tui.app.asking`),
so the console stays in view and nothing is restyled while a responder decides.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.app import actions


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
