"""Delivery to one outside HTTP endpoint: a bounded queue, one worker, retries.

Every sink (webhook, Alertmanager, PagerDuty, Slack) sends through an
:class:`Outbox`. ``submit`` never waits: it puts the request on the sink's own
bounded queue and returns a future for the result, or ``None`` when the queue is
full — the overflow is counted and the caller journals it. One worker task per
sink sends in order with httpx's async client, a timeout per attempt and
retries with full-jitter exponential backoff, so a sink that hangs or refuses
delays only its own queue: never a command, never another sink.

Error text never carries a request's URL beyond scheme, host and port: a
Slack URL is a credential in its path, a webhook's may be in its query.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import urllib.parse
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    # Imported where a request is sent: building the CLI parser reads the configuration
    # types (which reach this module) and must not pay for or depend on httpx.
    import httpx

log = logging.getLogger("venuewatch.sinks")

RETRYABLE: Final = frozenset({408, 425, 429, 500, 502, 503, 504})
"""Statuses worth another attempt; any other non-2xx is the receiver refusing the request."""


class SinkError(Exception):
    """A delivery that did not happen; the message is one line, without secrets."""


def host_only(url: str) -> str:
    """``scheme://host[:port]/…``: how a sink URL is named in errors, logs and the journal.

    Nothing of the path or query survives: Slack's and many webhooks' paths *are*
    the credential, and user:password may sit in the netloc.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unparseable url>"
    tail = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{port}{tail}"


def backoff_s(attempt: int, base_s: float, cap_s: float, rng: Callable[[], float]) -> float:
    """Full-jitter exponential backoff before retry ``attempt`` (1, 2, ...).

    Random in [0, min(cap, base * 2**(attempt-1))): many engines retrying a
    receiver that just came back do not all hit it in the same instant.
    """
    return float(rng() * min(cap_s, base_s * 2 ** max(0, attempt - 1)))


class Request:
    """One POST: the body is fixed; headers may be computed per attempt (signatures)."""

    __slots__ = ("body", "headers", "sign", "url")

    def __init__(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str] | None = None,
        sign: Callable[[bytes], dict[str, str]] | None = None,
    ) -> None:
        self.url = url
        self.body = body
        self.headers = headers or {}
        self.sign = sign


class Outbox:
    """The queue and the worker of one sink."""

    def __init__(
        self,
        name: str,
        *,
        timeout_s: float = 5.0,
        retries: int = 2,
        queue_size: int = 1000,
        backoff_base_s: float = 0.25,
        backoff_cap_s: float = 5.0,
        rng: Callable[[], float] = random.random,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.timeout_s = timeout_s
        self.retries = retries
        self.queue_size = queue_size
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.rng = rng
        self._transport = transport
        self._queue: deque[tuple[Request, asyncio.Future[str]]] = deque()
        self._wake: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._closed = False
        self.dropped = 0
        """Requests refused because the queue was full."""
        self.delivered = 0
        self.failed = 0
        self.in_flight = False

    @property
    def depth(self) -> int:
        return len(self._queue) + (1 if self.in_flight else 0)

    def submit(self, request: Request) -> asyncio.Future[str] | None:
        """Queue a request; ``None`` (and counted) when the queue is full or closed."""
        if self._closed or len(self._queue) >= self.queue_size:
            self.dropped += 1
            return None
        fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._queue.append((request, fut))
        if self._worker is None:
            self._wake = asyncio.Event()
            self._worker = asyncio.get_running_loop().create_task(self._run())
        assert self._wake is not None
        self._wake.set()
        return fut

    async def send(self, request: Request) -> str:
        """Queue and wait for the result; raises SinkError if dropped or not delivered."""
        fut = self.submit(request)
        if fut is None:
            raise SinkError(
                f"queue full ({self.queue_size}): not sent, {self.dropped} dropped so far"
            )
        return await fut

    async def aclose(self) -> None:
        """Stop: whatever is still queued or in flight fails as not delivered."""
        self._closed = True
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        while self._queue:
            _, fut = self._queue.popleft()
            if not fut.done():
                fut.set_exception(SinkError("not delivered: the engine is stopping"))
        if self._client is not None:
            await self._client.aclose()

    async def _run(self) -> None:
        import httpx

        assert self._wake is not None
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout_s),
            transport=self._transport,
            follow_redirects=False,
            headers={"User-Agent": "venuewatch"},
        )
        while True:
            if not self._queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            request, fut = self._queue.popleft()
            self.in_flight = True
            try:
                result = await self._deliver(request)
            except SinkError as exc:
                self.failed += 1
                if not fut.done():
                    fut.set_exception(exc)
            except asyncio.CancelledError:
                if not fut.done():
                    fut.set_exception(SinkError("not delivered: the engine is stopping"))
                raise
            else:
                self.delivered += 1
                if not fut.done():
                    fut.set_result(result)
            finally:
                self.in_flight = False

    async def _deliver(self, request: Request) -> str:
        import httpx

        assert self._client is not None
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                await asyncio.sleep(
                    backoff_s(attempt, self.backoff_base_s, self.backoff_cap_s, self.rng)
                )
            headers = {"Content-Type": "application/json", **request.headers}
            if request.sign is not None:
                headers.update(request.sign(request.body))
            try:
                resp = await self._client.post(request.url, content=request.body, headers=headers)
            except httpx.TimeoutException:
                last = f"timed out after {self.timeout_s:g}s"
                continue
            except httpx.HTTPError as exc:
                last = _scrub(f"{type(exc).__name__}: {exc}", request.url)
                continue
            status = resp.status_code
            if 200 <= status < 300:
                retried = f" after {attempt} retries" if attempt else ""
                return f"delivered: HTTP {status}{retried}"
            last = f"HTTP {status} {resp.reason_phrase}".rstrip()
            if status not in RETRYABLE:
                raise SinkError(f"refused: {last}")
        raise SinkError(f"not delivered after {self.retries + 1} attempts: {last}")


def _scrub(text: str, url: str) -> str:
    """Error text with the full URL (which may hold a token) replaced by its redaction."""
    return " ".join(text.replace(url, host_only(url)).split())[:300]
