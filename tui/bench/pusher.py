"""The end-to-end bench's other process: a simulated venue pushing flat out.

Run as ``python -m tui.bench.pusher CASE FRAMES SEED [RATE [cue]]`` (``cue``: wait
for a ``go`` line on stdin before pushing). It pre-generates the
capture (:class:`~tui.bench.frames.Capture`: the simulator's own encoders),
serves the venue's websocket and REST snapshot on 127.0.0.1, and once the
client has subscribed (and fetched its snapshots, on venues that need them)
writes every frame as fast as the socket drains (or, given a RATE, that many
frames a second: the steady load of the responsiveness bench).

The stream is written as pre-encoded websocket frames straight onto the
transport, in large chunks, rather than one ``send()`` per frame: the point
is to measure the *engine*, so the pusher must never be the bottleneck. (A
server's frames are unmasked, so encoding is a header and the payload; the
websockets library still does the handshake and reads what the client sends.)

Its REST snapshot follows the stream: the book as of a checkpoint at or past
the frames already written (checkpoints every :data:`CHECKPOINT_FRAMES`, taken
while the frames are generated), as a venue's would be. A client that resyncs
mid-stream (the responsiveness bench's overload sheds and then resyncs) gets a
snapshot its buffered stream continues, never the one from before the push.

It talks to the bench over stdout, one JSON object a line: ``ready`` (with the
adapter settings pointing at it), then ``pushed`` (with the books a correct
client now holds, the pusher's own CPU time, and the rate it was paced at
against the rate it delivered: every frame written, over the time until the
last one had left its buffer). It exits when stdin closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import struct
import sys
import time
from itertools import accumulate
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import msgspec
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from tui.bench.frames import CASES, Capture, adapter_for

CHUNK_BYTES = 1 << 20
CHECKPOINT_FRAMES = 20_000
HIGH_WATER = 8 << 20


def ws_frame(payload: bytes) -> bytes:
    """One unmasked, final text frame (what a server sends)."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x81, n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x81, 126, n)
    else:
        head = struct.pack("!BBQ", 0x81, 127, n)
    return head + payload


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


class Pusher:
    def __init__(
        self, case_name: str, n_frames: int, seed: int, rate: float = 0.0, cue: bool = False
    ) -> None:
        case = next(c for c in CASES if c.name == case_name)
        self.capture = Capture.for_case(case, seed)
        self.rate = rate
        self.sent = 0
        """Frames written to the socket so far."""
        self.checkpoints: list[tuple[int, dict[str, bytes]]] = [(0, dict(self.capture.rest))]
        """(frames before it, symbol -> REST body): the book at points of the stream."""
        frames: list[bytes] = []
        while len(frames) < n_frames:
            step = min(CHECKPOINT_FRAMES, n_frames - len(frames))
            frames.extend(ws_frame(f) for f in self.capture.take(step))
            if self.capture.rest:
                self.checkpoints.append((len(frames), self._rest_now()))
        self.n = len(frames)
        self.ends = list(accumulate(map(len, frames)))
        """Byte offset where each frame ends, so a paced push cuts on frame boundaries."""
        self.stream = b"".join(frames)
        del frames
        self.expected = self.capture.expected()
        self.seqs = self.capture.expected_seqs()
        self.served: set[str] = set()
        self.subscribed = asyncio.Event()
        self.go = asyncio.Event()
        """Set by a ``go`` line on stdin (with ``cue``): the push waits for the bench."""
        if not cue:
            self.go.set()
        if not self.capture.requests:
            self.subscribed.set()  # the URL named the streams (Binance)

    def _rest_now(self) -> dict[str, bytes]:
        cap = self.capture
        venue = adapter_for(cap.settings, cap.name)
        out = {}
        for sym in cap.rest:
            req = urlsplit(venue.snapshot_request(sym))
            answer = cap.sv.http(req.path, dict(parse_qsl(req.query)))
            if answer is not None and answer[0] == 200:
                out[sym] = answer[1]
        return out

    def rest(self, _: ServerConnection, request: Request) -> Response | None:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return None
        query = request.path.partition("?")[2]
        symbol = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("symbol", "")
        # The first checkpoint at or past what was written: never older than the
        # client's stream (it may be ahead: the client skips what it covers).
        at = next((b for n, b in self.checkpoints if n >= self.sent), self.checkpoints[-1][1])
        body = at.get(symbol.upper())
        if body is None:
            return _response(404, b'{"error":"no such snapshot"}')
        self.served.add(symbol.upper())
        return _response(200, body)

    async def handle(self, ws: ServerConnection) -> None:
        for frame in self.capture.setup:
            await ws.send(frame.decode())
        reader = asyncio.create_task(self._drain_input(ws))
        try:
            # Start only once the client can apply what it gets: after its
            # subscribe frames, and its REST snapshots where the venue needs them.
            await self.subscribed.wait()
            # Served by process_request, which has no awaitable to wait on: poll.
            while not set(self.capture.rest) <= self.served:  # noqa: ASYNC110
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.2)
            await self.go.wait()
            cpu0, t0 = cpu_s(), time.monotonic()
            if self.rate > 0:
                await self._paced(ws)
            else:
                await self._blast(ws)
            seconds = time.monotonic() - t0
            emit(
                {
                    "event": "pushed",
                    "frames": self.n,
                    "setup_frames": len(self.capture.setup),
                    "seconds": seconds,
                    # What the venue offered, and what the client's reading let it write:
                    # a paced push that fell behind its schedule was not the load asked for.
                    "paced_frames_per_s": self.rate,
                    "delivered_frames_per_s": round(self.n / seconds) if seconds > 0 else 0,
                    "cpu_s": cpu_s() - cpu0,
                    "expected": {
                        s: [list(b.items()), list(a.items())] for s, (b, a) in self.expected.items()
                    },
                    "seqs": self.seqs,
                }
            )
            await ws.wait_closed()
        finally:
            reader.cancel()

    async def _drain_input(self, ws: ServerConnection) -> None:
        with contextlib.suppress(Exception):
            async for _ in ws:
                self.subscribed.set()
        self.subscribed.set()

    async def _blast(self, ws: ServerConnection) -> None:
        transport = ws.transport
        data = memoryview(self.stream)
        for i in range(0, len(data), CHUNK_BYTES):
            if transport.is_closing():
                return
            # The transport offers no awaitable for "buffer below a mark": poll.
            while transport.get_write_buffer_size() > HIGH_WATER:  # noqa: ASYNC110
                await asyncio.sleep(0.0005)
            transport.write(data[i : i + CHUNK_BYTES])
        self.sent = self.n
        while transport.get_write_buffer_size() and not transport.is_closing():  # noqa: ASYNC110
            await asyncio.sleep(0.001)

    async def _paced(self, ws: ServerConnection) -> None:
        """``rate`` frames a second, written every few milliseconds (a steady load)."""
        transport = ws.transport
        data = memoryview(self.stream)
        ends = self.ends
        t0 = time.monotonic()
        sent = 0
        while sent < self.n and not transport.is_closing():  # the client may hang up
            await asyncio.sleep(0.002)
            due = min(self.n, int((time.monotonic() - t0) * self.rate))
            if due > sent:
                start = ends[sent - 1] if sent else 0
                try:
                    transport.write(data[start : ends[due - 1]])
                except RuntimeError:  # the client hung up mid-push (teardown)
                    return
                sent = self.sent = due
            while transport.get_write_buffer_size() > HIGH_WATER:  # noqa: ASYNC110
                await asyncio.sleep(0.001)
        while transport.get_write_buffer_size() and not transport.is_closing():  # noqa: ASYNC110
            await asyncio.sleep(0.001)

    async def run(self) -> None:
        async with serve(
            self.handle,
            "127.0.0.1",
            0,
            process_request=self.rest,
            compression=None,
            ping_interval=None,
            max_queue=None,
        ) as server:
            port = server.sockets[0].getsockname()[1]
            cap = self.capture
            settings = msgspec.to_builtins(cap.settings)
            path = cap.sv.url_path
            settings["url"] = f"ws://127.0.0.1:{port}{path}"
            settings["rest_url"] = f"http://127.0.0.1:{port}"
            emit({"event": "ready", "venue": cap.name, "settings": settings, "frames": self.n})
            # Until the bench closes our stdin; a "go" line is the cue to push.
            loop = asyncio.get_running_loop()
            while line := await loop.run_in_executor(None, sys.stdin.readline):
                if line.strip() == "go":
                    self.go.set()


def _response(status: int, body: bytes) -> Response:
    headers = Headers(
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
        ]
    )
    return Response(status, "OK" if status == 200 else "Not Found", headers, body)


def main(argv: list[str]) -> int:
    case, n, seed = argv[0], int(argv[1]), int(argv[2])
    rate = float(argv[3]) if len(argv) > 3 else 0.0
    cue = len(argv) > 4 and argv[4] == "cue"
    asyncio.run(Pusher(case, n, seed, rate, cue).run())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
