"""Layout files: shipped ones valid, bad ones explained, save → load identical, shadowing,
and the app falling back to the default layout with one clear notification."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.app import layout_file as lf
from tui.app.layout_file import Layout, LayoutError, Leaf, Size, Split


def test_every_shipped_layout_is_valid_and_documented() -> None:
    for name in lf.SHIPPED:
        text = lf.shipped_text(name)
        assert text.startswith("# venuewatch layout."), f"{name}.toml lacks its format header"
        layout = lf.load(name)
        assert layout.name == name and layout.description
        assert set(layout.panels()) <= set(lf.PANEL_IDS)
    assert set(lf.load("default").panels()) == {
        "venues",
        "matrix",
        "alerts",
        "timeline",
        "spreads",
        "routes",
    }
    assert {"venues", "alerts", "timeline"} <= set(lf.load("compact").panels())
    assert {"alerts", "timeline"} <= set(lf.load("incident").panels())
    assert {"spreads", "ladder"} <= set(lf.load("spreads").panels())


def test_parse_builds_the_tree_with_sizes_and_params() -> None:
    text = """
root = "main"
[node.main]
split = "horizontal"
children = ["left", "right"]
[node.left]
size = "40%"
panel = "venues"
params = { order = "config", venues = ["kraken", "okx"] }
[node.right]
size = 30
panel = "alerts"
"""
    layout = lf.parse(text, "t.toml", "t")
    assert layout == Layout(
        "t",
        Split(
            "main",
            "horizontal",
            [
                Leaf(
                    "left",
                    "venues",
                    Size(40, "%"),
                    {"order": "config", "venues": ["kraken", "okx"]},
                ),
                Leaf("right", "alerts", Size(30, "cells")),
            ],
        ),
    )
    assert layout.parent_of("right") is layout.root
    assert Size.parse("2fr").css() == "2fr" and Size.parse("12").css() == "12"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # TOML syntax: the line from the parser
            'root = "main"\n[node.main\npanel = "venues"\n',
            ["bad.toml: line 2: TOML syntax", "Expected ']'"],
        ),
        (  # unknown panel: field path, line, and the panels there are
            'root = "main"\n\n[node.main]\npanel = "venu"\n',
            [
                "bad.toml: line 4: node.main.panel: unknown panel 'venu'",
                "expected one of: venues, matrix, spreads, ladder, alerts, timeline, routes",
            ],
        ),
        (  # bad size
            'root = "m"\n[node.m]\nsplit = "vertical"\nchildren = ["a"]\n[node.a]\n'
            'size = "big"\npanel = "alerts"\n',
            [
                'bad.toml: line 6: node.a.size: expected a size like "2fr", "40%" or a '
                "number of cells (12), got 'big'"
            ],
        ),
        (  # wrong type
            'root = "m"\n[node.m]\nsplit = "vertical"\nchildren = "a"\n'
            '[node.a]\npanel = "alerts"\n',
            [
                "bad.toml: line 4: node.m.children: Expected `array`, got `str`",
            ],
        ),
        (  # wrong type for a panel name
            'root = "m"\n[node.m]\npanel = 3\n',
            ["bad.toml: line 3: node.m.panel: Expected `str`, got `int`"],
        ),
        (  # a split that is not horizontal/vertical
            'root = "m"\n[node.m]\nsplit = "diagonal"\nchildren = ["a"]\n'
            '[node.a]\npanel = "alerts"\n',
            ["bad.toml: line 3: node.m.split: Invalid enum value 'diagonal'"],
        ),
        (  # unknown key, e.g. a typo
            'root = "m"\n[node.m]\npanle = "alerts"\n',
            [
                "bad.toml: line 3: node.m.panle: unknown key (did you mean 'panel'? "
                "expected one of: size, split, children, panel, params)"
            ],
        ),
        (  # a node nobody uses
            'root = "m"\n[node.m]\npanel = "alerts"\n[node.x]\npanel = "venues"\n',
            ["bad.toml: line 4: node.x: defined but not used"],
        ),
        (  # a cycle
            'root = "m"\n[node.m]\nsplit = "vertical"\nchildren = ["m"]\n',
            ["node.m: used twice"],
        ),
        ('[node.m]\npanel = "alerts"\n', ["root: missing"]),
        (
            'root = "m"\n[node.m]\nsplit = "vertical"\nchildren = ["a", "b"]\n[node.a]\n'
            'size = "70%"\npanel = "alerts"\n[node.b]\nsize = "40%"\npanel = "venues"\n',
            ["node.m.children: children's sizes add up to 110% (at most 100%)"],
        ),
    ],
)
def test_bad_layouts_name_file_place_and_what_was_expected(text: str, expected: list[str]) -> None:
    with pytest.raises(LayoutError) as err:
        lf.parse(text, "bad.toml", "bad")
    for part in expected:
        assert part in str(err.value)


def test_saved_layout_loads_back_identically(tmp_path: Path) -> None:
    for name in lf.SHIPPED:
        original = lf.load(name)
        path = lf.save(original, directory=tmp_path)
        assert path == tmp_path / f"{name}.toml"
        assert lf.load_file(path) == original
    odd = Layout(
        "odd",
        Split(
            "root",
            "vertical",
            [
                Leaf(
                    "a",
                    "matrix",
                    Size(2.5, "fr"),
                    {
                        "instruments": ["BTC-USD", 'quote "x"\\y\tz', "Δ"],
                        "venues": ["name with space"],
                    },
                ),
                Split(
                    "b",
                    "horizontal",
                    [
                        Leaf("c", "ladder", Size(12, "cells")),
                        Leaf("d", "spreads", params={"window": 0.25}),
                        Leaf("e", "timeline", params={"limit": 5, "notes": False}),
                    ],
                    Size(35, "%"),
                ),
            ],
            Size(3, "fr"),
        ),
        description='a layout with "quotes" and unicode: Δ',
    )
    assert lf.parse(lf.dumps(odd), "odd.toml", "odd") == odd


def test_user_layout_shadows_shipped_and_is_listed() -> None:
    shipped = lf.load("incident")
    assert lf.available()["incident"] == "shipped"
    mine = Layout("incident", Leaf("only", "alerts"), description="mine")
    path = lf.save(mine)
    assert path == lf.user_dir() / "incident.toml"
    assert lf.load("incident") == mine != shipped
    assert lf.available()["incident"] == str(path)


def test_unknown_layout_name_lists_what_exists() -> None:
    with pytest.raises(LayoutError, match=r"no layout named 'nope' .*default.*incident"):
        lf.load("nope")


def test_resize_steps_stay_usable() -> None:
    assert Size(1, "fr").step(1) == Size(1.5, "fr")
    assert Size(0.5, "fr").step(-1) == Size(0.5, "fr")
    assert Size(95, "%").step(1) == Size(95, "%")
    assert Size(4, "cells").step(-1) == Size(3, "cells")


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "venues": st.lists(st.text(max_size=12), max_size=3),
            "order": st.sampled_from(["worst", "config"]),
        },
    )
)
def test_any_panel_params_survive_a_save_and_a_load(params: dict[str, object]) -> None:
    """Saved layouts are written by a TOML library: any value (quotes, newlines, control
    characters) reads back exactly. (Parameters are typed per panel, so only the venues
    panel's own keys are generated.)"""
    layout = Layout("p", Leaf("only", "venues", params=params))
    assert lf.parse(lf.dumps(layout), "p.toml", "p") == layout
