"""Test-wide guards and budgets: nothing leaves the loopback, nothing reads the developer's
config, every property test has the same example budget."""

from __future__ import annotations

import _socket
import ipaddress
import os
import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

# The rigs as fixtures (sim, engine, receiver, alertmanager, natsd, private_sim).
pytest_plugins = ["support.fixtures"]

if TYPE_CHECKING:
    from _socket import _Address  # typeshed's name for what connect() accepts

# One budget for every property test, so the quick loop stays quick: 100 examples
# each by default; HYPOTHESIS_PROFILE=deep searches ten times harder (nightly, or
# after touching a parser). No deadline: a loaded CI machine is not a failure.
settings.register_profile(
    "venuewatch", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("deep", settings.get_profile("venuewatch"), max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "venuewatch"))

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check(sock: _socket.socket, address: _Address) -> None:
    if sock.family == getattr(socket, "AF_UNIX", None):
        return
    host = address[0] if isinstance(address, tuple) else address
    try:
        ip = ipaddress.ip_address(str(host))
    except ValueError:
        raise OSError(f"test guard: refusing to connect to non-literal host {host!r}") from None
    if not ip.is_loopback:
        raise OSError(f"test guard: refusing to connect outside loopback: {host}")


def _connect(self: _socket.socket, address: _Address, /) -> None:
    _check(self, address)
    return _real_connect(self, address)


def _connect_ex(self: _socket.socket, address: _Address, /) -> int:
    _check(self, address)
    return _real_connect_ex(self, address)


socket.socket.connect = _connect  # type: ignore[method-assign]
socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Config, state and keyring live in a per-test directory, never the user's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("VENUEWATCH_CONFIG", raising=False)
    yield


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The whole-program runs (marked ``slow``) first, the rest in file order.

    xdist hands tests out in collection order: a long test that starts last keeps
    one worker busy after the others ran out of work, so the longest go first.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(params=["native", "pure"])
def book_impl(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test once with the native book and once with the pure-Python reference.

    The native one must be built (``pip install -e .`` with a C compiler): a
    missing extension fails here rather than quietly testing the fallback twice.
    """
    from adapters import book

    which: str = request.param
    book.use(which)
    try:
        yield which
    finally:
        book.use()


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker a core for the unit tier; two a core (at most 4) otherwise.

    Unit tests keep the CPU busy, so more workers than cores only adds collection.
    Integration tests spend much of their time waiting on real time (an alert's
    ``for`` window, a reconnect's backoff, a subprocess starting): on two cores the
    whole suite kept them only ~70 % busy with two workers, and a third and fourth
    worker fill those waits (measured: 253 s → 214 s for the README's command).
    """
    cores = os.cpu_count() or 1
    unit = os.path.join("tests", "unit")
    paths = [str(a) for a in config.args] or ["tests"]
    if all(unit in os.path.normpath(os.path.abspath(p)) for p in paths):
        return cores
    return min(4, 2 * cores)
