"""Which book a process uses: native when built, the reference when forced or absent."""

from __future__ import annotations

import os
import subprocess
import sys


def test_the_pure_book_is_used_when_asked_or_when_the_extension_is_absent() -> None:
    """VENUEWATCH_PURE_BOOK=1 selects the reference; a missing extension falls back to it."""
    probe = (
        "import sys\n"
        "if sys.argv[1] == 'absent':\n"
        "    sys.modules['adapters._book'] = None  # what an install without a compiler has\n"
        "from adapters import book\n"
        "b = book.new_book(); b.apply([(1.0, 1.0)], [(2.0, 1.0)])\n"
        "print(book.implementation(), type(b).__name__, b.best_bid(), '|', book.describe())\n"
    )
    env_pure = {"VENUEWATCH_PURE_BOOK": "1"}
    runs = {
        "default": ({}, "native NativeBook 1.0 | native (adapters._book, C)"),
        "forced": (env_pure, "pure Book 1.0 | pure Python (VENUEWATCH_PURE_BOOK=1)"),
        "absent": ({}, "pure Book 1.0 | pure Python (native extension not built:"),
    }
    for arg, (extra, want) in runs.items():
        env = {k: v for k, v in os.environ.items() if k != "VENUEWATCH_PURE_BOOK"} | extra
        out = subprocess.run(
            [sys.executable, "-c", probe, arg], env=env, capture_output=True, text=True, check=True
        ).stdout
        assert out.startswith(want), (arg, out)


def test_venues_check_names_the_book_in_use() -> None:
    env = {k: v for k, v in os.environ.items() if k != "VENUEWATCH_PURE_BOOK"}
    cases: tuple[tuple[dict[str, str], str], ...] = (
        ({}, "native (adapters._book, C)"),
        ({"VENUEWATCH_PURE_BOOK": "1"}, "pure"),
    )
    for extra, want in cases:
        out = subprocess.run(
            [sys.executable, "-m", "tui.cli", "venues", "--check"],
            env=env | extra,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        (line,) = [ln for ln in out.splitlines() if ln.startswith("order book")]
        assert want in line, out
