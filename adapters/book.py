"""The L2 book: the one place that chooses the native or the pure-Python sides.

The native side (``adapters/_book.c``, built by ``pip install`` when a C compiler
is present) applies a whole message's levels in one call over a contiguous
array; the pure-Python :mod:`adapters.book_py` is the reference it is tested
against and the fallback when the extension is absent. ``VENUEWATCH_PURE_BOOK=1``
forces the reference (to compare, or to rule the extension out during an
incident). :func:`describe` says which is in use and why; the bench and
``venuewatch venues`` print it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, ClassVar, Final, cast

from adapters import book_py
from adapters.book_py import Book, BookSide, fragment
from adapters.tracker_py import Tracker

__all__ = [
    "Book",
    "BookSide",
    "PureBook",
    "Tracker",
    "binance_route",
    "describe",
    "fragment",
    "implementation",
    "kraken_route",
    "native_available",
    "native_book_type",
    "new_book",
    "new_tracker",
    "use",
]

PURE_ENV: Final = "VENUEWATCH_PURE_BOOK"

PureBook = book_py.Book
_native_tracker: Callable[[Book, int, int], Tracker] | None = None
_binance_route: Callable[[dict[str, Any], bytes | str, int, int], Any] | None = None
_kraken_route: Callable[..., Any] | None = None


def _load_native() -> tuple[type[Book] | None, str]:
    global _native_tracker, _binance_route, _kraken_route
    try:
        from adapters import _book
    except ImportError as exc:
        return None, f"pure Python (native extension not built: {exc})"
    _native_tracker = cast("Callable[[Book, int, int], Tracker]", _book.Tracker)
    _binance_route = _book.route_binance
    _kraken_route = _book.route_kraken

    class NativeBook(_book.Book):
        """Native sides, and the reads the feed makes per frame (crossed, best) in C too."""

        __slots__ = ()
        NATIVE: ClassVar[bool] = True

    NativeBook.__qualname__ = "NativeBook"
    return cast("type[Book]", NativeBook), "native (adapters._book, C)"


_native, _native_why = _load_native()


def native_available() -> bool:
    """Whether the extension was built and imports (whatever is selected)."""
    return _native is not None


def native_book_type() -> type[Book]:
    """The native book class; RuntimeError when the extension is not built."""
    if _native is None:
        raise RuntimeError(
            f"the native book is not built ({_native_why}): "
            "run `pip install -e .` on a machine with a C compiler"
        )
    return _native


_selected: Callable[[], Book] = PureBook
_why = ""


def use(which: str | None = None) -> str:
    """Select the book for books made from now on: "native", "pure", or None for the
    default (native when built, unless VENUEWATCH_PURE_BOOK is set). Returns
    :func:`describe`. Asking for "native" when it is not built raises RuntimeError."""
    global _selected, _why
    if which is None:
        forced = os.environ.get(PURE_ENV, "").strip()
        if forced not in ("", "0"):
            _selected, _why = PureBook, f"pure Python ({PURE_ENV}={forced})"
        elif _native is None:
            _selected, _why = PureBook, _native_why
        else:
            _selected, _why = _native, _native_why
    elif which == "native":
        _selected, _why = native_book_type(), _native_why
    elif which == "pure":
        _selected, _why = PureBook, "pure Python (selected)"
    else:
        raise ValueError(f"unknown book implementation {which!r} (native or pure)")
    return _why


def new_book() -> Book:
    """A new empty book of the selected implementation."""
    return _selected()


def new_tracker(rule: int = 0, depth: int = 0) -> Tracker:
    """A new instrument tracker (a new empty book inside) of the selected implementation.

    ``rule`` is a code of :data:`adapters.sequence.RULES`; ``depth`` the levels kept
    a side after each update (0: all)."""
    book = _selected()
    if _native_tracker is not None and _selected is not PureBook:
        return _native_tracker(book, rule, depth)
    return Tracker(book, rule, depth)


def binance_route() -> Callable[[dict[str, Any], bytes | str, int, int], Any] | None:
    """The native reader of Binance spot depth frames (adapters/_binance.c) when the
    native book is selected, else None (it feeds native trackers only)."""
    return _binance_route if _selected is not PureBook else None


def kraken_route() -> Callable[..., Any] | None:
    """The native reader of Kraken v2 book updates (adapters/_kraken.c), first argument
    the venue's ``checksum_spec``, when the native book is selected, else None."""
    return _kraken_route if _selected is not PureBook else None


def implementation() -> str:
    """ "native" or "pure": what :func:`new_book` makes."""
    return "native" if _selected is not PureBook else "pure"


def describe() -> str:
    """The selected implementation and why, for version info, the bench and logs."""
    return _why


use()
