"""Background tasks that are not awaited by their starter, kept and checked.

``loop.create_task`` returns the only strong reference to the task: drop it and the
task can be garbage-collected mid-flight, and an exception it raises is reported (if
ever) as "Task exception was never retrieved" at some later GC. :func:`spawn` keeps
every such task until it ends and logs its exception, with the name it was given,
on the ``venuewatch.tasks`` logger. asyncio has no built-in for this (TaskGroup waits
for its tasks, which is what fire-and-forget callers must not do).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

log = logging.getLogger("venuewatch.tasks")
_running: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
    """Run ``coro`` in the background; keep it alive and log how it failed, if it did."""
    task = asyncio.get_running_loop().create_task(coro, name=name)
    _running.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _running.discard(task)
    if task.cancelled():
        return
    exc = task.exception()  # retrieved: asyncio will not complain about it later
    if exc is not None:
        log.warning("background task %s failed: %s: %s", task.get_name(), type(exc).__name__, exc)


def running() -> int:
    """How many spawned tasks have not finished (tests)."""
    return len(_running)
