"""Layout files: shipped ones valid, bad ones explained, save → load identical, shadowing,
and the app falling back to the default layout with one clear notification."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tui.app import layout_file as lf
from tui.app.app import ConsoleApp
from tui.app.layout_view import MissingPanel, Pane
from tui.app.panel import Panel
from tui.app.source import StaticSource

from support import console_model


async def test_app_falls_back_to_default_on_a_bad_layout_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text('root = "m"\n[node.m]\npanel = "charts"\n', encoding="utf-8")
    app = ConsoleApp(StaticSource(console_model.build()), layout=str(bad))
    async with app.run_test(size=(120, 40)):
        await app.rendered()
        assert app.layout_spec is not None and app.layout_spec.name == "default"
        errors = [m for sev, m in app.notices if sev == "error"]
        assert len(errors) == 1
        msg = errors[0]
        assert str(bad) in msg and "line 3: node.m.panel: unknown panel 'charts'" in msg
        assert "Using the default layout instead." in msg


async def test_broken_user_file_shadowing_a_shipped_layout_falls_back_to_shipped() -> None:
    lf.user_dir().mkdir(parents=True)
    (lf.user_dir() / "default.toml").write_text("root = [\n", encoding="utf-8")
    app = ConsoleApp(StaticSource(console_model.build()))
    async with app.run_test(size=(120, 40)):
        await app.rendered()
        assert app.layout_spec == lf.parse(lf.shipped_text("default"), "x", "default")
        (note,) = [m for sev, m in app.notices if sev == "error"]
        assert "default.toml: line 1: TOML syntax" in note


async def test_resize_swap_and_write_round_trip_through_the_app() -> None:
    app = ConsoleApp(StaticSource(console_model.build()), layout="incident")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.rendered()
        pane = app.focused_pane()
        assert pane is not None and pane.leaf.name == "venues"
        before = pane.leaf.size
        await pilot.press("plus", "plus")
        assert pane.leaf.size == before.step(1).step(1)
        assert pane.styles.width is not None and str(pane.styles.width) == pane.leaf.size.css()
        await pilot.press("s")  # venues -> the next panel id
        assert pane.leaf.panel == "matrix"
        assert app.layout_modified
        await pilot.press("w")
        await pilot.press(*"my-desk", "enter")
        await pilot.pause()
        saved = lf.user_dir() / "my-desk.toml"
        assert saved.is_file()
        assert lf.load("my-desk").root == app.layout_spec.root  # type: ignore[union-attr]
        assert not app.layout_modified
        await app.switch_layout("default")
        assert [p.leaf.panel for p in app.query(Pane)] == lf.load("default").panels()
        await app.switch_layout("my-desk")
        assert app.query(Pane).first().leaf.panel == "matrix"


async def test_a_panel_that_fails_to_import_shows_its_error_in_its_own_pane(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A fresh import of the panels, as in a new process, where the spreads panel's
    # module cannot be imported (None in sys.modules makes its import raise, as a
    # missing dependency of that module would).
    for name in [n for n in sys.modules if n.startswith("tui.app.panels")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "tui.app.panels.spreads", None)
    app = ConsoleApp(StaticSource(console_model.build()), layout="default")
    async with app.run_test(size=(120, 40)):
        await app.rendered()
        broken = app.query_one("#pane-spreads", Pane).panel
        assert isinstance(broken, MissingPanel)
        text = str(broken.render())
        assert text == (
            "panel 'spreads' failed to load: ModuleNotFoundError: "
            "import of tui.app.panels.spreads halted; None in sys.modules"
        )
        # Every other pane holds its panel and has drawn the model.
        others = [p.panel for p in app.query(Pane) if p.leaf.panel != "spreads"]
        assert others and all(isinstance(p, Panel) for p in others)
        venues = app.query_one("#pane-health", Pane).panel
        assert "kraken" in getattr(venues, "order_shown", [])
