"""The rigs as fixtures (registered by ``tests/conftest.py``).

A test asks for what it needs by name; the fixture starts it on loopback and
stops it after the test, in reverse order of starting, whether the test passed
or not. Rigs that take per-test arguments are factories: ``rig = await
sim(["okx"], symbols=[...])`` starts one, and the fixture stops every rig it
started.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest

# The rigs are imported by the fixtures that start them: every test process loads
# this plugin, and the unit tier should not pay for importing the engine service,
# the simulators and the servers it never starts.
if TYPE_CHECKING:
    from adapters.simulator.private.server import PrivateSimulator
    from tui.bus.natsd import NatsServer

    from support.engine_rig import EngineRig
    from support.receiver import Receiver
    from support.rig import Rig


class StartSim(Protocol):
    async def __call__(self, venues: Iterable[str] | None = None, **options: Any) -> Rig:
        """The simulator with real adapters attached (see :class:`Rig`)."""
        ...


class StartEngine(Protocol):
    async def __call__(
        self, venues: list[str], *, tmp: Path | None = None, **options: Any
    ) -> EngineRig:
        """The engine service over the simulator; its files in ``tmp`` (the test's
        ``tmp_path`` unless given; see :class:`EngineRig`)."""
        ...


class StartReceiver(Protocol):
    async def __call__(self, status: int = 200, reply: bytes = b"ok") -> Receiver:
        """An HTTP receiver recording what sinks POST (see :class:`Receiver`)."""
        ...


class StartPrivateSim(Protocol):
    async def __call__(self, venues: Iterable[str] | None = None) -> PrivateSimulator:
        """The simulated private (order-entry) side of these venues' kill switches
        (every venue with a kill switch unless given)."""
        ...


@pytest.fixture
async def sim() -> AsyncIterator[StartSim]:
    from support.rig import Rig

    async with AsyncExitStack() as stack:

        async def start(venues: Iterable[str] | None = None, **options: Any) -> Rig:
            return await stack.enter_async_context(Rig(venues, **options))

        yield start


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[StartEngine]:
    from support.engine_rig import EngineRig

    async with AsyncExitStack() as stack:

        async def start(venues: list[str], *, tmp: Path | None = None, **options: Any) -> EngineRig:
            return await stack.enter_async_context(EngineRig(tmp or tmp_path, venues, **options))

        yield start


@pytest.fixture
async def receiver() -> AsyncIterator[StartReceiver]:
    from support.receiver import Receiver

    async with AsyncExitStack() as stack:

        async def start(status: int = 200, reply: bytes = b"ok") -> Receiver:
            return await stack.enter_async_context(Receiver(status, reply))

        yield start


@pytest.fixture
async def private_sim() -> AsyncIterator[StartPrivateSim]:
    from adapters.simulator.private.server import PrivateSimulator

    from support.killswitch import VENUES

    async with AsyncExitStack() as stack:

        async def start(venues: Iterable[str] | None = None) -> PrivateSimulator:
            chosen = list(VENUES if venues is None else venues)
            return await stack.enter_async_context(PrivateSimulator(chosen))

        yield start


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[str]:
    """A real Alertmanager on loopback; its URL."""
    from support import alertmanager as am

    with am.running(tmp_path) as url:
        yield url


@pytest.fixture
def natsd(tmp_path: Path) -> Iterator[NatsServer]:
    """A real ``nats-server -js`` on loopback, its JetStream store in the test's tmp."""
    from tui.bus.natsd import NatsServer

    server = NatsServer(tmp_path / "jetstream").start()
    try:
        yield server
    finally:
        server.stop()
