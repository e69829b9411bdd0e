"""The console as a responder runs it, plus an event-loop lag probe from outside.

``python -m tui.bench.console_probe URL LAGFILE`` runs ``venuewatch attach URL``
(:func:`tui.app.launch.run_console`) unchanged, but first installs an
event-loop policy whose loops start a 50 ms timer: each wake-up records how
late it fired, and every second the samples are appended to LAGFILE (one
number in ms a line). A late timer is exactly what a late key handler or a late
repaint would suffer, so this tracks responsiveness without touching the app's
code.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Final

PERIOD_S: Final = 0.05


async def _probe(path: str) -> None:
    pending: list[float] = []
    flushed = time.monotonic()
    while True:
        start = time.monotonic()
        await asyncio.sleep(PERIOD_S)
        now = time.monotonic()
        pending.append((now - start - PERIOD_S) * 1000.0)
        if now - flushed >= 1.0:
            # A few hundred bytes once a second: cheaper than a thread hop.
            with open(path, "a", encoding="ascii") as f:  # noqa: ASYNC230
                f.write("".join(f"{x:.3f}\n" for x in pending))
            pending.clear()
            flushed = now


class _ProbePolicy(asyncio.DefaultEventLoopPolicy):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        loop = super().new_event_loop()
        path = self.path
        loop.call_soon(lambda: loop.create_task(_probe(path)))
        return loop


def main(argv: list[str]) -> int:
    url, lagfile = argv[0], argv[1]
    asyncio.set_event_loop_policy(_ProbePolicy(lagfile))
    from tui.app.launch import run_console

    token = os.environ["VENUEWATCH_TOKEN"]
    return run_console(url, token, user="bench", layout=None, theme=None, fps=None)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
