"""`venuewatch record` progress: one redrawn line on a terminal, plain lines in a log."""

from __future__ import annotations

import asyncio
import io

from tui.record_progress import Progress, report


def test_the_line_says_frames_bytes_venues_and_elapsed() -> None:
    p = Progress(frames=123456, bytes=3 * 1024 * 1024 + 1, connected=7, venues=8, elapsed_s=3725.9)
    assert p.line() == "recording: 123,456 frames · 3.0 MiB · 7/8 venues connected · 01:02:05"
    assert "512 B" in Progress(0, 512, 0, 1, 0).line()


def _run(tty: bool) -> str:
    out = io.StringIO()
    stop = asyncio.Event()
    calls = [0]

    def sample() -> Progress:
        calls[0] += 1
        if calls[0] == 2:
            stop.set()  # the second report is the last
        return Progress(calls[0], 0, 1, 1, float(calls[0]))

    asyncio.run(report(sample, stop, out, tty=tty, every=0.001))
    return out.getvalue()


def test_a_terminal_gets_one_redrawn_line() -> None:
    text = _run(tty=True)
    assert text.count("\r\x1b[2K") == 2 and text.endswith("\n") and text.count("\n") == 1


def test_a_log_gets_plain_lines() -> None:
    text = _run(tty=False)
    assert "\x1b" not in text and text.splitlines()[1].startswith("recording: 2 frames")
