"""Launch a console attached to an engine: settings, frame rate, the app, its exit code.

Command-line modules (attach, demo, replay) and the bench call :func:`run_console`;
Textual is imported inside it, after ``TEXTUAL_FPS`` is set, so importing this module
stays cheap.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from tui.console.credentials import login_name

if TYPE_CHECKING:  # Textual is imported only after TEXTUAL_FPS is set (see _set_fps)
    from textual.notifications import SeverityLevel

    from tui.console.tls import ClientTLS


def _set_fps(fps: float) -> None:
    # Textual reads TEXTUAL_FPS when it is first imported: set it before that, so the
    # screen's own refresh cap matches the console's render rate over slow links.
    os.environ["TEXTUAL_FPS"] = str(max(1, round(fps)))


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
