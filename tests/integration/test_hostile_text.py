"""Finding 5: a note full of escape sequences, typed on one console, reaches another
operator's screen and the incident report escaped, never interpreted."""

from __future__ import annotations

import time

from tui import report
from tui.app.app import ConsoleApp
from tui.app.source import LiveSource
from tui.report import html, md

from support.engine_rig import TOKEN
from support.fixtures import StartEngine

NOTE = "pwn\x1b[2J\x1b]0;t\x07\u202eevil"
SHOWN = "pwn\\x1b[2J\\x1b]0;t\\x07\\u202eevil"


async def test_escape_sequences_in_a_note_are_rendered_escaped_in_the_app_and_report(
    engine: StartEngine,
) -> None:
    rig = await engine(["binance"])
    mallory = await rig.console("mallory")
    source = LiveSource(rig.service.server.url, TOKEN, "alice")
    app = ConsoleApp(source, layout="default")
    async with app.run_test(size=(160, 50)) as pilot:
        deadline = time.monotonic() + 15
        while source.state != "attached":
            assert time.monotonic() < deadline, "console never attached"
            await app.frame()
        outcome = await mallory.command("note", text=NOTE)
        assert outcome.ok
        shot = ""
        while SHOWN not in shot:
            assert time.monotonic() < deadline, f"note never shown escaped:\n{shot[-2000:]}"
            await app.frame()
            await pilot.pause()
            shot = app.export_screenshot()
        assert "\x1b" not in shot and "\u202e" not in shot
        # The model the panels draw from never holds the raw bytes either.
        texts = [str(e) for e in source.model.journal]
        assert any(SHOWN.replace("\\", "\\\\") in t for t in texts)
        assert not any("\x1b" in t for t in texts)
    await rig.stop()
    built = report.build(rig.journal_path)
    for rendered in (md.render(built), html.render(built)):
        assert SHOWN in rendered
        assert "\x1b" not in rendered and "\u202e" not in rendered and "\x07" not in rendered
    # The journal keeps the exact text as evidence (JSON-escaped, so still inert).
    assert "\\u001b[2J" in rig.journal_path.read_text()
