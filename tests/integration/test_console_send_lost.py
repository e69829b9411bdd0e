"""A connection that drops while a key is being sent: an AttachError the app
turns into a notice, never a ConnectionClosed that ends the console."""

from __future__ import annotations

import pytest

from tui.app.source import LiveSource, NotSent
from tui.console.client import AttachError

from support.engine_rig import TOKEN
from support.fixtures import StartEngine


async def test_a_send_on_a_dropped_connection_is_an_attach_error(engine: StartEngine) -> None:
    rig = await engine(["binance"])
    alice = await rig.console("alice")
    assert alice.ws is not None
    await alice.ws.close()
    with pytest.raises(AttachError, match="lost while sending"):
        await alice.command("note", text="into the void")
    source = LiveSource(rig.service.server.url, TOKEN, "bob")
    source._client, source.state = alice, "attached"
    with pytest.raises(NotSent):
        await source.command("note", text="still no exit")
