"""A console that sends a burst of notes and prints each acknowledged journal seq.

Run as a subprocess by the kill -9 test: one line "<command id> <seq>" per ack, flushed
at once, so the test knows exactly what the engine promised before it died.
"""

from __future__ import annotations

import asyncio
import sys

from tui.console.client import AttachError, ConsoleClient


async def main(url: str, token: str) -> None:
    client = ConsoleClient(url, token, "burst")
    await client.connect()
    reader = asyncio.create_task(client.run())
    try:
        for i in range(10_000):
            out = await client.command("note", text=f"burst {i}")
            print(out.id, out.seq, flush=True)
    except (AttachError, OSError):
        pass
    reader.cancel()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
