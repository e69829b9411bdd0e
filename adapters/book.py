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
from typing import ClassVar, Final

from adapters import book_py
from adapters.book_py import Book, BookSide, fragment

__all__ = [
    "Book",
    "BookSide",
    "NativeBook",
    "PureBook",
    "describe",
    "fragment",
    "implementation",
    "native_available",
    "new_book",
    "use",
]

PURE_ENV: Final = "VENUEWATCH_PURE_BOOK"

PureBook = book_py.Book


class NativeBook(book_py.Book):
    """The same book over native sides (only the side type and the top reads differ)."""

    __slots__ = ()

    NATIVE: ClassVar[bool] = True

    def __init__(self) -> None:
        side = _NativeSide
        if side is None:
            raise RuntimeError(_native_why)
        self.bids = side(1)
        self.asks = side(-1)

    @property
    def empty(self) -> bool:
        return not len(self.bids) and not len(self.asks)

    def crossed(self) -> bool:
        b = self.bids.best()
        a = self.asks.best()
        return b is not None and a is not None and b >= a

    def mid(self) -> float | None:
        b = self.bids.best()
        a = self.asks.best()
        if b is None or a is None:
            return None
        return (b + a) / 2.0

    def spread_bps(self) -> float | None:
        bid = self.bids.best()
        ask = self.asks.best()
        if bid is None or ask is None:
            return None
        mid = (bid + ask) / 2.0
        if mid <= 0:
            return None
        return (ask - bid) / mid * 1e4


def _load_native() -> tuple[type[BookSide] | None, str]:
    try:
        from adapters import _book
    except ImportError as exc:
        return None, f"pure Python (native extension not built: {exc})"
    side: type[BookSide] = _book.BookSide  # type: ignore[assignment]
    return side, "native (adapters._book, C)"


_NativeSide, _native_why = _load_native()


def native_available() -> bool:
    """Whether the extension was built and imports (whatever is selected)."""
    return _NativeSide is not None


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
        elif _NativeSide is None:
            _selected, _why = PureBook, _native_why
        else:
            _selected, _why = NativeBook, _native_why
    elif which == "native":
        if _NativeSide is None:
            raise RuntimeError(
                f"the native book is not built ({_native_why}): "
                "run `pip install -e .` on a machine with a C compiler"
            )
        _selected, _why = NativeBook, _native_why
    elif which == "pure":
        _selected, _why = PureBook, "pure Python (selected)"
    else:
        raise ValueError(f"unknown book implementation {which!r} (native or pure)")
    return _why


def new_book() -> Book:
    """A new empty book of the selected implementation."""
    return _selected()


def implementation() -> str:
    """ "native" or "pure": what :func:`new_book` makes."""
    return "native" if _selected is NativeBook else "pure"


def describe() -> str:
    """The selected implementation and why, for version info, the bench and logs."""
    return _why


use()
