"""Launch a console attached to an engine: settings, frame rate, the app, its exit code.

Command-line modules (attach, demo, replay) and the bench call :func:`run_console`;
Textual is imported inside it, after ``TEXTUAL_FPS`` is set, so importing this module
stays cheap.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final

from tui.console.credentials import login_name

if TYPE_CHECKING:  # Textual is imported only after TEXTUAL_FPS is set (see _set_fps)
    from textual.notifications import SeverityLevel

    from tui.console.tls import ClientTLS


SCREEN_FPS: Final = 60
"""Textual's own cap on screen writes (its default). The console's render tick
(``fps``) already bounds how often panels change, so a slow link is spared by that;
this cap only sets how soon a drawn change is written."""


def _set_fps(fps: float) -> None:
    # Textual reads TEXTUAL_FPS when it is first imported: set it before that. It was
    # the render rate (10), and every drawn change, a command's effect drawn as it
    # landed included, then waited for Textual's next 100 ms write slot (key → screen
    # p50 106 ms at 2x load, of which the engine's part was 9). The render tick stays
    # ``fps``; writes follow a draw within one SCREEN_FPS period.
    os.environ["TEXTUAL_FPS"] = str(textual_fps(fps))


def textual_fps(fps: float) -> int:
    """The screen's write cap for a console rendering at ``fps``: never below it."""
    return max(SCREEN_FPS, round(fps))


def run_console(
    url: str,
    token: str,
    *,
    user: str,
    layout: str | None,
    theme: str | None,
    fps: float | None,
    title: str = "",
    quit_note: str = "",
    engine_poll: Callable[[], int | None] | None = None,
    tls: ClientTLS | None = None,
    resolve: Callable[[], Awaitable[str]] | None = None,
) -> int:
    """Run a console attached to the engine at ``url`` until the responder quits.

    ``engine_poll`` (the demo passes ``Popen.poll``) lets the console notice that a
    local engine process died; ``quit_note`` makes quitting confirm with that text;
    ``resolve`` (engine HA) names the active engine's URL before every re-attach."""
    from tui.app import settings as settings_mod

    notes: list[tuple[str, SeverityLevel]] = []
    try:
        settings = settings_mod.load()
    except settings_mod.SettingsError as exc:
        # A typo in console.toml must not keep a responder out mid-incident: say it
        # on stderr and in the console, and run with the defaults.
        print(f"venuewatch: {exc} (using default settings)", file=sys.stderr)
        notes.append((f"{exc}\nUsing default settings.", "error"))
        settings = settings_mod.Settings()
    fps = fps or settings.fps
    _set_fps(fps)

    from tui.app.app import ConsoleApp
    from tui.app.source import LiveSource

    who = user or settings.user or login_name()
    from functools import partial

    from tui.console.client import ConsoleClient

    app = ConsoleApp(
        LiveSource(
            url, token, who, client_factory=partial(ConsoleClient, tls=tls), resolve=resolve
        ),
        settings=settings,
        layout=layout,
        theme=theme,
        fps=fps,
        title=title,
        quit_note=quit_note,
        notes=notes,
        engine_poll=engine_poll,
    )
    result = app.run()
    if app.return_code is not None:
        return app.return_code
    return result if isinstance(result, int) else 0
