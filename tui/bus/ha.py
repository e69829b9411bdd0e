"""Engine high availability: one active engine, standbys, a lease in JetStream KV.

- **Lease**: key ``active`` in the KV bucket ``VW_LEASE`` whose entries expire
  ``LEASE_TTL_S`` after their last write. The active engine renews it every
  half second with a compare-and-set on its revision; a standby creates it only
  once it has expired. A renewal that fails means another engine holds it: the
  old active stops at once (never two engines acting).
- **Journal replication**: every entry the active engine writes is fsynced to
  its local file *and* stored in the stream ``VW_JOURNAL`` before the command
  is acknowledged, published with ``Nats-Expected-Last-Sequence`` so the stream
  accepts entries only in chain order and from one writer (a deposed engine's
  late write is refused, and so is its command). Each standby mirrors the
  stream into its own local file, checking every line with the journal's own
  verifier (hash, canonical form, seq and prev), so the file it takes over
  with is the same hash chain, verifiable by ``venuewatch journal verify``.
- **Takeover**: the standby that wins the lease starts the same service on its
  mirrored file; control state is rebuilt from it (isolations, halts,
  breakers, undo history), the takeover is journalled, and the lease names the
  new console URL so consoles and ``ctl`` can find the active engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import msgspec

from tui.bus.jetstream import BusError, connect
from tui.control import journal as jr
from tui.control import journal_chain as chain

log = logging.getLogger("venuewatch.ha")

LEASE_BUCKET: Final = "VW_LEASE"
LEASE_KEY: Final = "active"
LEASE_TTL_S: Final = 2.0
RENEW_S: Final = 0.5
JOURNAL_STREAM: Final = "VW_JOURNAL"
JOURNAL_SUBJECT: Final = "vw.journal"


class ReplicationError(jr.JournalError):
    """The stream refused an entry (another engine took over) or cannot be reached."""


async def ensure_ha(js: Any) -> Any:
    """The journal stream and the lease bucket; returns the bucket."""
    from nats.js.api import KeyValueConfig, StorageType, StreamConfig

    with contextlib.suppress(Exception):
        await js.add_stream(
            config=StreamConfig(
                name=JOURNAL_STREAM, subjects=[JOURNAL_SUBJECT], storage=StorageType.FILE
            )
        )
    try:
        return await js.key_value(LEASE_BUCKET)
    except Exception:
        return await js.create_key_value(
            KeyValueConfig(bucket=LEASE_BUCKET, ttl=LEASE_TTL_S, storage=StorageType.FILE)
        )


def entry_line(entry: dict[str, Any]) -> bytes:
    """The exact journal line of an entry (the writer's canonical form)."""
    fields = {k: v for k, v in entry.items() if k not in chain._RESERVED}
    canonical = chain._canonical(entry["seq"], entry["ts"], entry["kind"], entry["prev"], fields)
    return chain._line(canonical, entry["hash"])


# -- the standby's mirror ------------------------------------------------------------------


class JournalMirror:
    """The journal stream into a local hash-chained file, every line verified."""

    def __init__(self, js: Any, path: Path) -> None:
        self.js = js
        self.path = path
        self.seq = 0
        self.last = jr.ZERO_HASH
        self.error = ""
        self._fd = -1
        self._sub: Any = None
        self._advanced = asyncio.Event()

    async def _open(self) -> None:
        if self.path.exists():
            result = jr.read(self.path)
            why = result.verify.reason if result.verify.status != "ok" else ""
            if not why and result.entries:
                why = await self._diverges(result.entries[-1].seq, result.entries[-1].hash)
            if why:
                aside = self.path.with_name(f"{self.path.name}.diverged-{time.time_ns()}")
                self.path.rename(aside)
                log.warning("local journal set aside as %s: %s", aside, why)
            else:
                self.seq = result.verify.entries
                self.last = result.verify.last_hash
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    async def _diverges(self, seq: int, digest: str) -> str:
        """Why the local file is not a prefix of the stream ("" when it is).

        The chain makes one comparison enough: if the stream's entry at our
        last seq has our last hash, every entry before it is ours too.
        """
        try:
            msg = await self.js.get_msg(JOURNAL_STREAM, seq)
            theirs = msgspec.json.decode(msg.data).get("hash")
        except Exception:
            return f"entry {seq} is in the local file but not in the stream"
        return "" if theirs == digest else f"entry {seq} differs from the stream's"

    async def start(self) -> None:
        from nats.js.api import DeliverPolicy

        await self._open()
        self._sub = await self.js.subscribe(
            JOURNAL_SUBJECT,
            stream=JOURNAL_STREAM,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.ALL,
            cb=self._on_msg,
        )

    async def _on_msg(self, msg: Any) -> None:
        if self.error:
            return
        try:
            entry = msgspec.json.decode(msg.data)
            line = entry_line(entry)
        except (msgspec.DecodeError, KeyError, TypeError) as exc:
            self.error = f"stream entry unreadable: {exc}"
            return
        seq = entry.get("seq")
        if isinstance(seq, int) and seq <= self.seq:
            return  # already in the local file (checked against the stream on start)
        checked = chain._check(entry_line_obj(line), line, self.seq, self.last, self.seq + 1)
        if isinstance(checked, str):
            self.error = f"stream entry {seq} refused: {checked}"
            log.error("journal mirror stopped: %s", self.error)
            return
        os.write(self._fd, line + b"\n")
        os.fsync(self._fd)
        self.seq, self.last = checked.seq, checked.hash
        self._advanced.set()

    async def caught_up(self, timeout: float = 5.0) -> bool:
        """Whether every entry in the stream is in the local file (waits up to timeout)."""
        info = await self.js.stream_info(JOURNAL_STREAM)
        target = info.state.last_seq
        deadline = time.monotonic() + timeout
        while self.seq < target and not self.error:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._advanced.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._advanced.wait(), min(left, 0.25))
        return self.seq >= target and not self.error

    async def stop(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def entry_line_obj(line: bytes) -> object:
    return msgspec.json.decode(line)


# -- the active engine's replication --------------------------------------------------------


class ReplicatingJournal:
    """The controller's journal: local fsync, then stored in the stream, then returned."""

    def __init__(self, inner: Any, js: Any, path: Path, published: int) -> None:
        self.inner = inner
        self.js = js
        self.path = path
        self.published = published
        self._lock = asyncio.Lock()

    async def append(self, kind: str, **fields: Any) -> dict[str, Any]:
        entry: dict[str, Any] = await self.inner.append(kind, **fields)
        await self.sync(entry)
        return entry

    async def sync(self, entry: dict[str, Any] | None = None) -> None:
        """Publish every local entry the stream lacks, in order, then this one."""
        async with self._lock:
            target = entry["seq"] if entry else None
            if target is None or target > self.published + 1:
                for e in jr.read(self.path).entries:
                    if e.seq > self.published and (target is None or e.seq < target):
                        await self._publish(e.as_dict())
            if entry is not None and entry["seq"] > self.published:
                await self._publish(entry)

    async def _publish(self, entry: dict[str, Any]) -> None:
        headers = {
            "Nats-Expected-Last-Sequence": str(self.published),
            "Nats-Msg-Id": f"{entry['seq']}:{entry['hash']}",
        }
        try:
            await self.js.publish(
                JOURNAL_SUBJECT, entry_line(entry), stream=JOURNAL_STREAM, headers=headers
            )
        except Exception as exc:
            raise ReplicationError(
                f"journal entry {entry['seq']} not replicated ({exc}); another engine may be active"
            ) from None
        self.published = entry["seq"]


# -- the lease --------------------------------------------------------------------------------


class Lease:
    def __init__(self, kv: Any, engine_id: str) -> None:
        self.kv = kv
        self.engine_id = engine_id
        self.revision = 0
        self.value: dict[str, Any] = {}

    async def holder(self) -> dict[str, Any] | None:
        try:
            entry = await self.kv.get(LEASE_KEY)
        except Exception:
            return None
        if entry is None or not entry.value:
            return None
        try:
            value: dict[str, Any] = json.loads(entry.value)
        except ValueError:
            return None
        return value

    async def acquire(self, console: str) -> bool:
        self.value = {"engine": self.engine_id, "console": console, "since": time.time_ns()}
        try:
            self.revision = await self.kv.create(LEASE_KEY, json.dumps(self.value).encode())
        except Exception:
            return False
        return True

    async def publish_console(self, console: str) -> None:
        self.value["console"] = console
        await self.renew()

    async def renew(self) -> None:
        """Raises if another engine holds the lease now."""
        self.revision = await self.kv.update(
            LEASE_KEY, json.dumps(self.value).encode(), last=self.revision
        )


async def active_console(url: str, timeout: float = 5.0) -> str:
    """The active engine's console URL, from the lease (consoles and ctl follow it)."""
    nc = await connect(url, "venuewatch-discover")
    try:
        kv = await ensure_ha(nc.jetstream())
        deadline = time.monotonic() + timeout
        while True:
            holder = await Lease(kv, "").holder()
            if holder and holder.get("console"):
                return str(holder["console"])
            if time.monotonic() > deadline:
                raise BusError(f"no active engine holds the lease at {url}")
            await asyncio.sleep(0.2)  # the lease is written within a second of a takeover
    finally:
        await nc.close()


# -- one engine's life --------------------------------------------------------------------------


async def run_ha(
    nats_url: str,
    engine_id: str,
    journal_path: Path,
    start_service: Callable[[], Any],
    on_role: Callable[[dict[str, Any]], None],
    stop: asyncio.Event,
) -> int:
    """Standby until the lease is free, then active until stopped or deposed."""
    nc = await connect(nats_url, f"venuewatch-engine-{engine_id}")
    js = nc.jetstream()
    kv = await ensure_ha(js)
    lease = Lease(kv, engine_id)
    mirror = JournalMirror(js, journal_path)
    await mirror.start()
    on_role({"event": "standby", "engine": engine_id, "journal": str(journal_path)})
    previous: dict[str, Any] | None = None
    while not stop.is_set():
        previous = await lease.holder() or previous
        if mirror.error:
            await nc.close()
            raise BusError(f"journal mirror stopped: {mirror.error}")
        if await lease.acquire(""):
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.25)
    if stop.is_set():
        await mirror.stop()
        await nc.close()
        return 0
    started = time.monotonic()
    if not await mirror.caught_up():
        await mirror.stop()
        await nc.close()
        raise BusError("the journal stream could not be mirrored completely; not taking over")
    await mirror.stop()
    service = await start_service()
    replicated = ReplicatingJournal(service.controller.journal, js, journal_path, mirror.seq)
    service.controller.journal = replicated
    await replicated.sync()
    await lease.publish_console(service.server.url)
    await service.controller.record(
        "system",
        event="takeover",
        engine=engine_id,
        previous=(previous or {}).get("engine", ""),
        console=service.server.url,
        took_s=round(time.monotonic() - started, 3),
    )
    on_role(
        {
            "event": "ready",
            "role": "active",
            "engine": engine_id,
            "console": service.server.url,
            "journal": str(journal_path),
        }
    )
    code = 0
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RENEW_S)
        if stop.is_set():
            break
        try:
            await lease.renew()
        except Exception as exc:
            log.error("lease lost (%s): stepping down", exc)
            code = 3
            break
    await service.stop("lease lost" if code else "signal")
    with contextlib.suppress(Exception):
        await kv.delete(LEASE_KEY) if code == 0 else None
    await nc.close()
    return code
