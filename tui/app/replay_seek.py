"""Seek a replay to a journal entry: pick one of the replay's entries, land just after it.

The entries offered are the replay's own journal as this console holds it
(alerts, breaker trips, commands, state changes; checkpoints left out), newest
first, worded as the timeline words them. Choosing one sends ``replay-seek``
with the entry's time and seq; the engine rebuilds its past when the entry is
behind the replay's clock and pauses just after the entry, so the screen shows
the moment it was written.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.app.panels import marks
from tui.app.panels.timeline import describe
from tui.console.model import ConsoleModel
from tui.journal_words import commands_by_id

SKIP_EVENTS = frozenset({"checkpoint", "replay rewound"})


def choices(model: ConsoleModel) -> list[tuple[dict[str, Any], Content]]:
    """(entry, its line) for every entry worth seeking to, newest first."""
    journal = list(model.journal)
    commands = commands_by_id(journal)
    out = []
    for e in reversed(journal):
        if e.get("kind") == "system" and e.get("event") in SKIP_EVENTS:
            continue
        if not e.get("ts") or not e.get("seq"):
            continue
        _, who, what = describe(e, commands)
        ts = marks.utc_ms(marks.iso_to_ns(str(e["ts"])))
        line = Content.assemble((f"{ts} #{e['seq']:<4} ", "bold"), (f"{who} ", marks.DIM), what)
        out.append((e, line))
    return out


class SeekEntryScreen(ModalScreen[dict[str, Any] | None]):
    """A list of the replay's journal entries; enter seeks to the highlighted one."""

    BINDINGS = [Binding("escape", "cancel", "cancel", show=False)]

    DEFAULT_CSS = """
    SeekEntryScreen { align: center middle; background: $background 60%; }
    SeekEntryScreen > #seek-box {
        width: 90%;
        height: 80%;
        padding: 0 1;
        border: round $primary;
        background: $surface;
    }
    SeekEntryScreen #seek-list { height: 1fr; }
    SeekEntryScreen #seek-hint { color: $foreground 60%; }
    """

    def __init__(self, model: ConsoleModel) -> None:
        super().__init__()
        self.entries = choices(model)

    def compose(self) -> ComposeResult:
        with Vertical(id="seek-box"):
            yield Label("Seek the replay to a journal entry", id="seek-title")
            if self.entries:
                yield OptionList(
                    *(Option(line, id=str(i)) for i, (_, line) in enumerate(self.entries)),
                    id="seek-list",
                )
            else:
                yield Static("the replay has journalled nothing yet", id="seek-list")
            yield Static("enter: seek there · escape: cancel", id="seek-hint", markup=False)

    def on_mount(self) -> None:
        for ol in self.query(OptionList):
            ol.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.entries[int(event.option.id or 0)][0])

    def action_cancel(self) -> None:
        self.dismiss(None)
