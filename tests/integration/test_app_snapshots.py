"""SVG snapshots of the console: the shipped layouts at 120×40 and 80×24 (default and
incident at 200×50 too), mid-incident, a stale console, and the themes, from the fixed
fixture model with a frozen clock (stable across runs). Each also checks that no pane
hides rows or venue columns without naming them in its border.

Regenerate after an intended change with ``pytest tests/test_app_snapshots.py
--snapshot-update`` and look at the SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.containers import VerticalScroll
from textual.pilot import Pilot

from tui.app.app import ConsoleApp
from tui.app.panels.matrix import MatrixPanel
from tui.app.panels.spreads import SpreadsPanel
from tui.app.panels.table import TablePanel
from tui.app.source import StaticSource

from support import console_model

SIZES = [(120, 40), (80, 24)]


async def settle(pilot: Pilot[Any]) -> None:
    """Every panel drawn, and every spread chart built at its final size (charts are
    built off the UI thread, so the screenshot waits for them)."""
    app = pilot.app
    assert isinstance(app, ConsoleApp)
    await app.rendered()
    for _ in range(200):
        await pilot.pause()
        await app.workers.wait_for_complete()
        # A chart squeezed to nothing (an explicit layout on a tiny terminal) has
        # nothing to build.
        charts = [c for c in app.query(SpreadsPanel) if c.content_region.area > 0]
        if all(c.builds > 0 and not getattr(c, "_stale", False) for c in charts):
            assert app.panel_errors == []
            await pilot.pause()
            nothing_hidden_silently(app)
            return
        await app.frame()
    raise AssertionError("spread charts never settled")


def nothing_hidden_silently(app: ConsoleApp) -> None:
    """Every pane with rows out of view says how many in its border; a matrix that
    drops venue columns names them there."""
    for panel in app.query(TablePanel):
        if panel.content_region.area == 0:
            continue
        body = panel.query_one(VerticalScroll)
        height = body.scrollable_content_region.height
        out = len(panel.order_shown) - height - int(body.scroll_y)
        if out > 0:
            assert f"↓ +{out}" in str(panel.border_subtitle), (panel.PANEL_ID, out)
        if isinstance(panel, MatrixPanel):
            quoting = {v for v, _ in app.source.model.instruments}
            note = str(panel.border_subtitle)
            named = (
                note.split("cols: ", 1)[1].split(" · ")[0].split(", ") if "cols: " in note else []
            )
            assert set(panel.shown_venues) | set(named) == quoting, note
            assert not set(panel.shown_venues) & set(named)


def console(layout: str, theme: str | None = None) -> ConsoleApp:
    return ConsoleApp(StaticSource(console_model.build()), layout=layout, theme=theme)


Snap = Callable[..., bool]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("layout", ["default", "compact", "incident", "spreads"])
def test_layout(snap_compare: Snap, layout: str, size: tuple[int, int]) -> None:
    assert snap_compare(console(layout), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("layout", ["default", "incident"])
def test_mid_incident_at_200x50(snap_compare: Snap, layout: str) -> None:
    """The large size of the three (80×24 and 120×40 are in ``test_layout``)."""
    assert snap_compare(console(layout), terminal_size=(200, 50), run_before=settle)


def test_stale_data_is_never_green(snap_compare: Snap) -> None:
    """The engine lost 25 s ago: every venue ? STALE, every pane says how old."""
    model = console_model.build()
    source = StaticSource(model)
    model.stale_after_s = 2.0
    model.link_down = "connection to the engine lost"
    fresh = model.fresh_mono or 0.0
    model.clock = lambda: fresh + 25.0
    app = ConsoleApp(source, layout="default")
    assert snap_compare(app, terminal_size=(120, 40), run_before=settle)


@pytest.mark.parametrize("theme", ["venuewatch-light", "venuewatch-colorblind"])
def test_theme(snap_compare: Snap, theme: str) -> None:
    assert snap_compare(console("default", theme), terminal_size=(120, 40), run_before=settle)


def test_no_color(snap_compare: Snap, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = console("compact")
    assert app.no_color  # Textual's own switch: a monochrome filter on every frame
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_restore_asks_to_confirm(snap_compare: Snap) -> None:
    async def confirm(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("r")

    assert snap_compare(console("incident"), terminal_size=(100, 30), run_before=confirm)


def test_help_lists_the_keymap(snap_compare: Snap) -> None:
    async def help_(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("question_mark")

    assert snap_compare(console("compact"), terminal_size=(100, 40), run_before=help_)
