"""A time range of the bus's raw stream written as a capture file.

``venuewatch capture export`` and ``venuewatch replay nats://…`` both go
through here, so a replay from JetStream is a replay of a capture file: the
same reader, adapters, feeds and engine as any other post-mortem.

What the file format cannot say by itself is made explicit: a hole in a
collector's sequence numbers (messages lost before they reached the stream)
becomes a ``disconnect`` line on every connection of that collector, so the
replay discards those books exactly as the live engine did; frames of a
connection whose adapter settings are unknown (the range starts mid-stream and
no health message named them yet) are skipped and counted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

import msgspec

from adapters.capture import Line, Writer
from tui.bus.frames import FEED_STREAM, CollectorHealth, RawFrame, SupervisorStatus, feed_decoder
from tui.bus.jetstream import BusError, connect

LOOKBACK_S: Final = 2.0
"""Read this much before the range for the collectors' health (adapter settings)."""
LATE_S: Final = 5.0
"""Stop this long (stream time) after the range ends: collectors publish a little late."""


@dataclass
class Range:
    url: str
    start_ns: int
    end_ns: int
    collector: str | None = None


@dataclass
class Exported:
    lines: int = 0
    skipped: int = 0
    gaps: int = 0
    collectors: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "skipped": self.skipped,
            "gaps": self.gaps,
            "collectors": sorted(self.collectors),
        }


def parse_time(text: str, what: str) -> int:
    """ISO 8601 (``2026-11-28T09:00:00Z``) or seconds since the epoch, as ns."""
    try:
        return int(float(text) * 1e9)
    except ValueError:
        pass
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BusError(
            f"{what}={text!r}: expected ISO 8601 (2026-11-28T09:00:00Z) or epoch s"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1e6) * 1000


def parse_range(url: str) -> Range:
    """``nats://HOST:PORT?start=…&end=…[&collector=NAME]`` (end defaults to now)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    unknown = sorted(set(query) - {"start", "end", "collector"})
    if unknown:
        raise BusError(f"{url}: unknown parameter(s) {', '.join(unknown)} (start, end, collector)")
    if "start" not in query:
        raise BusError(f"{url}: give the range start, e.g. ?start=2026-11-28T09:00:00Z")
    start = parse_time(query["start"][0], "start")
    end = parse_time(query["end"][0], "end") if "end" in query else time.time_ns()
    if end <= start:
        raise BusError(f"{url}: end is not after start")
    base = f"{parts.scheme}://{parts.netloc}"
    return Range(base, start, end, query.get("collector", [None])[0])


async def export(rng: Range, out: str | Path) -> Exported:
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    nc = await connect(rng.url, "venuewatch-export")
    stats = Exported()
    writer = Writer(out)
    try:
        js = nc.jetstream()
        begin = datetime.fromtimestamp((rng.start_ns / 1e9) - LOOKBACK_S, UTC)
        config = ConsumerConfig(
            deliver_policy=DeliverPolicy.BY_START_TIME,
            opt_start_time=begin,
            ack_policy=AckPolicy.NONE,
            inactive_threshold=30.0,
        )
        try:
            sub = await js.pull_subscribe("vw.>", stream=FEED_STREAM, config=config)
        except Exception as exc:
            raise BusError(f"cannot read stream {FEED_STREAM} at {rng.url}: {exc}") from None
        state = _Exporter(rng, writer, stats)
        stop_after = rng.end_ns + int(LATE_S * 1e9)
        while True:
            try:
                msgs = await sub.fetch(1000, timeout=1.0)
            except Exception:
                break  # nothing more in the stream
            done = False
            for m in msgs:
                if int(m.metadata.timestamp.timestamp() * 1e9) > stop_after:
                    done = True
                    break
                try:
                    state.apply(feed_decoder.decode(m.data))
                except msgspec.DecodeError:
                    stats.skipped += 1
            if done or (msgs and msgs[-1].metadata.num_pending == 0):
                break
        await sub.unsubscribe()
    finally:
        writer.close()
        await nc.close()
    return stats


class _Exporter:
    def __init__(self, rng: Range, writer: Writer, stats: Exported) -> None:
        self.rng = rng
        self.writer = writer
        self.stats = stats
        self.settings: dict[str, dict[str, object]] = {}
        self.runs: dict[str, tuple[str, int]] = {}
        self.open: dict[str, set[tuple[str, str]]] = {}
        self.known: set[tuple[str, str]] = set()
        self.last_ts = rng.start_ns

    def apply(self, msg: object) -> None:
        if not isinstance(msg, RawFrame | CollectorHealth | SupervisorStatus):
            return
        c = msg.collector
        if self.rng.collector is not None and c != self.rng.collector:
            return
        prev = self.runs.get(c)
        if prev is not None and prev[0] == msg.run and msg.seq <= prev[1]:
            return  # the same message twice (a publisher retried): once is enough
        if prev is not None and prev[0] == msg.run and msg.seq != prev[1] + 1:
            self._break(c, f"gap in the bus stream: {msg.seq - prev[1] - 1} message(s) missing")
        elif prev is not None and prev[0] != msg.run:
            self._break(c, f"collector {c} restarted")
        self.runs[c] = (msg.run, msg.seq)
        if isinstance(msg, CollectorHealth):
            self.settings.update(msg.venues)
            return
        if isinstance(msg, SupervisorStatus):
            return  # not part of the capture format; the raw lines say what happened
        line = msg.line
        if not (self.rng.start_ns <= line.ts < self.rng.end_ns):
            return
        key = (line.venue, line.conn)
        self.last_ts = line.ts
        if line.event == "connect":
            self.known.add(key)
            self.open.setdefault(c, set()).add(key)
        elif key not in self.known:
            settings = self.settings.get(line.venue)
            if settings is None:
                self.stats.skipped += 1
                return
            # Joined mid-connection: announce it, so the replay builds the adapter
            # and knows its books start unsynced.
            self.known.add(key)
            self.open.setdefault(c, set()).add(key)
            symbols = settings.get("symbols")
            self.writer.event(
                line.ts,
                line.venue,
                line.conn,
                "connect",
                url="",
                symbols=list(symbols) if isinstance(symbols, list) else [],
                settings=settings,
            )
            self.stats.lines += 1
        if line.event == "disconnect":
            self.open.get(c, set()).discard(key)
            self.known.discard(key)
        self._write(line)
        self.stats.collectors.add(c)

    def _write(self, line: Line) -> None:
        if line.event is None:
            self.writer.frame(line.ts, line.venue, line.conn, line.payload())
        else:
            fields = {
                k: v
                for k in ("symbol", "symbols", "url", "reason", "settings", "raw")
                if (v := getattr(line, k)) is not None
            }
            self.writer.event(line.ts, line.venue, line.conn, line.event, **fields)
        self.stats.lines += 1

    def _break(self, collector: str, reason: str) -> None:
        self.stats.gaps += 1
        ts = self.last_ts
        for venue, conn in sorted(self.open.pop(collector, set())):
            self.known.discard((venue, conn))
            self.writer.event(ts, venue, conn, "disconnect", reason=reason)
            self.stats.lines += 1
