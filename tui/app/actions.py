"""The console's actions, once: id, default key(s), title, help, group, confirmation.

Everything a responder can do from the console is listed here, and nowhere
else says what it is called, which key runs it or what its confirm dialog
asks: the keymap (:mod:`tui.app.keys`), the command palette
(:mod:`tui.app.palette`), the help screen (``?``) and the confirm dialogs all
read this table. An action with a key is bound under its id, which
``console.toml`` ``[keys]`` can remap; an action without one (switching to a
named layout, a theme, one breaker) exists only in the palette, where its
``each`` title is filled in once per name.

This module holds no Textual import, so settings validation (which checks that
ids exist) stays cheap and testable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final


@dataclass(frozen=True)
class Confirm:
    """What a confirm dialog asks; ``{fields}`` are filled in by the app."""

    question: str
    detail: str = ""
    yes: str = "Yes"

    def format(self, **fields: object) -> tuple[str, str, str]:
        return (
            self.question.format(**fields),
            self.detail.format(**fields),
            self.yes.format(**fields),
        )


@dataclass(frozen=True)
class Action:
    id: str
    """Stable id: what console.toml [keys] remaps and the help screen names."""
    key: str
    """Default key(s), comma-separated, in Textual's key names; "" for palette-only."""
    action: str
    """The Textual action the key runs (``isolate``, ``select_venue(-1)``); for a
    palette-only action, the method name its entries call with arguments."""
    title: str
    """What it does, in the help screen and (for the selection) the palette."""
    group: str
    help: str = ""
    """A line of help beside the title in the palette."""
    each: str = ""
    """Palette title of the action applied to one named thing: ``Isolate {}``."""
    confirm: dict[str, Confirm] = field(default_factory=dict)
    """Confirm dialogs, by variant ("" when there is one)."""
    show: bool = False
    """Shown in the footer."""
    footer: str = ""
    """Short footer label (defaults to the title)."""
    palette: bool = True
    """Listed in the command palette (the palette's own key is not)."""

    def call(self, *args: object) -> str:
        """The action string applying this action to ``args`` (``isolate('kraken')``):
        what the palette dispatches."""
        name = self.action.split("(", 1)[0]
        return f"{name}({', '.join(repr(a) for a in args)})"


_QUIT_IN_FLIGHT = (
    "The engine still applies and journals them; you will not see the outcome here. {note}"
)

ACTIONS: Final[tuple[Action, ...]] = (
    # None of the keys is a priority binding: Textual checks App-level priority bindings
    # even inside modals, where an Input's arrows and the palette's list need those keys.
    # Panes hold no focusable widget that takes them, so on the main screen they reach
    # the app anyway.
    # -- selection: acts on names from the engine's model, never on a filtered view --
    Action("venue-up", "up", "select_venue(-1)", "Previous venue", "Select"),
    Action("venue-down", "down", "select_venue(1)", "Next venue", "Select"),
    Action("instrument-prev", "left", "select_instrument(-1)", "Previous instrument", "Select"),
    Action("instrument-next", "right", "select_instrument(1)", "Next instrument", "Select"),
    *(
        Action(
            f"venue-{n}", str(n), f"select_venue_at({n})", f"Venue #{n} in display order", "Select"
        )
        for n in range(1, 10)
    ),
    Action("next-route", "t", "next_route", "Next route (the one f fails over)", "Select"),
    Action(
        "select-venue", "", "pick_venue", "Select a venue by name", "Select", each="Select venue {}"
    ),
    Action(
        "select-instrument",
        "",
        "pick_instrument",
        "Select an instrument by name",
        "Select",
        each="Select instrument {}",
    ),
    Action(
        "select-route",
        "",
        "pick_route",
        "Select a route by name",
        "Select",
        help="what f fails over",
        each="Select route {}",
    ),
    # -- controls: stopping is one key, the risky direction asks first --
    Action(
        "isolate-venue",
        "i",
        "isolate",
        "Isolate the selected venue (no confirm)",
        "Act",
        help="no confirm: stopping is the safe direction",
        each="Isolate {}",
        show=True,
        footer="isolate",
    ),
    Action(
        "restore-venue",
        "r",
        "restore",
        "Restore the selected venue (confirm)",
        "Act",
        help="asks to confirm",
        each="Restore {}",
        confirm={
            "": Confirm(
                "Restore {venue}?",
                "{now}Restoring puts it back into the consensus on probation; "
                "routes may move back to it.",
                "Restore",
            )
        },
        show=True,
        footer="restore",
    ),
    Action(
        "halt-instrument",
        "h",
        "halt",
        "Halt the selected instrument on the selected venue",
        "Act",
        each="Halt {} on {}",
        show=True,
        footer="halt",
    ),
    Action(
        "resume-instrument",
        "H",
        "resume",
        "Resume the selected instrument on the selected venue",
        "Act",
        each="Resume {} on {}",
        show=True,
        footer="resume",
    ),
    Action(
        "halt-everywhere",
        "",
        "halt_all",
        "Halt an instrument on all venues",
        "Act",
        each="Halt {} on all venues",
    ),
    Action(
        "resume-everywhere",
        "",
        "resume_all",
        "Resume an instrument on all venues",
        "Act",
        each="Resume {} on all venues",
    ),
    Action(
        "failover-route",
        "f",
        "failover",
        "Fail over the selected route",
        "Act",
        each="Fail over {}",
        show=True,
        footer="failover",
    ),
    Action(
        "undo",
        "u",
        "undo",
        "Undo your own last command still in effect",
        "Act",
        help="the journal records the undo too",
        confirm={
            "": Confirm(
                "Undo #{seq} ({summary})?",
                "It is {whose} command; the undo runs as you and is journalled.{risky}",
                "Undo",
            ),
            "risky": Confirm(" This undo is a {inverse}: it lowers protection."),
        },
        show=True,
        footer="undo",
    ),
    Action(
        "undo-command",
        "",
        "undo_command",
        "Undo a recent command of someone else",
        "Act",
        help="someone else's command: asks to confirm, names whose",
        each="Undo #{} by {}: {}",
    ),
    Action(
        "acknowledge-alert",
        "k",
        "acknowledge",
        "Acknowledge the newest alert on the selected venue (it stays listed)",
        "Act",
    ),
    Action("add-note", "n", "note", "Add a note to the journal", "Act", show=True, footer="note"),
    Action(
        "arm-toggle",
        "a",
        "arm_toggle",
        "Arm or disarm breakers and auto-failover (confirm)",
        "Act",
        help="asks to confirm",
        confirm={
            "arm-all": Confirm(
                "Arm all breakers and auto-failover?",
                "Disarmed now: {off}. Armed breakers isolate venues on their own when their "
                "rule holds; armed routes fail over by themselves.",
                "Arm",
            ),
            "disarm-all": Confirm(
                "Disarm all breakers and auto-failover?",
                "Nothing will isolate venues or move routes automatically until re-armed.",
                "Disarm",
            ),
            "arm-one": Confirm(
                "Arm {target}?",
                "An armed breaker isolates venues on its own when its rule holds.",
                "Arm",
            ),
            "disarm-one": Confirm(
                "Disarm {target}?", "It will not trip again until it is re-armed.", "Disarm"
            ),
        },
        show=True,
        footer="arm",
    ),
    Action("arm-breaker", "", "arm", "Arm one breaker (confirm)", "Act", each="Arm breaker {}"),
    Action(
        "disarm-breaker",
        "",
        "disarm",
        "Disarm one breaker (confirm)",
        "Act",
        each="Disarm breaker {}",
    ),
    # -- replay: the time machine (active, and in the footer, only when the engine is one) --
    Action(
        "replay-pause",
        "p",
        "replay('replay-pause')",
        "Replay: pause",
        "Replay",
        help="hold capture time",
        show=True,
        footer="pause",
    ),
    Action(
        "replay-resume",
        "P",
        "replay('replay-resume')",
        "Replay: resume",
        "Replay",
        show=True,
        footer="play",
    ),
    Action(
        "replay-step",
        "greater_than_sign",
        "replay('replay-step')",
        "Replay: step to the next alert",
        "Replay",
        help="runs flat out, pauses where it fires",
        show=True,
        footer="next alert",
    ),
    Action(
        "replay-speed",
        "v",
        "replay('replay-speed')",
        "Replay: next speed (×1, ×10, ×100, max)",
        "Replay",
        each="Replay: speed ×{}",
        show=True,
        footer="speed",
    ),
    Action(
        "replay-seek",
        "j",
        "replay('replay-seek')",
        "Replay: seek to a time (earlier or later)",
        "Replay",
        help="earlier or later",
        show=True,
        footer="seek",
    ),
    Action(
        "replay-seek-entry",
        "J",
        "replay('replay-seek-entry')",
        "Replay: seek to a journal entry",
        "Replay",
        help="an alert, a trip, a command: the moment it was written",
        show=True,
        footer="seek entry",
    ),
    # -- the console itself --
    Action(
        "command-palette",
        "ctrl+p,colon",
        "command_palette",
        "Command palette (every action)",
        "Console",
        show=True,
        footer="palette",
        palette=False,
    ),
    Action(
        "help",
        "question_mark",
        "help",
        "Help: the keys in effect, and what every symbol means",
        "Console",
        show=True,
        footer="keys·symbols",
    ),
    Action(
        "quit",
        "q",
        "request_quit",
        "Quit (confirms while commands are in flight)",
        "Console",
        confirm={
            "in-flight": Confirm("Quit with {n} command{s} in flight?", _QUIT_IN_FLIGHT, "Quit"),
            "always": Confirm("Quit?", "{note}", "Quit"),
        },
        show=True,
        footer="quit",
    ),
    Action("theme", "", "theme", "Switch the colour theme", "Console", each="Theme: {}"),
    Action("layout-next", "l", "next_layout", "Next layout", "Layout"),
    Action(
        "layout-switch",
        "",
        "switch_layout",
        "Switch to a named layout",
        "Layout",
        each="Switch layout: {}",
    ),
    Action("pane-grow", "plus,equals_sign", "pane_resize(1)", "Grow the focused pane", "Layout"),
    Action("pane-shrink", "minus", "pane_resize(-1)", "Shrink the focused pane", "Layout"),
    Action(
        "pane-swap", "s", "pane_swap", "Swap the focused pane's panel for the next one", "Layout"
    ),
    Action(
        "pane-show",
        "",
        "show_panel",
        "Show a panel in the focused pane",
        "Layout",
        help="replaces the pane's panel",
        each="Show {} in the focused pane",
    ),
    Action(
        "page-back",
        "left_square_bracket",
        "page(-1)",
        "Page the focused pane back (hidden columns, else rows)",
        "Layout",
    ),
    Action(
        "page-on",
        "right_square_bracket",
        "page(1)",
        "Page the focused pane on (hidden columns, else rows)",
        "Layout",
    ),
    Action("layout-write", "w", "layout_write", "Write the layout to a user file", "Layout"),
)

BY_ID: Final = {a.id: a for a in ACTIONS}


def confirm(action_id: str, variant: str = "", **fields: object) -> tuple[str, str, str]:
    """(question, detail, yes label) of one of an action's confirm dialogs."""
    return BY_ID[action_id].confirm[variant].format(**fields)
