"""``bench --peer``: ours against cryptofeed on identical frames, with the floor, same run.

For each case (Binance ~5 levels, Binance 20+20, Kraken with CRC32 checked on
every update) one capture is made and, round after round, three things run on
the same core, one after the other (A B C A B C …; the first round is a
warm-up):

* **ours**: a fresh adapter, :class:`~adapters.feed.Feed` and session brought
  to the start of the stream, then per frame both clocks and
  ``Feed.on_frame`` (decode, sequence, book, checksum, crossed check,
  counters), with a book listener reading the best bid and ask;
* **cryptofeed**: a fresh feed of its own (``peer_cryptofeed``), its message
  handler per frame, its ``L2_BOOK`` callback reading the best bid and ask;
* **floor**: a typed msgspec decode of each frame into Structs and nothing
  else — what no handler of these frames can beat in Python.

After every round both books are compared with each other and with the
simulator's ``expected_book``: a fast wrong book is no result. Figures are
min/median/max frames/s over the rounds; the ratio is of the medians, with
the range of the per-round ratios (each round's pair ran back to back).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from typing import Any, Final, NamedTuple

import msgspec

from tui.bench import Mode
from tui.bench.frames import CASES, Capture, Case
from tui.bench.ingest import Client, pin_to_one_core, replay
from tui.bench.peer_cryptofeed import PeerClient, kraken_precisions, kraken_v1, version

PEER_CASES: Final = ("binance-5", "binance-20+20", "kraken")
TARGETS: Final = {"binance-5": 5.0, "binance-20+20": 5.0, "kraken": 3.0}
"""Ours ÷ cryptofeed that issue 13 asks for."""
FLOOR_TARGET: Final = {"binance-5": 0.5}
"""Ours ÷ the typed-decode floor that issue 13 asks for."""


class PeerSize(NamedTuple):
    frames: int
    rounds: int
    e2e_frames: int
    e2e_rounds: int


SIZES: Final = {
    "full": PeerSize(20_000, 7, 100_000, 5),
    "quick": PeerSize(10_000, 5, 40_000, 5),
    "smoke": PeerSize(400, 2, 1_500, 2),
}


# -- the floor: the same frames into Structs, nothing else --------------------------------


class _BDepth(msgspec.Struct, gc=False):
    e: str
    E: int
    s: str
    U: int
    u: int
    b: list[tuple[str, str]]
    a: list[tuple[str, str]]


class _BStream(msgspec.Struct, gc=False):
    stream: str
    data: _BDepth


class _KLevel(msgspec.Struct, gc=False):
    price: float
    qty: float


class _KBook(msgspec.Struct, gc=False):
    symbol: str
    bids: list[_KLevel] = []
    asks: list[_KLevel] = []
    checksum: int | None = None
    timestamp: str = ""


class _KMsg(msgspec.Struct, gc=False):
    channel: str
    type: str
    data: list[_KBook]


_FLOOR_TYPES: Final[dict[str, type]] = {"binance": _BStream, "kraken": _KMsg}


def floor(venue: str, frames: list[bytes]) -> float:
    """Seconds to decode ``frames`` into typed Structs (the floor under any handler)."""
    decode: Any = msgspec.json.Decoder(_FLOOR_TYPES[venue]).decode
    start = time.perf_counter_ns()
    for frame in frames:
        decode(frame)
    return (time.perf_counter_ns() - start) / 1e9


# -- one case --------------------------------------------------------------------------------


def _stats(rates: list[float]) -> dict[str, float]:
    return {
        "min": round(min(rates)),
        "median": round(statistics.median(rates)),
        "max": round(max(rates)),
    }


def _ours(capture: Capture, frames: list[bytes]) -> tuple[float, Client]:
    client = Client(capture)
    touch: list[float | None] = [None, None]

    def read_touch(st: Any) -> None:
        touch[0] = st.book.best_bid()
        touch[1] = st.book.best_ask()

    client.feed.listeners.append(read_touch)
    return replay(client, frames, None), client


def _problems(
    capture: Capture, ours: Client, peer: PeerClient, expected: dict[str, Any]
) -> list[str]:
    out = ours.mismatches()
    for sym, want in expected.items():
        got = peer.levels(sym)
        if got != want:
            out.append(f"{sym}: cryptofeed's book differs from the simulator's")
        if ours.feed.instruments[sym].book.levels() != got:
            out.append(f"{sym}: the two books differ")
    return out


def run_case(case: Case, size: PeerSize, seed: int) -> dict[str, Any]:
    capture = Capture.for_case(case, seed)
    frames = capture.take(size.frames)
    n = len(frames)
    peer_setup: list[bytes] | None = None
    peer_frames = frames
    if case.venue == "kraken":
        prec = kraken_precisions(capture.setup)
        peer_setup = kraken_v1(capture.setup, prec)
        peer_frames = kraken_v1(frames, prec)
        if len(peer_frames) != n:
            raise RuntimeError(f"kraken: {n} frames became {len(peer_frames)} in v1's layout")
    expected = capture.expected()
    ours_r: list[float] = []
    peer_r: list[float] = []
    floor_r: list[float] = []
    problems: list[str] = []
    rounds_checked = 0
    ours_checksums = peer_checksums = 0
    for rnd in range(size.rounds + 1):
        t_ours, client = _ours(capture, frames)
        peer = PeerClient(case.venue, capture, peer_setup)
        t_peer = asyncio.run(peer.replay(peer_frames))
        t_floor = floor(case.venue, frames)
        problems = _problems(capture, client, peer, expected)
        rounds_checked += 1
        ours_checksums = sum(st.checksum_ok for st in client.feed.instruments.values())
        peer_checksums = peer.checksums
        if problems:
            break
        if rnd:  # round 0 warms caches, allocators and branch predictors
            ours_r.append(n / t_ours)
            peer_r.append(n / t_peer)
            floor_r.append(n / t_floor)
    out: dict[str, Any] = {
        "case": case.name,
        "what": case.what,
        "frames": n,
        "instruments": len(capture.symbols),
        "rounds": len(ours_r),
        "exact": not problems,
        "exact_rounds_checked": rounds_checked,
        "problems": problems,
        "checksums_verified": {"ours": ours_checksums, "cryptofeed": peer_checksums},
    }
    if ours_r:
        ratios = [a / b for a, b in zip(ours_r, peer_r, strict=True)]
        out |= {
            "ours": _stats(ours_r),
            "cryptofeed": _stats(peer_r),
            "floor": _stats(floor_r),
            "ratio": round(statistics.median(ours_r) / statistics.median(peer_r), 2),
            "ratio_rounds": [round(min(ratios), 2), round(max(ratios), 2)],
            "of_floor": round(statistics.median(ours_r) / statistics.median(floor_r), 2),
            "target": TARGETS.get(case.name),
            "floor_target": FLOOR_TARGET.get(case.name),
        }
        out["met"] = bool(out["ratio"] >= TARGETS[case.name]) if case.name in TARGETS else None
    return out


def load() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def run(mode: Mode, seed: int = 7, only: list[str] | None = None) -> dict[str, Any]:
    """The ingest comparison and the end-to-end ceiling, one run, one machine."""
    from tui.bench import peer_e2e

    size = SIZES[mode]
    peer_version = version()  # fails first, with the one-line hint, if the extra is missing
    load_before = load()
    try:
        before = os.sched_getaffinity(0)
    except AttributeError:
        before = None
    core = pin_to_one_core()
    try:
        cases = [
            run_case(c, size, seed)
            for c in CASES
            if c.name in PEER_CASES and (not only or c.name in only)
        ]
    finally:
        if before is not None:
            os.sched_setaffinity(0, before)
    e2e = peer_e2e.run(size.e2e_frames, size.e2e_rounds, seed)
    return {
        "peer": f"cryptofeed {peer_version}",
        "core": core,
        "load_avg_before": load_before,
        "load_avg_after": load(),
        "method": (
            "identical frames from the simulator's encoders (Kraken: the same updates in "
            "WebSocket v1's layout for cryptofeed, which speaks only v1); per round, on one "
            "core: ours (Feed.on_frame, touch read per book update), cryptofeed (its "
            "message_handler, L2_BOOK callback reading the touch), floor (typed msgspec "
            f"decode only); {size.rounds} rounds after a warm-up; books compared with each "
            "other and the simulator's after every round"
        ),
        "cases": cases,
        "e2e": e2e,
    }
