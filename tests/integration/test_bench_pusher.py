"""The bench's venue serves every connection the stream from its start.

The end-to-end bench connects several clients in turn to one pusher. A client
given the snapshot at the stream's end holds an exact book while applying
nothing (every frame is "already covered"), so exactness alone cannot catch it:
the count of applied updates does.
"""

from __future__ import annotations

from tui.bench.e2e import read_json, start_pusher, stop_pusher
from tui.bench.peer_e2e import _ours, _Pusher

FRAMES = 3_000


async def test_each_connection_in_turn_applies_the_whole_stream() -> None:
    proc = await start_pusher("binance-5", FRAMES, 7)
    try:
        p = _Pusher(proc, await read_json(proc, 60.0))
        for transport in ("picows", "websockets"):
            out = await _ours(p, transport, 7, 60.0)
            assert out["problems"] == []
            assert out["applied"] == p.total
    finally:
        await stop_pusher(proc)
