"""No two modules of the project (``adapters``, ``tui``) import each other (the import
graph, read statically with ast: imports under TYPE_CHECKING and inside functions
count too)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("adapters", "tui")


def modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The application modules ``name`` imports (``from a import b`` is a.b when b is
    a module, else a)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in known:
                    found.add(full)
                elif base in known:
                    found.add(base)
    found.discard(name)
    return found


def test_the_graph_reader_sees_a_planted_cycle(tmp_path: Path) -> None:
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.b\n")
    b.write_text("def f():\n    from pkg import a\n")
    known = {"pkg.a": a, "pkg.b": b}
    assert imports("pkg.a", a, known) == {"pkg.b"}
    assert imports("pkg.b", b, known) == {"pkg.a"}


def test_no_two_modules_import_each_other() -> None:
    known = modules()
    assert "tui.app.palette" in known and "tui.app.app" in known
    graph = {name: imports(name, path, known) for name, path in known.items()}
    mutual = sorted(
        f"{a} <-> {b}" for a, outs in graph.items() for b in outs if a < b and a in graph[b]
    )
    assert mutual == []
