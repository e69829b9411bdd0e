"""The console app: puts the screen together and wires the source to it.

Each concern lives in its own mixin, named for what it does: :mod:`rendering`
(the fixed-rate tick), :mod:`selecting` (what the keys act on),
:mod:`commanding` (commands to the engine and their outcomes),
:mod:`control_actions`, :mod:`replay_actions`, :mod:`pane_actions`,
:mod:`layout_actions` and :mod:`lifecycle` (attach, quit, a dead engine). This
class holds the state they share (declared in :mod:`console_base`), composes the
widgets and starts the timers and workers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.notifications import SeverityLevel
from textual.timer import Timer

from tui.app import keys, themes
from tui.app.asking import Asking
from tui.app.commanding import Commanding
from tui.app.control_actions import ControlActions
from tui.app.footer import KeysFooter
from tui.app.layout_actions import LayoutActions
from tui.app.layout_tree import Layout
from tui.app.layout_view import registry
from tui.app.lifecycle import Lifecycle
from tui.app.message_line import MessageLine
from tui.app.palette import ConsoleCommands
from tui.app.pane_actions import PaneActions
from tui.app.panel import Panel, Selection
from tui.app.panels import legend
from tui.app.rendering import Rendering
from tui.app.replay_actions import ReplayActions
from tui.app.screens import HelpScreen
from tui.app.selecting import Selecting
from tui.app.settings import Settings
from tui.app.source import LiveSource, Source
from tui.app.status_bar import NARROW, StatusBar, status


class ConsoleApp(
    Asking,
    Rendering,
    Selecting,
    Commanding,
    ControlActions,
    ReplayActions,
    PaneActions,
    LayoutActions,
    Lifecycle,
    App[int],
):
    CSS_PATH = "app.tcss"
    TITLE = "venuewatch"
    COMMANDS: ClassVar = {ConsoleCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        *keys.bindings(),
        Binding("ctrl+q", "request_quit", "quit", show=False, priority=True),
        Binding("enter", "details", "details", show=True),
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    NOTIFICATION_TIMEOUT: ClassVar[float] = 6.0

    def __init__(
        self,
        source: Source,
        *,
        settings: Settings | None = None,
        layout: str | None = None,
        theme: str | None = None,
        fps: float | None = None,
        title: str = "",
        quit_note: str = "",
        notes: list[tuple[str, SeverityLevel]] | None = None,
        engine_poll: Callable[[], int | None] | None = None,
    ) -> None:
        super().__init__()
        self.source = source
        self.settings = settings or Settings()
        self.fps = fps or self.settings.fps
        self._layout_arg = layout or self.settings.layout or None
        self._auto_layout = self._layout_arg is None
        self._theme_arg = theme or self.settings.theme
        self.quit_note = quit_note
        """When set, quitting always confirms and says this (the demo stops its engine)."""
        if title:
            self.sub_title = title
        self.selection = Selection()
        self.layout_spec: Layout | None = None
        self.layout_modified = False
        self.in_flight = 0
        self.notices: list[tuple[SeverityLevel, str]] = []
        """(severity, message) of every notification, oldest first."""
        self.outcomes: list[tuple[SeverityLevel, str]] = []
        """(severity, message) of every command notification, oldest first."""
        self.panel_errors: list[str] = []
        self._startup_notes = list(notes or [])
        self._panels: list[Panel] = []
        self._stale: set[Panel] = set()
        """Panels to draw: their data changed (or they were hidden) since they last drew."""
        self._held: set[Panel] = set()
        """Panels with new data that is not the engine's state, batched (rendering.SLOW_S)."""
        self._slow_next: dict[Panel, float] = {}
        self._turn = 0
        self.render_timer: Timer | None = None
        """The fixed-rate render tick (tests pause it to draw tick by tick)."""
        self._panel_classes = registry()
        self._route_pinned = False
        self._frame = asyncio.Event()
        self.ticks = 0
        self._relayout = False
        # Kept by reference: a modal (palette, help) may be the active screen when the
        # clock ticks or the terminal resizes, and App.query would search the modal.
        self._status = StatusBar()
        self._body = Container(id="body")
        self._message = MessageLine()
        self._engine_poll = engine_poll
        """Exit code of a local engine process, or None while it runs (the demo's)."""
        self._engine_dead = False
        self._urgent_until = 0.0
        self._under_dialog_next = 0.0
        self._stale_seen: tuple[int, str, int] | None = None

    def compose(self) -> ComposeResult:
        yield self._status
        yield self._body
        yield self._message
        yield KeysFooter(show_command_palette=False)

    async def on_mount(self) -> None:
        self.set_keymap(dict(self.settings.keys))
        for theme in themes.THEMES:
            self.register_theme(theme)
        self.set_theme(self._theme_arg)
        await self._mount_layout(self._initial_layout())
        for message, severity in self._startup_notes:
            self.notify(message, severity=severity, timeout=15)
        self.source.on_change = self._on_source_change
        self.source.on_frame = self._on_frame
        if isinstance(self.source, LiveSource):
            self.source.on_notice = lambda text: self.notify(text, severity="warning", timeout=30)
            self.run_worker(self.source.run(), name="engine-link", group="source")
            self.run_worker(self._watch_first_attach(), name="first-attach", group="source")
        self.render_timer = self.set_interval(1.0 / self.fps, self._tick, name="render")
        if self._engine_poll is not None:
            self.set_interval(0.5, self._check_engine, name="engine-process")
        self.call_after_refresh(self._tick)

    async def on_unmount(self) -> None:
        # Detach cleanly: the engine logs the console leaving instead of a broken socket.
        await self.source.close()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification is also kept in ``notices``; messages are plain text by
        default (file paths and TOML like ``[keys]`` must not be read as markup)."""
        self.notices.append((severity, message))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def tell(self, message: str, severity: SeverityLevel = "information") -> None:
        """A key's answer, in the message line (no toast: see :mod:`message_line`);
        kept in ``notices`` like every notification."""
        self.notices.append((severity, message))
        self._message.say(severity, message)

    @property
    def message_line(self) -> MessageLine:
        return self._message

    @property
    def status_bar(self) -> StatusBar:
        """The status bar (kept by reference: a dialog may be the active screen)."""
        return self._status

    def _show_status(self) -> None:
        spec = self.layout_spec
        # The layout's name only where there is room, or when it has unsaved changes.
        layout = ""
        if spec is not None and (self.layout_modified or self.size.width >= 140):
            layout = f"{spec.name}{'*' if self.layout_modified else ''}"
        narrow = self.size.width < NARROW
        self._status.show(*status(self.source, self.selection, self.in_flight, layout, narrow))

    def action_help(self) -> None:
        effective = keys.effective(self.settings.keys)
        display = {
            bid: " ".join(self.get_key_display(Binding(k.strip(), "")) for k in value.split(","))
            for bid, value in effective.items()
        }
        notes = (
            f"Selected: {self.selection.venue or '-'} · {self.selection.instrument or '-'} · "
            f"route {self.selection.route or '-'}. tab moves between panes; enter shows "
            "the focused pane's rows in full. A question in the message line: y confirms, "
            "n or escape cancels, any other key cancels and is not run.\n\n" + legend.text()
        )
        self.push_screen(HelpScreen(effective, display, notes))

    def action_theme(self, name: str) -> None:
        self.set_theme(name)

    def set_theme(self, name: str) -> None:
        resolved = themes.resolve(name)
        if resolved in self.available_themes:
            self.theme = resolved
            return
        self.theme = themes.DARK
        self.notify(
            f"unknown theme {name!r}; using {themes.DARK} (available: "
            f"{', '.join(themes.NAMES)} and Textual's own)",
            severity="error",
        )
