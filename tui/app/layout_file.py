"""Layout files: parsing with errors a person can act on, finding, loading and saving.

A layout is a tree: *splits* lay their children side by side (``horizontal``)
or stacked (``vertical``), each child with a size; *leaves* hold one panel and
its parameters. In TOML every node is a named table under ``[node.NAME]`` and a
split lists its children by name, so the file stays flat and readable however
deep the tree is (TOML 1.0 inline tables cannot span lines, and nested
``[[a.b.c]]`` arrays get unreadable past two levels)::

    root = "main"

    [node.main]
    split = "vertical"            # children stacked, top to bottom
    children = ["top", "alerts"]

    [node.top]
    size = "2fr"
    split = "horizontal"          # children side by side, left to right
    children = ["venues", "matrix"]

    [node.venues]
    size = "40%"
    panel = "venues"

    [node.matrix]
    panel = "matrix"
    params = { instrument = "BTC-USD" }

    [node.alerts]
    size = 12                     # cells (rows here, columns in a horizontal split)
    panel = "alerts"

The tree itself (:class:`Layout`, :class:`Split`, :class:`Leaf`, :class:`Size`) is
in :mod:`tui.app.layout_tree` (re-exported here). This module never imports
Textual, so every rule here is unit-testable; the widget tree is built by
:mod:`tui.app.layout_view`.
"""

from __future__ import annotations

import difflib
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any, Final

import tomli_w

from tui import tomlfile
from tui.app.layout_schema import PANEL_PARAMS, LayoutSpec, NodeSpec
from tui.app.layout_tree import FR1, Layout, Leaf, Node, Size, Split, number_text
from tui.errors import UserError
from tui.paths import config_dir

__all__ = [
    "COMPACT",
    "DEFAULT",
    "PANEL_IDS",
    "SHIPPED",
    "Layout",
    "LayoutError",
    "Leaf",
    "Node",
    "Size",
    "Split",
    "available",
    "dumps",
    "load",
    "load_file",
    "parse",
    "save",
    "shipped_text",
    "user_dir",
]

PANEL_IDS: Final = ("venues", "matrix", "spreads", "ladder", "alerts", "timeline", "routes")
"""Every panel a layout may name (the panels package registers one class per id)."""

SHIPPED: Final = ("default", "compact", "incident", "spreads")
DEFAULT: Final = "default"
COMPACT: Final = "compact"

_NAME_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}\Z")
_LAYOUT_NAME_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")

HEADER: Final = """\
# venuewatch layout. Splits lay their children side by side ("horizontal") or
# stacked ("vertical"); leaves show one panel. Every node is a [node.NAME] table:
#   size     = "2fr" (share of what is left), "40%" or 12 (cells); default "1fr"
#   split    = "horizontal" | "vertical", with children = ["name", ...]
#   panel    = one of: venues, matrix, spreads, ladder, alerts, timeline, routes
#   params   = { key = value } passed to the panel
# `root` names the top node. Save your own from the console with `w`; files in
# $XDG_CONFIG_HOME/venuewatch/layouts/ shadow the shipped ones by name.
"""


class LayoutError(UserError, ValueError):
    """A layout that cannot be used; the message names the file, the line or field, and
    what was expected."""


# -- parsing -------------------------------------------------------------------------------


MAX_DEPTH = 16
"""Deepest split nesting a layout may have (a terminal shows far fewer)."""


def parse(text: str, source: str, name: str) -> Layout:
    """A layout from TOML text; ``source`` names the file in error messages."""
    data = tomlfile.loads(text, source, LayoutError)
    spec = tomlfile.convert(data, LayoutSpec, source, text, LayoutError)
    return _Tree(text, source, data).layout(spec, name)


class _Tree:
    """The rules across nodes that types cannot express: the root exists, every node has
    one place, no cycles, leaf or split, percentages fit."""

    def __init__(self, text: str, source: str, data: dict[str, Any]) -> None:
        self.text = text
        self.source = source
        raw = data.get("node")
        self.raw: dict[str, Any] = raw if isinstance(raw, dict) else {}

    def fail(self, path: tuple[str, ...], problem: str) -> UserError:
        return tomlfile.located(LayoutError, self.source, self.text, path, problem)

    def layout(self, spec: LayoutSpec, name: str) -> Layout:
        nodes = spec.node
        if not spec.root:
            raise self.fail(("root",), 'missing: name the top node, e.g. root = "main"')
        if not nodes:
            raise self.fail(("node",), "expected [node.NAME] tables describing the layout")
        if spec.root not in nodes:
            raise self.fail(("root",), f"no node {spec.root!r} (nodes: {', '.join(nodes)})")
        used: set[str] = set()
        tree = self.node(nodes, spec.root, used)
        unused = [n for n in nodes if n not in used]
        if unused:
            raise self.fail(
                ("node", unused[0]),
                "defined but not used: list it in a split's children or delete it",
            )
        return Layout(name=name, root=tree, description=spec.description)

    def node(self, nodes: dict[str, NodeSpec], name: str, used: set[str], depth: int = 1) -> Node:
        path = ("node", name)
        if depth > MAX_DEPTH:
            # A screen cannot show it, and deeper recursion here and in the widgets would
            # end in RecursionError: name the node instead.
            raise self.fail(path, f"splits nested deeper than {MAX_DEPTH} levels")
        if name in used:
            raise self.fail(path, "used twice (a node has one place in the tree)")
        used.add(name)
        if not _NAME_RE.match(name):
            raise self.fail(
                path,
                "a node name is letters, digits, '_' and '-', not starting with a digit or '-'",
            )
        spec = nodes[name]
        given = self.raw.get(name, {})
        try:
            size = Size.parse(spec.size)
        except ValueError as exc:
            raise self.fail((*path, "size"), str(exc)) from None
        if "panel" in given:
            for key in ("split", "children"):
                if key in given:
                    raise self.fail((*path, key), "a node has either a panel or a split, not both")
            return self.leaf(name, spec, size)
        if "split" not in given:
            raise self.fail(
                path,
                'expected panel = "..." (a leaf) or split = "horizontal" | '
                '"vertical" with children = [...]',
            )
        if "params" in given:
            raise self.fail((*path, "params"), "params belong to a panel node, not a split")
        if not spec.children:
            raise self.fail(
                (*path, "children"), 'expected a list of node names like ["a", "b"], got []'
            )
        for child in spec.children:
            if child not in nodes:
                raise self.fail(
                    (*path, "children"), f"no node {child!r} (nodes: {', '.join(nodes)})"
                )
        kids = [self.node(nodes, c, used, depth + 1) for c in spec.children]
        percent = sum(k.size.value for k in kids if k.size.unit == "%")
        if percent > 100:
            total = number_text(percent)
            raise self.fail(
                (*path, "children"), f"children's sizes add up to {total}% (at most 100%)"
            )
        assert spec.split  # "split" was given and the Literal admits only the two directions
        return Split(name=name, direction=spec.split, children=kids, size=size)

    def leaf(self, name: str, spec: NodeSpec, size: Size) -> Leaf:
        path = ("node", name, "panel")
        if spec.panel not in PANEL_IDS:
            close = difflib.get_close_matches(spec.panel, PANEL_IDS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise self.fail(
                path,
                f"unknown panel {spec.panel!r} ({hint}expected one of: {', '.join(PANEL_IDS)})",
            )
        tomlfile.convert(
            spec.params,
            PANEL_PARAMS[spec.panel],
            self.source,
            self.text,
            LayoutError,
            prefix=("node", name, "params"),
        )
        return Leaf(name=name, panel=spec.panel, size=size, params=dict(spec.params))


# -- finding and loading -----------------------------------------------------------------


def user_dir() -> Path:
    return config_dir() / "layouts"


def shipped_text(name: str) -> str:
    return resources.files("layouts").joinpath(f"{name}.toml").read_text(encoding="utf-8")


def available() -> dict[str, str]:
    """Layout name -> where it comes from ("shipped" or the user file's path)."""
    out = {name: "shipped" for name in SHIPPED}
    for entry in resources.files("layouts").iterdir():
        if entry.name.endswith(".toml"):
            out.setdefault(entry.name[:-5], "shipped")
    d = user_dir()
    if d.is_dir():
        for p in sorted(d.glob("*.toml")):
            out[p.stem] = str(p)
    return out


def load_file(path: str | os.PathLike[str], name: str | None = None) -> Layout:
    p = Path(path)
    try:
        text = tomlfile.read_text(p, LayoutError)
    except FileNotFoundError as exc:
        raise LayoutError(f"{p}: cannot read: {exc.strerror or exc}") from None
    layout = parse(text, str(p), name or p.stem)
    layout.path = p
    return layout


def load(name_or_file: str) -> Layout:
    """A layout by name (user files shadow shipped ones) or by file path."""
    if os.sep in name_or_file or "/" in name_or_file or name_or_file.endswith(".toml"):
        return load_file(name_or_file)
    if not _LAYOUT_NAME_RE.match(name_or_file):
        raise LayoutError(f"{name_or_file!r}: not a layout name or a .toml file")
    user = user_dir() / f"{name_or_file}.toml"
    if user.is_file():
        return load_file(user, name_or_file)
    try:
        text = shipped_text(name_or_file)
    except (FileNotFoundError, OSError):
        names = ", ".join(sorted(available()))
        raise LayoutError(
            f"no layout named {name_or_file!r} (available: {names}; or give a .toml file)"
        ) from None
    return parse(text, f"layouts/{name_or_file}.toml", name_or_file)


# -- saving --------------------------------------------------------------------------------


def dumps(layout: Layout) -> str:
    """TOML that :func:`parse` reads back into an equal layout (written by tomli-w)."""
    data: dict[str, Any] = {}
    if layout.description:
        data["description"] = layout.description
    data["root"] = layout.root.name
    nodes: dict[str, Any] = {}
    _node_tables(layout.root, nodes, is_root=True)
    data["node"] = nodes
    return HEADER + "\n" + tomli_w.dumps(data)


def _node_tables(node: Node, out: dict[str, Any], is_root: bool = False) -> None:
    table: dict[str, Any] = {}
    out[node.name] = table
    if not is_root or node.size != FR1:
        table["size"] = _size_value(node.size)
    if isinstance(node, Leaf):
        table["panel"] = node.panel
        if node.params:
            table["params"] = dict(node.params)
        return
    table["split"] = node.direction
    table["children"] = [c.name for c in node.children]
    for child in node.children:
        _node_tables(child, out)


def _size_value(size: Size) -> int | str:
    css = size.css()
    return int(css) if size.unit == "cells" else css


def save(layout: Layout, name: str | None = None, directory: Path | None = None) -> Path:
    """Write to the user layout directory (atomically: a crash never leaves half a file)."""
    name = name or layout.name
    if not _LAYOUT_NAME_RE.match(name):
        raise LayoutError(f"{name!r}: a layout name is letters, digits, '_' and '-' (e.g. my-desk)")
    d = directory or user_dir()
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{name}.toml"
    tmp = path.with_name(f".{name}.toml.tmp")
    tmp.write_text(dumps(Layout(name, layout.root, layout.description)), encoding="utf-8")
    os.replace(tmp, path)
    return path
