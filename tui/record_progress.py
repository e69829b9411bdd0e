"""What ``venuewatch record`` says while it runs: frames, bytes, venues, elapsed.

On a terminal one status line is redrawn every second; otherwise (a log file, a
service manager) a plain line is written every ``LOG_EVERY_S`` so the log
shows the recording is alive without flooding it.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

LOG_EVERY_S = 10.0


@dataclass(frozen=True, slots=True)
class Progress:
    frames: int
    bytes: int
    connected: int
    venues: int
    elapsed_s: float

    def line(self) -> str:
        return (
            f"recording: {self.frames:,} frames · {_size(self.bytes)} · "
            f"{self.connected}/{self.venues} venues connected · {_clock(self.elapsed_s)}"
        )


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


async def report(
    sample: Callable[[], Progress],
    stop: asyncio.Event,
    out: TextIO = sys.stderr,
    tty: bool | None = None,
    every: float | None = None,
) -> None:
    """Until ``stop`` is set: redraw a line each second on a terminal, log one otherwise."""
    tty = out.isatty() if tty is None else tty
    interval = every if every is not None else (1.0 if tty else LOG_EVERY_S)
    while True:
        try:
            await asyncio.wait_for(stop.wait(), interval)
            break
        except TimeoutError:
            pass
        text = sample().line()
        out.write("\r\x1b[2K" + text if tty else text + "\n")
        out.flush()
    if tty:
        out.write("\n")
        out.flush()
