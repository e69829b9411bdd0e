"""Helpers for simulated wire formats."""

from __future__ import annotations

import time


def iso_now(ns: int | None = None) -> str:
    """RFC 3339 UTC with microseconds, as Kraken and Coinbase stamp frames."""
    t = time.time_ns() if ns is None else ns
    secs, rem = divmod(t, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{rem // 1000:06d}Z"


def ms_now() -> int:
    return time.time_ns() // 1_000_000
