"""The action registry is the one place an action's key, title, help and confirm text
live: the keymap, the help screen (``?``), the palette and the confirm dialogs all
read it. Driven against the fixture model (no engine)."""

from __future__ import annotations

import dataclasses

import pytest
from textual.widgets import Static

from tui.app import actions, palette
from tui.app.app import ConsoleApp
from tui.app.screens import HelpScreen
from tui.app.source import StaticSource

from support import console_model


def app_for() -> ConsoleApp:
    return ConsoleApp(StaticSource(console_model.build()), layout="default")


def help_text(screen: HelpScreen) -> str:
    return "\n".join(str(s.render()) for s in screen.query(Static))


def retitle(monkeypatch: pytest.MonkeyPatch, action_id: str, **changes: object) -> None:
    """Change one action in the registry, where every reader looks it up."""
    new = dataclasses.replace(actions.BY_ID[action_id], **changes)  # type: ignore[arg-type]
    monkeypatch.setattr(
        actions, "ACTIONS", tuple(new if a.id == action_id else a for a in actions.ACTIONS)
    )
    monkeypatch.setitem(actions.BY_ID, action_id, new)


async def test_every_keyed_action_is_bound_shown_in_help_and_listed_in_the_palette() -> None:
    bound = {b.id: b for b in ConsoleApp.BINDINGS if not isinstance(b, tuple) and b.id}
    app = app_for()
    async with app.run_test(size=(120, 60)) as pilot:
        await app.rendered()
        titles = {e.title for e in palette.entries(app)}
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = help_text(app.screen)
    digits = {f"venue-{n}" for n in range(1, 10)}
    assert "venue-1 … venue-9" in shown and "Venue #n in display order" in shown  # one row
    for a in actions.ACTIONS:
        if a.key:
            b = bound[a.id]
            assert (b.key, b.action) == (a.key, a.action), a.id
            if a.id not in digits:
                assert a.id in shown and a.title in shown, a.id
        else:
            assert a.id not in bound and a.each, a.id  # palette-only: listed per name
        if a.palette and a.key and a.group != "Replay":  # replay entries: in a replay only
            assert a.title in titles, a.id
        if not a.palette:
            assert a.title not in titles, a.id
    # Palette-only actions appear once per name, titled from the registry.
    assert actions.BY_ID["layout-switch"].each.format("incident") in titles
    assert actions.BY_ID["theme"].each.format("venuewatch-light") in titles
    assert actions.BY_ID["isolate-venue"].each.format("kraken") in titles


async def test_a_title_changed_in_the_registry_shows_in_help_and_palette(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    retitle(monkeypatch, "failover-route", title="Move the route elsewhere", each="Move {} away")
    app = app_for()
    async with app.run_test(size=(120, 60)) as pilot:
        await app.rendered()
        titles = [e.title for e in palette.entries(app)]
        assert "Move the route elsewhere" in titles
        assert "Move btc-usd-ref away" in titles and "Fail over btc-usd-ref" not in titles
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = help_text(app.screen)
        assert "Move the route elsewhere" in text and "Fail over the selected route" not in text


async def test_confirm_dialogs_take_their_text_from_the_registry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    restore = actions.Confirm("Really bring {venue} back?", "{now}Probation follows.", "Bring back")
    retitle(monkeypatch, "restore-venue", confirm={"": restore})
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.rendered()
        venue = app.selection.venue
        await pilot.press("r")
        q = app.question
        assert q is not None
        assert q.question == f"Really bring {venue} back?"
        assert q.detail.endswith("Probation follows.")
        assert q.yes == "Bring back"
        assert "y: Bring back" in app.message_line.plain
        await pilot.press("n")
        # The palette's per-venue restore runs the same action, so the same dialog.
        (entry,) = [e for e in palette.entries(app) if e.title == "Restore kraken"]
        assert entry.action == "restore('kraken')"
        await app.run_action(entry.action)
        await pilot.pause()
        assert app.question is not None
        assert app.question.question == "Really bring kraken back?"


async def test_palette_entries_are_action_strings_the_app_runs() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.rendered()
        entries = {e.title: e for e in palette.entries(app)}
        pick = entries[actions.BY_ID["select-venue"].each.format("okx")]
        assert pick.action == "pick_venue('okx')"
        pick.run()
        await pilot.pause()
        assert app.selection.venue == "okx"
        layout = entries[actions.BY_ID["layout-switch"].each.format("incident")]
        layout.run()
        await pilot.pause()
        await app.rendered()
        assert app.layout_spec is not None and app.layout_spec.name == "incident"
