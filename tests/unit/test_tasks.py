"""Background tasks are kept until they end and their failures are logged, not lost."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest

from adapters import tasks


async def test_a_failing_background_task_is_logged_with_its_name(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, "venuewatch.tasks")
    gate = asyncio.Event()

    async def fails() -> None:
        await gate.wait()
        raise OSError("snapshot endpoint refused")

    task = tasks.spawn(fails(), "binance: snapshot BTCUSDT")
    del task
    gc.collect()  # the only reference the caller had is gone: the task must survive
    assert tasks.running() == 1
    gate.set()
    others = asyncio.all_tasks() - {asyncio.current_task()}
    await asyncio.wait(others)  # by then the task's done-callback has run
    assert tasks.running() == 0
    (record,) = caplog.records
    assert record.getMessage() == (
        "background task binance: snapshot BTCUSDT failed: OSError: snapshot endpoint refused"
    )


async def test_success_and_cancellation_are_quiet(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, "venuewatch.tasks")

    async def ok() -> int:
        return 3

    async def forever() -> None:
        await asyncio.Event().wait()

    done = tasks.spawn(ok(), "ok")
    stuck = tasks.spawn(forever(), "stuck")
    assert await done == 3
    stuck.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stuck
    await asyncio.sleep(0)
    assert tasks.running() == 0 and caplog.records == []
