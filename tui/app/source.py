"""Where the console's model comes from: a live engine, or a fixed snapshot.

The app only ever reads ``source.model`` (at its own refresh rate) and sends
commands through ``source.start`` (sent in the caller's own step; awaited for the
outcome) or ``source.command``. A :class:`LiveSource` keeps one
:class:`ConsoleModel` across reconnections (each new ``ConsoleClient`` applies
its Welcome into it), retries with capped exponential backoff and jitter, and
says where it stands in ``state``: the status bar shows that loudly, because a
console quietly showing stale numbers is worse than no console. A
:class:`StaticSource` serves a fixed model with a frozen clock (snapshot tests,
offline review) and refuses commands with a reason.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Final, Literal

from adapters.tasks import spawn
from tui.console.client import AttachError, ConsoleClient
from tui.console.model import ConsoleModel
from tui.control.commands import Outcome

State = Literal["static", "connecting", "attached", "reconnecting", "lost"]

COMMAND_TIMEOUT_S: Final = 15.0
BACKOFF_FIRST_S: Final = 0.5
BACKOFF_MAX_S: Final = 10.0


class NotSent(Exception):
    """A command that did not reach the engine (or whose answer never came); says why."""


class StaticSource:
    """A fixed model: nothing changes, the clock is the model's own timestamp."""

    def __init__(self, model: ConsoleModel, engine: str = "snapshot") -> None:
        self.model = model
        model.stale_after_s = None  # a snapshot is a fixed moment, labelled SNAPSHOT
        self.state: State = "static"
        self.engine = model.engine or engine
        self.user = model.user
        self.detail = "static snapshot: not attached to an engine"
        self.stale_since: float | None = None
        self.fatal = ""
        self.on_change: Callable[[], None] = lambda: None
        self.on_frame: Callable[[], None] = lambda: None
        """Called after each engine frame is applied to the model."""

    def now_ns(self) -> int:
        return self.model.ts_ns

    async def first_attach(self) -> str:
        return ""

    async def run(self) -> None:
        return None

    def start(self, action: str, reason: str = "", **args: str) -> Awaitable[Outcome]:
        raise NotSent("static snapshot: not attached to an engine, nothing was sent")

    async def command(self, action: str, reason: str = "", **args: str) -> Outcome:
        return await self.start(action, reason, **args)

    async def close(self) -> None:
        return None


class LiveSource:
    """A running engine over the console protocol, re-attached when the link drops."""

    def __init__(
        self,
        url: str,
        token: str,
        user: str,
        *,
        client_factory: Callable[[str, str, str], ConsoleClient] = ConsoleClient,
        backoff_first_s: float = BACKOFF_FIRST_S,
        backoff_max_s: float = BACKOFF_MAX_S,
        resolve: Callable[[], Awaitable[str]] | None = None,
    ) -> None:
        self.url = url
        self._resolve = resolve
        """Engine HA: asked before every attempt for the active engine's console URL
        (``url`` then names where it is discovered, e.g. nats://…)."""
        self.takeovers: list[str] = []
        """One line per re-attach that landed on a different engine (shown and kept)."""
        self.on_notice: Callable[[str], None] = lambda _text: None
        self._token = token
        self.user = user
        self.model = ConsoleModel()
        self.model.link_down = f"connecting to {url}"
        self.state: State = "connecting"
        self.engine = ""
        self.at = ""
        """The console URL attached to (the resolved one under HA)."""
        self.detail = f"connecting to {url}"
        self.attempts = 0
        self.next_retry: float | None = None
        """time.monotonic() of the next attempt while reconnecting."""
        self.stale_since: float | None = None
        """time.time() when the data stopped being live (None while attached)."""
        self.fatal: str = ""
        """Why retrying cannot help (refused token, engine process gone)."""
        self.on_change: Callable[[], None] = lambda: None
        self.on_frame: Callable[[], None] = lambda: None
        """Called after each engine frame is applied to the model."""
        self._factory = client_factory
        self._client: ConsoleClient | None = None
        self._backoff = (backoff_first_s, backoff_max_s)
        self._attached_once = False
        self._settled = asyncio.Event()
        """Set once the first attempt succeeded or failed for good."""

    def now_ns(self) -> int:
        return time.time_ns()

    def _set(self, state: State, detail: str) -> None:
        self.state, self.detail = state, detail
        # The model judges staleness; a link that is not attached is stale at once.
        self.model.link_down = "" if state == "attached" else detail
        self.on_change()

    async def first_attach(self) -> str:
        """Wait for the first attach: "" once attached, else why it failed."""
        await self._settled.wait()
        return "" if self._attached_once else self.fatal

    async def run(self) -> None:
        """Attach, follow, and re-attach with backoff until the app ends or it is hopeless."""
        first, cap = self._backoff
        delay = first
        while not self.fatal:
            self.attempts += 1
            target = self.url
            if self._resolve is not None:
                try:
                    target = await self._resolve()
                except Exception as exc:  # no lease yet mid-takeover: retry like a lost link
                    reason = str(exc) or type(exc).__name__
                    if not self._attached_once:
                        self.fatal = reason
                        self._set("lost", reason)
                        self._settled.set()
                        return
                    self._set("reconnecting", f"{reason} (attempt {self.attempts})")
                    delay = await self._pause(delay, cap)
                    continue
            client = self._factory(target, self._token, self.user)
            client.model = self.model  # one model across reconnections
            client.listeners.append(lambda _frame: self.on_frame())
            try:
                welcome = await client.connect()
            except Exception as exc:  # AttachError, or a handshake the library rejected
                reason = (
                    str(exc)
                    if isinstance(exc, AttachError)
                    else (f"cannot attach to {target}: {type(exc).__name__}: {exc}")
                )
                await client.close()
                if "refused" in reason or not self._attached_once:
                    # A refused token will not improve with retries; neither will a URL
                    # that never answered (a typo): say so instead of spinning.
                    self.fatal = reason
                    self._set("lost", reason)
                    self._settled.set()
                    return
                self._set("reconnecting", f"{reason} (attempt {self.attempts})")
            else:
                self._client = client
                if self._attached_once and (welcome.engine, target) != (self.engine, self.at):
                    self._took_over(welcome.engine, target)
                self.engine, self.at = welcome.engine, target
                self.attempts, delay, self.stale_since, self.next_retry = 0, first, None, None
                self._attached_once = True
                self._settled.set()
                self._set("attached", f"attached to {target}")
                await client.run()
                self._client = None
                await client.close()
                if self.fatal:
                    return
                self.stale_since = time.time()
                self._set("reconnecting", "connection to the engine lost")
            delay = await self._pause(delay, cap)

    async def _pause(self, delay: float, cap: float) -> float:
        """Wait before the next attempt; returns the next delay."""
        if self.stale_since is None:
            self.stale_since = time.time()
        wait = delay * (0.8 + 0.4 * random.random())  # jitter: consoles don't stampede
        self.next_retry = time.monotonic() + wait
        self.on_change()
        await asyncio.sleep(wait)
        return min(cap, delay * 2)

    def _took_over(self, engine: str, at: str) -> None:
        """The link came back on another engine (HA takeover): say so, loudly."""
        was = f"{self.engine or 'engine'} at {self.at}"
        line = f"engine takeover: now attached to {engine or 'engine'} at {at} (was {was})"
        self.takeovers.append(line)
        self.on_notice(line)

    def engine_gone(self, why: str) -> None:
        """The engine is known to be dead (the demo's process exited): stop retrying."""
        self.fatal = why
        self._settled.set()
        if self.stale_since is None:
            self.stale_since = time.time()
        self._set("lost", why)
        if self._client is not None:
            spawn(self._client.close(), "console: close after engine exit")

    def start(self, action: str, reason: str = "", **args: str) -> Awaitable[Outcome]:
        """Send a command now (see :meth:`ConsoleClient.start`); await the result for its
        outcome. Raises :class:`NotSent` at once when not attached."""
        client = self._client
        if client is None or self.state != "attached":
            raise NotSent(f"not attached to the engine ({self.state}): nothing was sent")
        try:
            sent = client.start(action, reason, **args)
        except AttachError as exc:
            raise NotSent(f"{exc}: nothing was sent") from None
        return self._outcome(sent)

    async def _outcome(self, sent: asyncio.Future[Outcome]) -> Outcome:
        try:
            async with asyncio.timeout(COMMAND_TIMEOUT_S):
                return await sent
        except TimeoutError:
            raise NotSent(
                f"no answer from the engine within {COMMAND_TIMEOUT_S:g}s: it may still "
                "apply; check the timeline/journal"
            ) from None
        except AttachError as exc:
            raise NotSent(f"{exc}: the outcome is unknown; check the journal") from None

    async def command(self, action: str, reason: str = "", **args: str) -> Outcome:
        return await self.start(action, reason, **args)

    async def close(self) -> None:
        self.fatal = self.fatal or "closed"
        if self._client is not None:
            await self._client.close()


Source = StaticSource | LiveSource
