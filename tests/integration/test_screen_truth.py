"""The console from the fixed fixture model (no engine): digits select a fixed venue
order shown beside each row, focus is a glyph, enter shows a pane's rows in full,
and ``?`` explains every state symbol."""

from __future__ import annotations

from tui.app.app import ConsoleApp
from tui.app.detail import DetailScreen
from tui.app.panels import marks
from tui.app.panels.alerts import AlertsPanel
from tui.app.panels.venues import VenuesPanel
from tui.app.screens import HelpScreen
from tui.app.settings import Settings
from tui.app.source import StaticSource

from support import console_model


def app_for(settings: Settings | None = None) -> ConsoleApp:
    return ConsoleApp(StaticSource(console_model.build()), layout="default", settings=settings)


async def test_digits_follow_a_fixed_order_not_the_row_order() -> None:
    app = app_for(Settings(venue_order=["deribit", "kraken"]))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.rendered()
        panel = app.query_one(VenuesPanel)
        rows = {k: panel.rows[k].shown.plain for k in panel.order_shown}
        assert panel.order_shown[0] == "kraken"  # worst first…
        assert rows["kraken"].startswith("2") and rows["deribit"].startswith("1")
        assert rows["binance"].startswith("3")  # …then the engine's order
        await pilot.press("1")
        assert app.selection.venue == "deribit"
        await pilot.press("2")
        assert app.selection.venue == "kraken"


async def test_enter_shows_the_focused_pane_in_full_and_focus_is_a_glyph() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.rendered()
        app.query_one("#pane-alerts").focus()
        await pilot.pause()  # the focus change is processed before the next frame marks it
        await app.frame()
        alerts = app.query_one(AlertsPanel)
        assert str(alerts.border_title).startswith("» ")
        assert not str(app.query_one(VenuesPanel).border_title).startswith("» ")
        cut = [r.shown.plain for r in alerts.rows.values() if "kraken: no frame" in r.shown.plain]
        assert cut and "…" in cut[0]  # on screen, elided in the middle
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        full = "\n".join(r.plain for r in app.screen.rows)
        kraken = next(a for a in app.source.model.alerts if a.venue == "kraken")
        assert kraken.summary in full
        await pilot.press("escape")
        assert not isinstance(app.screen, DetailScreen)


async def test_help_explains_every_state_symbol() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.rendered()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        notes = app.screen.notes
        for word, _style in marks.STATES.values():
            assert word in notes
        for symbol in (marks.STALE_WORD, "⊘", "no ref", "↓ +3", "→ +3 cols", "! / !!"):
            assert symbol in notes
