"""The layout tree: splits and leaves, each with a size; no files, no Textual.

A *split* lays its children side by side (``horizontal``) or stacked
(``vertical``); a *leaf* holds one panel and its parameters. Sizes are a share
of what is left (``2fr``), a percentage (``40%``) or cells (``12``). The file
format is :mod:`tui.app.layout_file`; the widgets :mod:`tui.app.layout_view`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

Unit = Literal["fr", "%", "cells"]
Direction = Literal["horizontal", "vertical"]

_SIZE_RE: Final = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(fr|%)?\s*\Z")
_SIZE_HELP: Final = 'a size like "2fr", "40%" or a number of cells (12)'


@dataclass(frozen=True)
class Size:
    value: float
    unit: Unit

    @classmethod
    def parse(cls, raw: object) -> Size:
        """``"2fr"``, ``"40%"``, ``12`` or ``"12"`` (cells); ValueError says what is expected."""
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise ValueError(f"expected {_SIZE_HELP}, got {_describe(raw)}")
        if isinstance(raw, int):
            if raw < 1:
                raise ValueError(f"expected {_SIZE_HELP}, got {raw} (at least 1 cell)")
            return cls(float(raw), "cells")
        m = _SIZE_RE.match(raw)
        if not m:
            raise ValueError(f"expected {_SIZE_HELP}, got {raw!r}")
        value, unit = float(m.group(1)), m.group(2)
        if unit == "%":
            if not 0 < value <= 100:
                raise ValueError(f"expected a percentage between 0 and 100, got {raw!r}")
            return cls(value, "%")
        if unit == "fr":
            if value <= 0:
                raise ValueError(f'expected a positive fraction like "1fr", got {raw!r}')
            return cls(value, "fr")
        if value < 1 or value != int(value):
            raise ValueError(f"expected a whole number of cells (at least 1), got {raw!r}")
        return cls(value, "cells")

    def css(self) -> str:
        """The size as a Textual width/height value."""
        n = number_text(self.value)
        return {"fr": f"{n}fr", "%": f"{n}%", "cells": n}[self.unit]

    def step(self, direction: int) -> Size:
        """One notch bigger (``direction`` 1) or smaller (-1), never below a usable minimum."""
        if self.unit == "fr":
            return Size(max(0.5, self.value + 0.5 * direction), "fr")
        if self.unit == "%":
            return Size(min(95.0, max(5.0, self.value + 5 * direction)), "%")
        return Size(max(3.0, self.value + 2 * direction), "cells")


FR1: Final = Size(1.0, "fr")


@dataclass(eq=True)
class Leaf:
    name: str
    panel: str
    size: Size = FR1
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=True)
class Split:
    name: str
    direction: Direction
    children: list[Node]
    size: Size = FR1


Node = Leaf | Split


@dataclass(eq=True)
class Layout:
    name: str
    root: Node
    description: str = ""
    path: Path | None = field(default=None, compare=False)
    """Where it was loaded from (None for a shipped layout read as package data)."""

    def leaves(self) -> list[Leaf]:
        out: list[Leaf] = []
        _walk(self.root, out)
        return out

    def leaf(self, name: str) -> Leaf | None:
        return next((x for x in self.leaves() if x.name == name), None)

    def parent_of(self, name: str) -> Split | None:
        return _parent(self.root, name)

    def panels(self) -> list[str]:
        return [x.panel for x in self.leaves()]


def _walk(node: Node, out: list[Leaf]) -> None:
    if isinstance(node, Leaf):
        out.append(node)
    else:
        for child in node.children:
            _walk(child, out)


def _parent(node: Node, name: str) -> Split | None:
    if isinstance(node, Leaf):
        return None
    for child in node.children:
        if child.name == name:
            return node
        found = _parent(child, name)
        if found is not None:
            return found
    return None


def _describe(value: object) -> str:
    kind = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)
    shown = repr(value) if not isinstance(value, dict | list) else ""
    return f"{kind} {shown}".strip()


def number_text(x: float) -> str:
    """``2`` for 2.0, ``2.5`` for 2.5: sizes as a person writes them."""
    return str(int(x)) if x == int(x) else repr(x)
