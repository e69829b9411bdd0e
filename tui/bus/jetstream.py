"""Connecting to NATS and the JetStream objects every participant needs.

Streams are created idempotently by whichever participant comes first, with
the same configuration, so collectors and engines can start in any order.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Final
from urllib.parse import urlsplit

from tui.bus.frames import BOOK_STREAM, BOOK_SUBJECTS, DAY_S, FEED_STREAM, FEED_SUBJECTS
from tui.errors import UserError

log = logging.getLogger("venuewatch.bus")

CLOCK_STREAM: Final = "VW_CLOCK"


class BusError(UserError):
    """NATS unreachable or misconfigured; the message is one line for the user."""


def server_url(url: str) -> str:
    """The NATS server part of a ``nats://host:port[?query]`` URL, checked."""
    parts = urlsplit(url)
    if parts.scheme not in ("nats", "tls"):
        raise BusError(f"{url}: not a NATS URL (expected nats://HOST:PORT)")
    if not parts.hostname:
        raise BusError(f"{url}: no host in the NATS URL")
    try:
        port = parts.port or 4222
    except ValueError:
        raise BusError(f"{url}: bad port in the NATS URL") from None
    return f"{parts.scheme}://{parts.hostname}:{port}"


async def connect(url: str, name: str, **callbacks: Any) -> Any:
    """A NATS connection that reconnects forever; BusError if the first attempt fails."""
    try:
        import nats
    except ImportError:
        raise BusError(
            "NATS support needs the nats-py package: pip install 'venuewatch[nats]'"
        ) from None

    async def _error(exc: Exception) -> None:
        log.warning("nats: %s", exc)

    # nats-py retries a first connection forever when reconnects are unlimited;
    # a user who typed the wrong port deserves one line now, not a retry loop.
    target = urlsplit(server_url(url))
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(target.hostname, target.port), 3.0
        )
        writer.close()
    except (OSError, TimeoutError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "timed out"
        raise BusError(f"cannot connect to NATS at {server_url(url)}: {reason}") from None
    try:
        return await nats.connect(
            server_url(url),
            name=name,
            connect_timeout=3,
            allow_reconnect=True,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            error_cb=_error,
            **callbacks,
        )
    except BusError:
        raise
    except Exception as exc:
        raise BusError(f"cannot connect to NATS at {server_url(url)}: {exc}") from None


async def ensure_streams(js: Any, max_age_s: float = DAY_S, max_bytes: int = -1) -> None:
    """VW_FEED (raw + health, a day by default), VW_BOOK (last value), VW_CLOCK."""
    from nats.js.api import DiscardPolicy, StorageType, StreamConfig

    configs = [
        StreamConfig(
            name=FEED_STREAM,
            subjects=list(FEED_SUBJECTS),
            storage=StorageType.FILE,
            max_age=max_age_s,
            max_bytes=max_bytes,
            discard=DiscardPolicy.OLD,
        ),
        StreamConfig(
            name=BOOK_STREAM,
            subjects=list(BOOK_SUBJECTS),
            storage=StorageType.MEMORY,
            max_msgs_per_subject=1,
        ),
        StreamConfig(
            name=CLOCK_STREAM,
            subjects=["vw.clock.*"],
            storage=StorageType.MEMORY,
            max_msgs_per_subject=1,
        ),
    ]
    for cfg in configs:
        try:
            await js.add_stream(config=cfg)
        except Exception as exc:
            # Already there with another configuration (an operator's retention):
            # theirs wins, ours was only a default.
            log.info("stream %s kept as it is: %s", cfg.name, exc)


async def clock_offset(js: Any, who: str) -> tuple[int, int]:
    """(this clock minus the NATS server's, ± error) in ns, NTP-style.

    The server stamps a stored message with its own clock; our send and
    acknowledgement times bracket that stamp, so the midpoint is our reading of
    the same instant and half the round trip bounds the error.
    """
    t0 = time.time_ns()
    ack = await js.publish(f"vw.clock.{who}", b"", stream=CLOCK_STREAM)
    t1 = time.time_ns()
    msg = await js.get_msg(CLOCK_STREAM, ack.seq)
    server_ns = int(msg.time.timestamp() * 1e9) if msg.time is not None else (t0 + t1) // 2
    return (t0 + t1) // 2 - server_ns, (t1 - t0) // 2
