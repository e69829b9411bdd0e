"""Part 1 — ingest per venue format: frames/s through decode → book → health, one core.

For each :data:`~tui.bench.frames.CASES` entry a capture is generated into
memory, then replayed through a fresh adapter, :class:`~adapters.feed.Feed`
and :class:`~tui.engine.engine.Engine` several times. The timed loop is what
the supervisor does per frame minus the socket: read both clocks, call
``Feed.on_frame`` (decode, sequence rule, book apply, checksum, crossed check,
counters: for Binance spot the envelope typed by msgspec and the levels parsed by
the native tracker, one call per update); the engine ticks at its own rate (4 Hz
of wall time) inside the timed loop, so its cost is in the figure as it is in the
service.

Each run starts from the same state (the setup frames and REST snapshots are
replayed untimed), the first run is a warm-up, and the median of the others is
reported. After every run the books are compared with the simulator's
``expected_book`` (and sequence number): a fast wrong book is no result.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any, Final

from adapters import book
from adapters.feed import Action, Feed
from adapters.model import Event
from tui.bench import SIZES, Mode
from tui.bench.frames import CASES, CONN, Capture, Case, adapter_for, levels_per_frame
from tui.engine.engine import Engine
from tui.engine.settings import EngineSettings

CHUNK: Final = 512
"""Frames between two looks at the clock for the engine tick."""


class Client:
    """An adapter, its feed and one session, brought up to the start of a capture."""

    def __init__(self, capture: Capture, emit: Callable[[Event], None] | None = None) -> None:
        self.capture = capture
        self.venue = adapter_for(capture.settings, capture.name)
        self.feed = Feed(self.venue, emit)
        self.session = self.venue.new_session(CONN)
        ns, mono = time.time_ns(), time.monotonic_ns()
        self.feed.start_connection(CONN, list(capture.symbols), ns, mono)
        for frame in capture.setup:
            self.feed.on_frame(self.session, frame, ns, mono)
        self.serve()

    def serve(self) -> None:
        """Carry out the feed's actions as the supervisor would, from the capture."""
        feed = self.feed
        feed.outbox.clear()  # keep-alive answers: nobody to send them to
        ns, mono = time.time_ns(), time.monotonic_ns()
        for action in feed.take_actions():
            if action.kind == Action.SNAPSHOT:
                body = self.capture.rest[action.symbol]
                feed.on_snapshot(self.venue.parse_snapshot(action.symbol, body, ns, mono))

    def mismatches(self) -> list[str]:
        """Why the books are not what the simulator says a correct client holds."""
        out = []
        seqs = self.capture.expected_seqs()
        for sym, (bids, asks) in self.capture.expected().items():
            st = self.feed.instruments[sym]
            if not st.synced:
                out.append(f"{sym}: not synced ({st.resync_reason})")
            elif st.book.levels() != (bids, asks):
                out.append(f"{sym}: book differs")
            elif seqs[sym] is not None and st.last_seq != seqs[sym]:
                out.append(f"{sym}: seq {st.last_seq} != {seqs[sym]}")
            if st.gaps or st.checksum_failures or st.crossed or st.resyncs:
                out.append(
                    f"{sym}: gaps={st.gaps} checksum_failures={st.checksum_failures} "
                    f"crossed={st.crossed} resyncs={st.resyncs}"
                )
        return out


def replay(client: Client, frames: list[bytes], engine: Engine | None) -> float:
    """Feed ``frames`` as the supervisor does; seconds taken (engine ticks included)."""
    on_frame = client.feed.on_frame
    session = client.session
    time_ns = time.time_ns
    mono_ns = time.monotonic_ns
    clock = time.perf_counter_ns
    tick_ns = int(1e9 / EngineSettings().evaluate_hz)
    start = clock()
    next_tick = start + tick_ns
    for i in range(0, len(frames), CHUNK):
        for frame in frames[i : i + CHUNK]:
            on_frame(session, frame, time_ns(), mono_ns())
        if engine is not None and clock() >= next_tick:
            engine.tick()
            next_tick += tick_ns
    return (clock() - start) / 1e9


def parse_only(capture: Capture, frames: list[bytes]) -> float:
    """Seconds to decode and normalise ``frames`` with no book: the floor under ingest."""
    session = adapter_for(capture.settings, capture.name).new_session(CONN)
    parse = session.parse
    start = time.perf_counter_ns()
    for frame in frames:
        parse(frame, 0, 0)
    return (time.perf_counter_ns() - start) / 1e9


def books_to_compare() -> list[str]:
    """The book in use, then the pure-Python reference when the native one is in use."""
    return ["native", "pure"] if book.implementation() == "native" else ["pure"]


def run_case(case: Case, n_frames: int, runs: int, seed: int = 7) -> dict[str, Any]:
    capture = Capture.for_case(case, seed)
    frames = capture.take(n_frames)
    n = len(frames)
    times: list[float] = []
    parse_times: list[float] = []
    problems: list[str] = []
    checksums = 0
    impls = books_to_compare()
    # The reference book runs interleaved with the native one (A B A B ...): on a
    # shared machine only ratios taken in the same minutes compare.
    ref_times: list[float] = []
    ref_problems: list[str] = []
    for run in range(runs + 1):
        for impl in impls:
            book.use(impl)
            try:
                client = Client(capture)
                engine = Engine(EngineSettings(), {capture.name: client.feed})
                elapsed = replay(client, frames, engine)
            finally:
                book.use()
            if impl != impls[0]:
                ref_problems = client.mismatches()
                if run:
                    ref_times.append(elapsed)
                continue
            problems = client.mismatches()
            checksums = sum(st.checksum_ok for st in client.feed.instruments.values())
            if run:  # the first run warms caches, allocators and branch predictors
                times.append(elapsed)
        parse_s = parse_only(capture, frames)
        if run:
            parse_times.append(parse_s)
        if problems or ref_problems:
            break
    problems += [f"pure book: {p}" for p in ref_problems]
    med = statistics.median(times) if times else float("nan")
    rate = n / med if times else 0.0
    return {
        "case": case.name,
        "venue": case.venue,
        "what": case.what,
        "frames": n,
        "instruments": len(capture.symbols),
        "levels_per_frame": round(levels_per_frame(capture, frames), 2),
        "bytes_per_frame": round(sum(map(len, frames)) / n, 1),
        "frames_per_s": round(rate),
        "us_per_frame": round(med / n * 1e6, 3) if times else None,
        "parse_only_per_s": round(n / statistics.median(parse_times)) if parse_times else 0,
        "runs_frames_per_s": [round(n / t) for t in times],
        "checksums_verified": checksums,
        "book": impls[0],
        "pure_frames_per_s": round(n / statistics.median(ref_times)) if ref_times else None,
        "vs_pure": (round(statistics.median(ref_times) / med, 2) if ref_times and times else None),
        "exact": not problems,
        "problems": problems,
        "target": case.target,
        "met": None if case.target is None else bool(rate >= case.target and not problems),
    }


def pin_to_one_core() -> int | None:
    """Run on one core (the last), so the figure is per core and not migrated around."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[-1]})
        return cpus[-1]
    except (AttributeError, OSError):
        return None


def run(mode: Mode, only: list[str] | None = None, seed: int = 7) -> dict[str, Any]:
    n_frames, runs = SIZES[mode].ingest_frames, SIZES[mode].ingest_runs
    try:
        before = os.sched_getaffinity(0)
    except AttributeError:
        before = None
    core = pin_to_one_core()
    try:
        cases = [run_case(c, n_frames, runs, seed) for c in CASES if not only or c.name in only]
    finally:
        if before is not None:
            os.sched_setaffinity(0, before)
    return {
        "core": core,
        "runs": runs,
        "book": book.describe(),
        "method": (
            "frames generated by the simulator's encoders into memory; per frame: "
            "time_ns + monotonic_ns + Feed.on_frame (decode, sequence, book, checksum, "
            f"crossed check, counters); Engine.tick at 4 Hz inside the timed loop; median of "
            f"{runs} runs after a warm-up; books compared with the simulator's after each run; "
            "with the native book, the pure-Python reference runs interleaved on the same "
            "frames (vs_pure: its time / the native time)"
        ),
        "cases": cases,
    }
