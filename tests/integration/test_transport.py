"""Both venue transports (picows, websockets) behave alike at the supervisor's boundary.

A real ``websockets`` server on loopback plays the venue; each test runs over
both clients: whole messages as bytes (fragmented ones reassembled), the
venue's close frame answered and reported in the same words, sends after the
end refused, a refused connection a ConnectFailed, and a client that stops
reading holds a bounded queue (reading pauses) and loses nothing once it reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from adapters.transport import (
    NAMES,
    Closed,
    ConnectFailed,
    Options,
    TransportChoiceError,
    choose,
    connect,
)

Handler = Callable[[ServerConnection], Awaitable[None]]


@asynccontextmanager
async def venue(handler: Handler) -> AsyncIterator[str]:
    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}/ws"


@pytest.mark.parametrize("transport", NAMES)
async def test_messages_arrive_whole_as_bytes_and_the_venues_close_is_reported(
    transport: str,
) -> None:
    got_close = asyncio.Event()

    async def handler(ws: ServerConnection) -> None:
        await ws.send("hello")
        await ws.send(b"\x00binary")
        await ws.send(["frag", "mented", " message"])  # one message in three frames
        await ws.close(4000, "silent")
        got_close.set()

    async with venue(handler) as url:
        conn = await connect(url, Options(), transport)
        assert await conn.recv() == b"hello"
        assert await conn.recv() == b"\x00binary"
        assert await conn.recv() == b"fragmented message"
        with pytest.raises(Closed) as closed:
            await conn.recv()
        assert str(closed.value) == "closed by venue: 4000 silent"
        assert conn.close_reason == "silent"
        await asyncio.wait_for(got_close.wait(), 5.0)  # our answer completed its handshake
        with pytest.raises(Closed):
            await conn.send("too late")
        await conn.close()


@pytest.mark.parametrize("transport", NAMES)
async def test_our_close_reaches_the_venue_with_its_code(transport: str) -> None:
    seen: list[tuple[int | None, str | None]] = []
    done = asyncio.Event()

    async def handler(ws: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):  # a 4001 close ends the loop with it
            async for msg in ws:
                await ws.send(f"echo {msg!s}")
        seen.append((ws.close_code, ws.close_reason))
        done.set()

    async with venue(handler) as url:
        conn = await connect(url, Options(), transport)
        await conn.send("ping")
        assert await conn.recv() == b"echo ping"
        await conn.close(4001, "BTC/USD not resynced")
        await asyncio.wait_for(done.wait(), 5.0)
    assert seen == [(4001, "BTC/USD not resynced")]


@pytest.mark.parametrize("transport", NAMES)
async def test_a_refused_connection_is_connect_failed(transport: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connecting is refused
        with pytest.raises(ConnectFailed):
            await connect(f"ws://127.0.0.1:{port}/", Options(open_timeout=5), transport)


@pytest.mark.parametrize("transport", NAMES)
async def test_a_client_that_stops_reading_pauses_and_loses_nothing(transport: str) -> None:
    n = 2_000  # 32 MB: more than loopback's socket buffers hold
    sent_all = asyncio.Event()
    blocked = asyncio.Event()

    async def handler(ws: ServerConnection) -> None:
        for i in range(n):
            await ws.send(f"{i:08d}" + "x" * 16_000)
            if ws.transport.get_write_buffer_size() > 0:
                blocked.set()  # the client's socket is full: it stopped reading
        sent_all.set()
        await ws.wait_closed()

    async with venue(handler) as url:
        conn = await connect(url, Options(max_queue=64), transport)
        # Not reading: the venue's writes back up instead of our memory growing.
        await asyncio.wait_for(blocked.wait(), 10.0)
        assert not sent_all.is_set()
        if transport == "picows":
            listener = conn.listener  # type: ignore[attr-defined]
            assert listener.paused
            assert len(listener.messages) < n // 4
        for i in range(n):
            assert (await conn.recv())[:8] == f"{i:08d}".encode()
        assert sent_all.is_set()
        await conn.close()


def test_an_unknown_transport_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VENUEWATCH_TRANSPORT", "carrier-pigeon")
    with pytest.raises(TransportChoiceError, match=r"VENUEWATCH_TRANSPORT='carrier-pigeon'"):
        choose()
    monkeypatch.setenv("VENUEWATCH_TRANSPORT", "websockets")
    assert choose() == "websockets"
    monkeypatch.delenv("VENUEWATCH_TRANSPORT")
    assert choose() == "picows"  # installed with the project: the fast path by default


@st.composite
def _streams(draw: st.DrawFn) -> list[tuple[bytes, int, bool]]:
    """Messages as (payload, fragments, binary) a venue might send, big and small."""
    sizes = st.one_of(st.integers(0, 300), st.integers(60_000, 200_000))
    out = []
    for i in range(draw(st.integers(1, 30))):
        size, binary = draw(sizes), draw(st.booleans())
        # Drawn sizes, generated bytes: big payloads without big Hypothesis inputs.
        rnd = random.Random(i * 7919 + size)
        payload = rnd.randbytes(size) if binary else bytes(rnd.choices(b"0123456789.,[]", k=size))
        out.append((payload, draw(st.integers(1, 4)), binary))
    return out


@pytest.mark.parametrize("transport", NAMES)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stream=_streams(), max_queue=st.integers(1, 8), reads=st.lists(st.integers(0, 5)))
def test_any_stream_arrives_whole_and_in_order_whatever_the_reader_does(
    transport: str, stream: list[tuple[bytes, int, bool]], max_queue: int, reads: list[int]
) -> None:
    """Fragmented or not, text or binary, a reader that stalls in bursts loses nothing."""

    async def run() -> None:
        async def handler(ws: ServerConnection) -> None:
            for payload, parts, binary in stream:
                step = max(1, -(-len(payload) // parts))
                chunks = [payload[i : i + step] for i in range(0, len(payload), step)] or [b""]
                if binary:
                    await ws.send(chunks if len(chunks) > 1 else chunks[0])
                else:
                    texts = [c.decode() for c in chunks]
                    await ws.send(texts if len(texts) > 1 else texts[0])
            await ws.wait_closed()

        async with venue(handler) as url:
            conn = await connect(url, Options(max_queue=max_queue), transport)
            got: list[bytes] = []
            bursts = iter(reads)
            while len(got) < len(stream):
                # Read in bursts, yielding between them so more arrives meanwhile.
                for _ in range(next(bursts, 1) or 1):
                    if len(got) < len(stream):
                        got.append(await asyncio.wait_for(conn.recv(), 10.0))
                await asyncio.sleep(0)
            await conn.close()
        assert got == [payload for payload, _, _ in stream]

    asyncio.run(run())
