"""Damage to a venue's frame anywhere in its bytes: what a native reader must survive.

The frame readers in C (``adapters/_binance.c``, ``adapters/_kraken.c``) walk the
bytes themselves, so the cases that matter are the ones no JSON library would
produce: a frame cut off at any byte, one byte changed to any value, a byte lost,
a byte added. Whatever the damage, a reader either declines the frame (the
msgspec path then words it) or reads exactly what msgspec reads.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st

Mangle = Callable[[bytes], bytes]


@st.composite
def mangles(draw: st.DrawFn) -> Mangle:
    kind = draw(st.sampled_from(["cut", "change", "drop", "insert"]))
    share = draw(st.floats(min_value=0.0, max_value=1.0))
    byte = bytes([draw(st.integers(min_value=0, max_value=255))])

    def mangle(frame: bytes) -> bytes:
        at = min(len(frame), int(share * len(frame)))
        if kind == "cut":
            return frame[:at]
        if kind == "insert":
            return frame[:at] + byte + frame[at:]
        at = min(at, len(frame) - 1)
        if at < 0:
            return frame
        if kind == "drop":
            return frame[:at] + frame[at + 1 :]
        return frame[:at] + byte + frame[at + 1 :]

    mangle.__name__ = f"{kind}@{share:.3f}:{byte!r}"
    return mangle
