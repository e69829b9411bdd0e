"""The per-sink outbox: bounded, ordered, retried with jittered backoff, never blocking."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tui.control.delivery import Outbox, Request, SinkError, backoff_s, host_only


def test_error_text_keeps_scheme_host_and_port_only() -> None:
    assert host_only("https://hooks.slack.com/services/T0/B0/sEcReT") == "https://hooks.slack.com/…"
    assert host_only("http://127.0.0.1:9093") == "http://127.0.0.1:9093"
    assert host_only("https://x.example/?token=abc") == "https://x.example/…"
    assert host_only("http://[::1:bad") == "<unparseable url>"


@given(
    attempt=st.integers(1, 40),
    base=st.floats(0.001, 5),
    cap=st.floats(0.001, 60),
    r=st.floats(0, 1, exclude_max=True),
)
def test_backoff_is_full_jitter_under_the_cap(
    attempt: int, base: float, cap: float, r: float
) -> None:
    b = backoff_s(attempt, base, cap, lambda: r)
    assert 0 <= b <= min(cap, base * 2 ** (attempt - 1))


def _box(handler: Any, **kw: Any) -> Outbox:
    kw.setdefault("backoff_base_s", 0.0)
    return Outbox("test", transport=httpx.MockTransport(handler), **kw)


async def test_retries_a_503_then_delivers() -> None:
    statuses = deque([503, 503, 200])
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.content)
        return httpx.Response(statuses.popleft())

    box = _box(handler, retries=2)
    result = await box.send(Request("http://127.0.0.1:1/x", b"{}"))
    assert result == "delivered: HTTP 200 after 2 retries"
    assert seen == [b"{}"] * 3
    await box.aclose()


async def test_a_refusal_is_not_retried_and_names_the_status() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(400)

    box = _box(handler, retries=5)
    try:
        await box.send(Request("http://127.0.0.1:1/x", b"{}"))
    except SinkError as exc:
        assert str(exc) == "refused: HTTP 400 Bad Request"
    else:
        raise AssertionError("a 400 was taken as delivered")
    assert calls == 1 and box.failed == 1
    await box.aclose()


async def test_transport_errors_never_show_the_url() -> None:
    url = "http://127.0.0.1:1/services/T0/B0/sEcReT"

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {url}")

    box = _box(handler, retries=1)
    try:
        await box.send(Request(url, b"{}"))
    except SinkError as exc:
        assert "sEcReT" not in str(exc) and "http://127.0.0.1:1/…" in str(exc)
        assert "after 2 attempts" in str(exc)
    else:
        raise AssertionError("delivered to nowhere")
    await box.aclose()


async def test_signing_runs_per_attempt() -> None:
    stamps: list[str] = []
    statuses = deque([500, 204])

    def handler(request: httpx.Request) -> httpx.Response:
        stamps.append(request.headers["X-Attempt"])
        return httpx.Response(statuses.popleft())

    n = iter(range(10))
    box = _box(handler, retries=1)
    await box.send(
        Request("http://127.0.0.1:1/", b"{}", sign=lambda b: {"X-Attempt": str(next(n))})
    )
    assert stamps == ["0", "1"]
    await box.aclose()


class OutboxMachine(RuleBasedStateMachine):
    """Model: a FIFO of accepted requests, one in flight; a full queue drops, never waits."""

    SIZE = 3

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.gates: deque[tuple[asyncio.Event, list[int]]] = deque()
        self.order: list[int] = []

        async def handler(request: httpx.Request) -> httpx.Response:
            gate: asyncio.Event = asyncio.Event()
            status: list[int] = []
            self.gates.append((gate, status))
            await gate.wait()
            self.order.append(int(request.content))
            return httpx.Response(status[0])

        self.box = Outbox(
            "m", retries=0, queue_size=self.SIZE, transport=httpx.MockTransport(handler)
        )
        self.futures: deque[tuple[int, asyncio.Future[str]]] = deque()
        self.n = 0
        self.dropped = 0
        self.delivered = 0
        self.failed = 0
        self.results: list[int] = []

    def _settle(self) -> None:
        # Let the worker run until it is blocked on a gate or idle: bounded loop turns.
        async def spin() -> None:
            for _ in range(30):
                await asyncio.sleep(0)

        self.loop.run_until_complete(spin())

    @rule()
    def submit(self) -> None:
        self.n += 1
        n = self.n

        async def go() -> asyncio.Future[str] | None:
            return self.box.submit(Request("http://127.0.0.1:1/", str(n).encode()))

        queued = len(self.futures) - (1 if self.gates else 0)
        fut = self.loop.run_until_complete(go())
        if queued >= self.SIZE:
            assert fut is None
            self.dropped += 1
        else:
            assert fut is not None
            self.futures.append((n, fut))
        self._settle()

    @precondition(lambda self: bool(self.gates))
    @rule(status=st.sampled_from([200, 202, 400, 503]))
    def answer(self, status: int) -> None:
        gate, box = self.gates.popleft()
        box.append(status)
        gate.set()
        n, fut = self.futures.popleft()
        self.loop.run_until_complete(asyncio.wait([fut]))
        self.results.append(n)
        if status < 300:
            assert fut.result().startswith(f"delivered: HTTP {status}")
            self.delivered += 1
        else:
            assert isinstance(fut.exception(), SinkError)
            self.failed += 1
        self._settle()

    @invariant()
    def counts_match_the_model(self) -> None:
        assert self.box.dropped == self.dropped
        assert self.box.delivered == self.delivered and self.box.failed == self.failed
        assert self.box.depth == len(self.futures) <= self.SIZE + 1
        assert self.results == sorted(self.results)  # FIFO: answered in submission order
        assert self.order == self.results

    def teardown(self) -> None:
        self.loop.run_until_complete(self.box.aclose())
        for _, fut in self.futures:
            assert isinstance(fut.exception(), SinkError)  # stopping fails them, visibly
        self.loop.close()


TestOutbox = OutboxMachine.TestCase
TestOutbox.settings = settings(max_examples=30, stateful_step_count=20, deadline=None)
