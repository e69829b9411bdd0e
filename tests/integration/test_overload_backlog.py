"""Past capacity with a *fast* apply: the backlog is in the kernel, and it is seen.

The venue (another process) writes its stream flat out; the reader applies at
full speed (no artificial cost). The client stops reading at its queue bound,
so what the engine has not applied waits in the kernel, and the client's
queue empties every time the reader drains one read. The engine must still
count itself behind (the kernel's unread bytes), shed, recover and end exact;
and no single socket read may hand the loop an unbounded number of frames.
Nothing here is timed: the tests wait on the reader's own state.
"""

from __future__ import annotations

import pytest

from adapters.lag import BEHIND_BYTES
from adapters.transport_picows import READ_BYTES, PicowsConnection

from support.flat_out import flat_out

SMALLEST_FRAME = 180
"""Bytes in the smallest websocket frame of this stream (a 2-byte header and a diff)."""


@pytest.mark.parametrize("transport", ["picows", "websockets"])
async def test_a_fast_reader_behind_a_venue_writing_flat_out_sheds_and_ends_exact(
    transport: str,
) -> None:
    # Shedding after 0.1 s behind: the stream is several times that at any speed of ours.
    async with flat_out(60_000, transport, {"shed_after_s": 0.1, "min_shed_s": 0.05}) as run:
        feed = run.feed
        await run.wait_for(
            lambda: feed.shed_frames > 0, timeout=60.0, what="the reader to start shedding"
        )
        assert any(st.lagging for st in feed.instruments.values())
        # picows counts what it drops as it parses (no copy, no queue); websockets cannot.
        (ws,) = run.sup.connected.values()
        await run.wait_for(
            lambda: ws.dropped() > 0 or transport != "picows", 60.0, "frames dropped by the client"
        )
        assert ws.dropped() == 0 or transport == "picows"
        await run.wait_for(run.exact, timeout=60.0, what="exact books after the stream")
        assert all(st.lag_resyncs >= 1 for st in feed.instruments.values())
        assert feed.disconnects == 0


async def test_one_socket_read_hands_the_reader_a_bounded_number_of_frames() -> None:
    async with flat_out(30_000, "picows", {"shed_after_s": float("inf")}) as run:
        await run.wait_for(run.exact, timeout=60.0, what="the whole stream applied")
        (ws,) = run.sup.connected.values()
        assert isinstance(ws, PicowsConnection)
        # Applied flat out, the stream backed up in the kernel (a read's worth or more)...
        assert ws.reads.most_per_read > 0
        # ...yet no read handed over more than fits in READ_BYTES.
        assert ws.reads.most_per_read <= READ_BYTES // SMALLEST_FRAME
        assert BEHIND_BYTES >= READ_BYTES
