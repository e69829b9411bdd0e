"""What the app's concerns share: the state and the calls each may make on the others.

The console app is put together from mixins with one concern each (rendering,
selection, commands, control actions, replay actions, pane views, layouts,
quitting). Textual finds an action by the ``action_*`` method's name on the app,
so each key and palette entry must end up as a method of the app; a mixin per
concern keeps that true without one long class. A mixin never imports another:
it reaches the rest of the app through :class:`ConsoleBase`, which declares the
attributes :class:`~tui.app.app.ConsoleApp` sets and the methods another mixin
provides. At run time it is plain ``object``, so the real ``App`` comes once, last,
in the app's bases.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable

    from textual.app import App
    from textual.containers import Container
    from textual.notifications import SeverityLevel

    from tui.app.layout_tree import Layout
    from tui.app.layout_view import Pane, Panels
    from tui.app.message_line import MessageLine
    from tui.app.panel import Panel, Selection
    from tui.app.settings import Settings
    from tui.app.source import Source
    from tui.app.status_bar import StatusBar
    from tui.console.model import ConsoleModel

    class ConsoleBase(App[int]):
        source: Source
        settings: Settings
        selection: Selection
        layout_spec: Layout | None
        layout_modified: bool
        in_flight: int
        quit_note: str
        notices: list[tuple[SeverityLevel, str]]
        outcomes: list[tuple[SeverityLevel, str]]
        panel_errors: list[str]
        ticks: int
        _panels: list[Panel]
        _stale: set[Panel]
        _held: set[Panel]
        _slow_next: dict[Panel, float]
        _turn: int
        _panel_classes: Panels
        _route_pinned: bool
        _frame: asyncio.Event
        _relayout: bool
        _status: StatusBar
        _message: MessageLine
        _body: Container
        _layout_arg: str | None
        _auto_layout: bool
        _engine_poll: Callable[[], int | None] | None
        _engine_dead: bool
        _urgent_until: float
        _under_dialog_next: float
        _stale_seen: tuple[int, str, int] | None

        # Provided by the mixins (named here so each can call the others).
        def _tick(self) -> None: ...
        def _show_status(self) -> None: ...
        def tell(self, message: str, severity: SeverityLevel = ...) -> None: ...
        def ask(self, texts: tuple[str, str, str], then: Callable[[], object]) -> None: ...
        def _sync_selection(self, model: ConsoleModel) -> bool: ...
        def _follow_terminal(self) -> None: ...
        def focused_pane(self) -> Pane | None: ...
        def select(
            self,
            venue: str | None = None,
            instrument: str | None = None,
            route: str | None = None,
        ) -> None: ...
        def send(self, action: str, reason: str = "", **args: str) -> None: ...
        def _need(self, what: str, value: str | None) -> bool: ...
        def me(self) -> str: ...
        async def show_panel(self, panel_id: str) -> None: ...
        async def switch_layout(self, name: str) -> None: ...

else:
    ConsoleBase = object
