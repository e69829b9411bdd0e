"""The app's mixins call each other through ConsoleBase's declarations, which exist
only for the type checker: every method declared there must be one the assembled
app really has (else a key would fail with AttributeError at run time, unseen by
mypy), and every attribute one that the app's constructor sets."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import tui.app.console_base as base_mod
from tui.app.app import ConsoleApp


def declared() -> tuple[set[str], set[str]]:
    """(methods, attributes) of the ConsoleBase class in the module's TYPE_CHECKING block."""
    tree = ast.parse(Path(base_mod.__file__).read_text(encoding="utf-8"))
    cls = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == "ConsoleBase")
    methods = {n.name for n in cls.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    attrs = {
        n.target.id
        for n in cls.body
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    }
    return methods, attrs


def test_every_declared_method_is_provided_by_a_mixin() -> None:
    methods, _ = declared()
    assert methods  # the reader found the class
    missing = sorted(m for m in methods if not callable(getattr(ConsoleApp, m, None)))
    assert missing == []
    for name in methods:  # provided by the project's mixins, not by Textual's App
        owner = next(c for c in ConsoleApp.__mro__ if name in vars(c))
        assert owner.__module__.startswith("tui.app."), (name, owner)


def test_every_declared_attribute_is_set_by_the_constructor() -> None:
    _, attrs = declared()
    assert attrs
    source = inspect.getsource(ConsoleApp.__init__)
    missing = sorted(a for a in attrs if f"self.{a} =" not in source and f"self.{a}:" not in source)
    assert missing == []
