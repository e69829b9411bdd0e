"""LiveSource following the active engine: the resolver is asked before every attempt.

The engine side is scripted (no sockets): each attempt resolves to an engine
that is either up (it welcomes, then its link drops) or down. Invariant: a
takeover is announced exactly when a re-attach lands on a different engine
than the last one, and the source always names the engine it last attached to.
"""

from __future__ import annotations

import asyncio
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.app.source import LiveSource
from tui.console import protocol as p
from tui.console.client import AttachError, ConsoleClient
from tui.engine.view import EngineState


def welcome(engine: str) -> p.Welcome:
    state = EngineState(
        ts_ns=1, venues=[], instruments=[], consensus=[], routes=[], breakers=[], alerts=[]
    )
    return p.Welcome(
        engine=engine,
        user="ops",
        version=1,
        state=state,
        journal=[],
        resolved=[],
        feed_notes=[],
        history={},
        publish_hz=10.0,
    )


class ScriptedClient(ConsoleClient):
    """An engine at ``ws://NAME`` that is up (welcomes, then drops) or down."""

    up: dict[str, bool] = {}

    async def connect(self, timeout: float = 10.0) -> p.Welcome:
        name = self.url.removeprefix("ws://")
        if not self.up.get(name, False):
            raise AttachError(f"cannot reach the engine at {self.url}")
        frame = welcome(name)
        self.model.apply(frame)
        return frame

    async def run(self) -> None:
        return None  # the link drops at once

    async def close(self) -> None:
        return None


def follow(steps: list[tuple[str, bool]]) -> tuple[LiveSource, list[str], list[str]]:
    """Run a source over the script; returns it, its notices, and the engines attached."""
    attached: list[str] = []
    todo = iter(steps)

    def factory(url: str, token: str, user: str) -> ConsoleClient:
        return ScriptedClient(url, token, user)

    async def resolve() -> str:
        step = next(todo, None)
        if step is None:
            src.engine_gone("script over")
            raise LookupError("script over")
        name, up = step
        ScriptedClient.up = {name: up}
        return f"ws://{name}"

    src = LiveSource(
        "nats://lease", "t", "ops", client_factory=factory, backoff_first_s=0.0, resolve=resolve
    )
    notices: list[str] = []
    src.on_notice = notices.append
    src.on_change = lambda: attached.append(src.engine) if src.state == "attached" else None
    asyncio.run(asyncio.wait_for(src.run(), 10))
    return src, notices, attached


engines = st.sampled_from(["a", "b", "c"])


@settings(max_examples=40, deadline=None)
@given(
    first=engines,
    rest=st.lists(st.tuples(engines, st.booleans()), max_size=12),
)
def test_a_takeover_is_announced_exactly_when_the_engine_changes(
    first: str, rest: list[tuple[str, bool]]
) -> None:
    src, notices, attached = follow([(first, True), *rest])
    expected = [first] + [name for name, up in rest if up]
    assert attached == expected
    changes = [(x, y) for x, y in pairwise(expected) if x != y]
    assert len(notices) == len(changes) == len(src.takeovers)
    for (was, now), line in zip(changes, notices, strict=True):
        assert f"now attached to {now} at ws://{now} (was {was} at ws://{was})" in line
    assert src.engine == expected[-1] and src.at == f"ws://{expected[-1]}"


def test_a_lease_that_names_no_engine_at_start_is_fatal_with_its_reason() -> None:
    async def no_lease() -> str:
        raise LookupError("no active engine holds the lease at nats://x")

    src = LiveSource("nats://x", "t", "ops", resolve=no_lease)
    asyncio.run(asyncio.wait_for(src.run(), 10))
    assert src.state == "lost" and "no active engine holds the lease" in src.fatal


def test_a_lease_missing_mid_takeover_is_retried_not_fatal() -> None:
    src, notices, attached = follow([("a", True)])
    assert attached == ["a"] and notices == [] and src.fatal == "script over"
