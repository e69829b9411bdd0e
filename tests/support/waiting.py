"""Waiting on a condition that an event announces, with a deadline: never a sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Protocol


async def wait_until(
    cond: Callable[[], Any],
    wake: asyncio.Event,
    timeout: float,
    failure: Callable[[], str],
    recheck_s: float | None = None,
) -> Any:
    """``cond()``'s first truthy result, re-checked each time ``wake`` is set.

    ``recheck_s`` also re-checks that often without an event, for conditions on
    wall time (a silence) that nothing announces. Past ``timeout`` the test fails
    with ``failure()``, which can describe the state at that moment.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = cond()
        if result:
            return result
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(failure())
        wake.clear()
        try:
            await asyncio.wait_for(wake.wait(), left if recheck_s is None else min(left, recheck_s))
        except TimeoutError:
            pass


class _Pausing(Protocol):
    async def pause(self, delay: float | None = None) -> None: ...


async def until_screen(pilot: _Pausing, cond: Callable[[], Any], timeout: float = 15.0) -> None:
    """Let the app run (``pilot.pause()``) until ``cond()`` holds; fail after ``timeout``."""

    async def loop() -> None:
        while not cond():
            await pilot.pause()

    await asyncio.wait_for(loop(), timeout)
