"""One capture, two ways of watching it: the same alerts, trips and journal, on capture time.

The capture is scripted: OKX books (its documented checksum example, recorded
before ``seqId``) for a few seconds, then the feed goes silent for 25 s and
comes back. With the ``feed-silent`` breaker the capture carries in its config
line, the venue-silent alert must fire, the breaker must trip and isolate okx
at known capture times — in the headless replay and in the console (service)
replay alike, even though the service runs with a console server, a scheduler
and a different pace.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tui.capture_config import replay_config
from tui.cli.replay import headless_run
from tui.control import journal
from tui.replay_service import ReplayService

from support.replay_capture import T0, S, comparable, write_capture
from support.waiting import until_screen


async def serve_replay(cap: Path, jpath: Path) -> ReplayService:
    cfg, _ = replay_config(cap, None)
    svc = ReplayService(cfg, "token", cap, speed=0, journal_path=jpath, port=0)
    await svc.start()
    await asyncio.wait_for(svc.done.wait(), 30)
    await svc.stop("test")
    return svc


@pytest.fixture(scope="module")
def capture_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_capture(tmp_path_factory.mktemp("modes") / "okx.ndjson.gz")


def test_headless_and_console_replays_agree_on_capture_time(
    capture_file: Path, tmp_path: Path
) -> None:
    j_headless, j_console = tmp_path / "h.jsonl", tmp_path / "c.jsonl"
    report = asyncio.run(headless_run(str(capture_file), None, j_headless))
    asyncio.run(serve_replay(capture_file, j_console))
    assert report["config"] == "the capture's" and report["error"] is None

    # What fired, and when (capture time, on the 4 Hz grid from T0): the last frame is
    # at 07:01:52.1, so okx is stale from 07:01:57.1, seen at the 57.25 evaluation; the
    # breaker holds 10 s of silence at 07:02:02.25.
    fired = [(a["at"], a["key"], a["severity"]) for a in report["alerts"] if a["what"] == "firing"]
    assert fired == [
        ("2025-11-28T07:01:57.250000Z", "stale|okx|", "critical"),
        ("2025-11-28T07:01:57.250000Z", "stale|okx|BTC-USD", "warning"),
    ]
    assert [(t["breaker"], t["venue"]) for t in report["trips"]] == [("feed-silent", "okx")]
    assert report["isolated"] == ["okx"]
    assert report["trips"][0]["ts"] == "2025-11-28T07:02:02.250000Z"

    headless_entries = comparable(j_headless)
    console_entries = comparable(j_console)
    assert headless_entries == console_entries
    kinds = {k for _, k, _ in headless_entries}
    assert {"alert", "breaker", "command", "outcome"} <= kinds
    # Every entry of the console replay's journal is on capture time, none on wall time.
    for e in journal.read(j_console).entries:
        assert "2025-11-28T07:01:48" <= e.ts <= "2025-11-28T07:02:18.1", (e.kind, e.ts)


def test_step_to_next_alert_pauses_there_on_capture_time(
    capture_file: Path, tmp_path: Path
) -> None:
    async def go() -> tuple[bool, int, int]:
        cfg, _ = replay_config(capture_file, None)
        svc = ReplayService(
            cfg, "token", capture_file, speed=1, journal_path=tmp_path / "j", port=0
        )
        svc.pause()
        await svc.start()
        svc.step_to_next_alert()
        await asyncio.wait_for(svc.paused_event.wait(), 10)
        paused, at = svc.paused, svc.clock.ns
        lines = svc.replayer.lines
        assert svc.server.engine_name == "replay ×1, paused"  # what the header shows
        svc.set_speed(0)
        assert svc.server.engine_name == "replay ×max, paused"
        svc.resume()
        await asyncio.wait_for(svc.done.wait(), 30)
        await svc.stop("test")
        return paused, at, lines

    paused, at, lines = asyncio.run(go())
    # Flat out to the silent venue's alert (5 s after its last frame), and no further.
    assert paused and T0 + 9 * S <= at <= T0 + 10 * S
    assert lines == 11  # config, connect, snapshot, 8 updates: the last frame is still ahead


def test_report_says_why_an_alert_fired_from_the_capture(
    capture_file: Path, tmp_path: Path
) -> None:
    from tui import report
    from tui.report import md as markdown

    jpath = tmp_path / "j.jsonl"
    asyncio.run(headless_run(str(capture_file), None, jpath))
    rep = report.build(jpath, captures=[str(capture_file)], why_from=str(capture_file))
    assert rep["evidence"]["config"] == "the capture's"
    (venue_alert,) = [a for a in rep["alerts"] if a["key"] == "stale|okx|"]
    assert venue_alert["fired"] == "2025-11-28T07:01:57.250000Z"
    why = venue_alert["why"]
    at = {r["offset_s"]: r for r in why["series"]}
    # Silent since the last frame at 07:01:52.1: 5.15 s when it fired, 0.15 s ten seconds before.
    assert at[0.0]["venue_silent_s"] == pytest.approx(5.15)
    assert at[-5.0]["venue_silent_s"] == pytest.approx(0.15)
    assert [f["t"] for f in why["frames"]] == [
        "2025-11-28T07:01:51.100000Z",
        "2025-11-28T07:01:51.600000Z",
        "2025-11-28T07:01:52.100000Z",
    ]
    assert '"instId": "BTC-USDT"' in why["frames"][-1]["raw"]
    # And the frames after it, within the window: the one that ended the silence.
    assert [f["t"] for f in why["frames_after"]] == ["2025-11-28T07:02:18.000000Z"]
    (inst_alert,) = [a for a in rep["alerts"] if a["key"] == "stale|okx|BTC-USD"]
    c = inst_alert["why"]["consensus"]
    assert c["instrument"] == "BTC-USD" and c["mids"]["okx"] == pytest.approx((3366.1 + 3366.8) / 2)
    md = markdown.render(rep)
    assert "## Why did this fire?" in md and "### stale\\|okx\\| at 2025-11-28 07:01:57.250" in md
    assert "1 frames from okx after it fired:" in md
    assert "1 frames from okx after it fired:" in md
    from tui.report import html

    page = html.render(rep)
    assert "Why did this fire?" in page and page.count("<svg") >= 3 and "<script" not in page


def test_a_console_steers_the_replay(capture_file: Path, tmp_path: Path) -> None:
    from tui.console.client import ConsoleClient

    async def go() -> list[tuple[bool, str]]:
        cfg, _ = replay_config(capture_file, None)
        svc = ReplayService(cfg, "tok", capture_file, speed=1, journal_path=tmp_path / "j", port=0)
        svc.pause()
        await svc.start()
        client = ConsoleClient(svc.server.url, "tok", user="alice")
        welcome = await client.connect()
        assert welcome.engine == "replay ×1, paused"
        reader = asyncio.create_task(client.run())
        results = []
        out = await client.command("replay-step")
        results.append((out.ok, out.detail))
        await asyncio.wait_for(svc.paused_event.wait(), 10)
        for action, args in (
            ("replay-seek", {"to": "2025-11-28T07:01:50Z"}),  # behind us: rebuilt
            ("replay-seek", {"to": "2025-11-28T07:02:05Z"}),
        ):
            out = await client.command(action, **args)
            results.append((out.ok, out.detail))
            await asyncio.wait_for(svc.paused_event.wait(), 10)
        results.append((True, str(svc.clock.ns)))
        out = await client.command("replay-speed", speed="fast")
        results.append((out.ok, out.detail))
        out = await client.command("replay-speed", speed="max")
        results.append((out.ok, out.detail))
        out = await client.command("replay-resume")
        await asyncio.wait_for(svc.done.wait(), 30)
        await client.close()
        reader.cancel()
        await svc.stop("test")
        # Controls are not incident actions: the replay's journal has none of them.
        assert not [e for e in journal.read(tmp_path / "j").entries if "replay-" in str(e.fields)]
        return results

    r = asyncio.run(go())
    assert r[0] == (True, "running to the next alert")
    assert r[1] == (True, "seeking back to 07:01:50.000: rebuilding from the start")
    assert r[2] == (True, "seeking to 07:02:05.000")
    assert int(r[3][1]) == T0 + 17 * S  # paused exactly at the seek target
    assert not r[4][0] and "expected 1, 10, 100 or max" in r[4][1]
    assert r[5] == (True, "speed ×max")


async def test_the_console_palette_drives_the_replay_and_the_header_shows_capture_time(
    capture_file: Path, tmp_path: Path
) -> None:
    from tui.app import palette
    from tui.app.app import ConsoleApp
    from tui.app.source import LiveSource
    from tui.app.status_bar import replay_header

    cfg, _ = replay_config(capture_file, None)
    svc = ReplayService(cfg, "tok", capture_file, speed=1, journal_path=tmp_path / "j", port=0)
    svc.pause()
    await svc.start()
    try:
        source = LiveSource(svc.server.url, "tok", "alice")
        app = ConsoleApp(source, layout="default")
        async with app.run_test(size=(120, 40)) as pilot:
            await until_screen(pilot, lambda: source.state == "attached")
            titles = {e.title: e for e in palette.entries(app)}
            assert {"Replay: pause", "Replay: step to the next alert", "Replay: speed ×max"} <= set(
                titles
            )
            titles["Replay: step to the next alert"].run()
            await asyncio.wait_for(svc.paused_event.wait(), 10)
            titles["Replay: speed ×100"].run()
            await until_screen(pilot, lambda: source.engine == "replay ×100")
            # The header follows capture time.
            await until_screen(pilot, lambda: source.model.ts_ns >= T0 + 9 * S)
            assert replay_header(source.model.ts_ns, "×100").startswith("REPLAY 07:01:5")
    finally:
        svc.resume()
        svc.set_speed(0)
        await asyncio.wait_for(svc.done.wait(), 30)
        await svc.stop("test")


def test_a_replay_journals_the_captures_venues_when_it_starts(
    capture_file: Path, tmp_path: Path
) -> None:
    """The replay's feeds appear only as the capture's connect lines are played; the
    "engine started" entry still names the venues the capture holds."""
    jpath = tmp_path / "j.jsonl"
    asyncio.run(serve_replay(capture_file, jpath))
    started = [
        e.fields
        for e in journal.read(jpath).entries
        if e.kind == "system" and e.fields.get("event") == "engine started"
    ]
    assert [s["venues"] for s in started] == [["okx"]]
