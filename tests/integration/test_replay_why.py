"""'Why did this fire?' in the console: the report's evidence, from the capture being replayed.

The engine answers the read-only ``why`` request with the rule's metric series
around the firing, the consensus at that moment and okx's frames before and
after it from the capture — sanitized and cut to an excerpt, since they go to
a terminal — and the alerts pane's detail view shows them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tui.capture_config import replay_config
from tui.console.client import ConsoleClient
from tui.control import journal
from tui.replay_service import ReplayService

from support.fixtures import StartEngine
from support.replay_capture import T0, S, write_capture
from support.waiting import until_screen

HOSTILE = "\x1b]0;pwned\x07\x1b[2J" + "x" * 600  # retitles, clears, and goes on and on


@pytest.fixture(scope="module")
def capture_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_capture(tmp_path_factory.mktemp("why") / "okx.ndjson.gz", hostile=HOSTILE)


async def _replay_past_the_alert(cap: Path, jpath: Path, to: int = T0 + 31 * S) -> ReplayService:
    cfg, _ = replay_config(cap, None)
    svc = ReplayService(cfg, "tok", cap, speed=1, journal_path=jpath, port=0)
    svc.pause()
    await svc.start()
    svc.seek(to)
    await asyncio.wait_for(svc.paused_event.wait(), 20)
    return svc


def test_the_engine_answers_why_from_the_capture(capture_file: Path, tmp_path: Path) -> None:
    async def go() -> tuple[Any, Any, Any]:
        svc = await _replay_past_the_alert(capture_file, tmp_path / "j.jsonl")
        client = ConsoleClient(svc.server.url, "tok", user="alice")
        await client.connect()
        reader = asyncio.create_task(client.run())
        try:
            good = await client.command(
                "why", key="stale|okx|BTC-USD", fired="2025-11-28T07:01:57.250Z"
            )
            bad = await client.command("why", key="stale|okx|BTC-USD", fired="yesterday")
            return good, bad, journal.read(tmp_path / "j.jsonl").entries
        finally:
            reader.cancel()
            await client.close()
            await svc.stop("test")

    good, bad, entries = asyncio.run(go())
    assert good.ok, good.detail
    data = good.data
    assert data["capture"] == str(capture_file) and not data["recording"]
    assert data["rule"] == "stale" and data["venue"] == "okx" and data["instrument"] == "BTC-USD"
    # The whole series, before and after, not only the last reading.
    offsets = [r["offset_s"] for r in data["series"]]
    # (from the capture's start, 9.25 s before, to its end, 20.75 s after)
    assert min(offsets) == -9.25 and max(offsets) == 20.0 and len(offsets) == 31
    at = {r["offset_s"]: r for r in data["series"]}
    assert at[0.0]["staleness_s"] == pytest.approx(5.15)
    # The frames around it, from the capture: the last three before, those after.
    assert [f["t"] for f in data["frames"]] == [
        "2025-11-28T07:01:51.100000Z",
        "2025-11-28T07:01:51.600000Z",
        "2025-11-28T07:01:52.100000Z",
    ]
    after = data["frames_after"]
    assert [f["t"] for f in after] == ["2025-11-28T07:02:17.000000Z", "2025-11-28T07:02:18.000000Z"]
    hostile = after[0]["raw"]
    assert "\x1b" not in hostile and "\x07" not in hostile
    assert hostile.startswith("\\x1b]0;pwned\\x07\\x1b[2J") and "… (+" in hostile
    assert len(hostile) < 300  # an excerpt, not 600 characters
    c = data["consensus"]
    assert c["instrument"] == "BTC-USD" and c["mids"]["okx"] == pytest.approx(3366.45)
    assert not bad.ok and "fired" in bad.detail
    # A question changes nothing: not journalled.
    assert not [e for e in entries if "why" in (e.fields.get("action"), e.kind)]


async def test_the_alert_detail_view_lists_the_frames_and_the_series(
    capture_file: Path, tmp_path: Path
) -> None:
    from tui.app.app import ConsoleApp
    from tui.app.detail import DetailScreen
    from tui.app.layout_view import Pane
    from tui.app.panels.alerts import AlertsPanel
    from tui.app.source import LiveSource

    # Paused while the alert fires; the frames after it are still ahead in the capture.
    svc = await _replay_past_the_alert(capture_file, tmp_path / "j.jsonl", T0 + 20 * S)
    svc.scheduler.pause()  # nothing ticking: Pilot sees the app idle after each key at once
    try:
        source = LiveSource(svc.server.url, "tok", "alice")
        app = ConsoleApp(source, layout="default")
        async with app.run_test(size=(140, 40)) as pilot:
            await until_screen(
                pilot, lambda: source.state == "attached" and source.model.alerts, timeout=30.0
            )
            app.select(venue="okx", instrument="BTC-USD")
            next(p for p in app.query(Pane) if isinstance(p.panel, AlertsPanel)).focus()
            await pilot.press("enter")
            assert isinstance(app.screen, DetailScreen)
            screen = app.screen
            await until_screen(pilot, lambda: not screen.query("#detail-pending"), timeout=30.0)
            text = "\n".join(r.plain for r in screen.rows)
    finally:
        await svc.stop("test")
    assert text.startswith("Why did this fire? — stale on okx")
    assert "Readings from the capture okx.ndjson.gz" in text
    # One venue quotes it: no reference price formed, and the venue's own mid is named.
    assert "consensus BTC-USD at firing: - (references: okx; mids: okx 3366.45)" in text
    assert "offset" in text and "staleness_s" in text and "+0.00" in text and "-9.00" in text
    assert "3 frames from okx before it fired:" in text
    assert "07:01:52.100" in text and '"instId": "BTC-USDT"' in text
    assert "2 frames from okx after it fired:" in text
    assert "\\x1b]0;pwned" in text and "\x1b" not in text
    # The readings sit under the alert, before the list of every alert.
    assert text.index("Readings from the capture") < text.index("Every alert")


async def test_a_recording_engine_answers_why_from_its_own_capture(
    tmp_path: Path, engine: StartEngine
) -> None:
    """Live, with ``record``: the capture still being written is where the frames come from."""
    from tui.app.panels.why import iso_us

    live = tmp_path / "live.ndjson.gz"
    rig = await engine(["kraken"], extra={"record": str(live)})
    await rig.healthy()
    rig.sim.inject("kraken", "stall", duration_s=60)
    a = await rig.wait_for(lambda: rig.alert("stale", "kraken"), what="stale alert")
    # Asked a moment after it fired (each engine evaluation wakes this wait).
    await rig.wait_for(lambda: rig.engine.wall() >= a.fired_ns + 1_500_000_000, what="1.5 s after")
    client = await rig.console()
    out = await client.command("why", key=a.key, fired=iso_us(a.fired_ns))
    none = await client.command("why", key="stale|nowhere|", fired=iso_us(a.fired_ns))
    assert out.ok, out.detail
    data = out.data
    assert data is not None and none.data is not None
    assert data["recording"] and data["capture"] == str(live)
    assert data["frames"] and all(f["t"] <= data["fired"] for f in data["frames"])
    offsets = [r["offset_s"] for r in data["series"]]
    assert offsets and min(offsets) < 0 and max(offsets) >= 1.0  # on to the time asked
    assert all("venue_silent_s" in r for r in data["series"])
    assert none.ok and none.data["frames"] == []  # a venue the capture never heard
