"""Sending signed requests: httpx, or nothing at all in dry-run.

:class:`VenueControl` is what the halt drives; each venue module subclasses it
with its own signing and endpoints. Every call it makes is kept in
``self.calls`` (scrubbed), so the layer that made it can journal exactly what
was asked and answered, with timing. A transport failure (timeout, refused) is
an answer without a status: for a cancel that means *unknown*, never *done*.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, ClassVar

import httpx
import msgspec

from adapters.controls.base import (
    Answer,
    Call,
    ControlSettings,
    Credentials,
    OpenOrder,
    Request,
    Step,
    VenueError,
    clip,
)


class Transport:
    """One httpx client per venue; ``dry_run`` answers every request with nothing."""

    def __init__(self, timeout_s: float, dry_run: bool = False) -> None:
        self.dry_run = dry_run
        self._client = httpx.AsyncClient(timeout=timeout_s, trust_env=False)

    async def send(self, req: Request) -> Answer:
        if self.dry_run:
            return Answer(status=None, dry_run=True)
        t0 = time.perf_counter()
        try:
            resp = await self._client.request(
                req.method, req.url, content=req.body.encode() or None, headers=req.headers
            )
        except httpx.TimeoutException:
            return Answer(status=None, ms=_ms(t0), error="timeout (status unknown)")
        except httpx.HTTPError as exc:
            return Answer(status=None, ms=_ms(t0), error=f"{type(exc).__name__}: {exc}")
        return Answer(status=resp.status_code, body=resp.text, ms=_ms(t0))

    async def aclose(self) -> None:
        await self._client.aclose()


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 1)


class DryRun(Exception):
    """Raised where a dry run cannot go on (it needs an answer it will not get)."""


class VenueControl:
    """A venue's kill-switch surface. Subclasses set the class attributes and methods."""

    name: ClassVar[str] = ""
    default_url: ClassVar[str] = ""
    has_cancel_all: ClassVar[bool] = True
    has_deadman: ClassVar[bool] = False
    scope: ClassVar[str] = ""
    """What cancel-all and the dead-man cover, in a phrase (shown and journalled)."""

    def __init__(
        self, settings: ControlSettings, creds: Credentials, transport: Transport | None = None
    ) -> None:
        self.settings = settings
        self.creds = creds
        self.base = (settings.url or self.default_url).rstrip("/")
        self.transport = transport or Transport(settings.timeout_s, settings.dry_run)
        self.calls: list[Call] = []

    @property
    def dry_run(self) -> bool:
        return self.transport.dry_run

    # -- what each venue implements ---------------------------------------------------

    async def open_orders(self) -> list[OpenOrder]:
        raise NotImplementedError

    async def cancel_all(self, symbols: Sequence[str] = ()) -> Step:
        raise NotImplementedError

    async def arm(self, timeout_s: float, symbols: Sequence[str] = ()) -> Step:
        return Step(ok=True, detail=f"{self.name} has no dead-man timer")

    async def disarm(self, symbols: Sequence[str] = ()) -> Step:
        return Step(ok=True, detail=f"{self.name} has no dead-man timer")

    async def account(self) -> Step:
        """A harmless authenticated read (``keys test``)."""
        raise NotImplementedError

    # -- shared plumbing ----------------------------------------------------------------

    def take_calls(self) -> list[Call]:
        calls, self.calls = self.calls, []
        return calls

    async def send(self, req: Request) -> Answer:
        ans = await self.transport.send(req)
        self.calls.append(
            Call(
                request=req.public(self.creds.values()),
                status=ans.status,
                answer="(dry run: not sent)" if ans.dry_run else clip(ans.body),
                ms=ans.ms,
                error=ans.error,
            )
        )
        return ans

    def fail(self, ans: Answer, reason: str) -> VenueError:
        """The venue's answer as an error; 5xx, 429, timeouts and rate limits may be retried."""
        retryable = ans.status is None or ans.status >= 500 or ans.status in (418, 429)
        return VenueError(f"{self.name}: {reason}", retryable)

    def transport_error(self, ans: Answer) -> VenueError:
        if ans.status is None:
            return VenueError(f"{self.name}: {ans.error}", retryable=True)
        return self.fail(ans, f"HTTP {ans.status}: {clip(ans.body)[:200]}")

    def json(self, ans: Answer) -> Any:
        if ans.dry_run:
            raise DryRun()
        if ans.status is None or ans.status >= 500:
            raise self.transport_error(ans)
        try:
            return msgspec.json.decode(ans.body)
        except msgspec.DecodeError:
            raise self.fail(ans, f"HTTP {ans.status}: not JSON: {clip(ans.body)[:200]}") from None

    async def aclose(self) -> None:
        await self.transport.aclose()
