"""A scripted capture for replay tests, and how to compare two replays' journals.

OKX books (its documented checksum example, recorded before ``seqId``) for a
few seconds, then the feed goes silent for 25 s and comes back. With the
``feed-silent`` breaker the capture carries in its config line, the
venue-silent alert fires at 07:01:57.250 and the breaker isolates okx.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

from adapters.capture import Writer
from tui.capture_config import capture_settings
from tui.config import parse
from tui.control import journal

T0 = 1_764_313_308_000_000_000  # 2025-11-28T07:01:48Z, in ns
S = 1_000_000_000
CONFIG = """
[engine.breakers.feed-silent]
metric = "venue_silent_s"
op = ">="
threshold = 10.0
action = "isolate"
"""


def crc(text: str) -> int:
    c = zlib.crc32(text.encode())
    return c - (1 << 32) if c & 0x80000000 else c


def books(at: int, action: str, bids: list[Any], asks: list[Any], check: str) -> str:
    sent_ms = str(at // 1_000_000 - 20)  # sent 20 ms before it was received
    data = {"asks": asks, "bids": bids, "ts": sent_ms, "checksum": crc(check)}
    return json.dumps(
        {"arg": {"channel": "books", "instId": "BTC-USDT"}, "action": action, "data": [data]}
    )


def write_capture(path: Path, hostile: str | None = None) -> Path:
    """``hostile``: a frame okx "sends" at +29 s, after the alerts fired (for the why view)."""
    w = Writer(path)
    w.config(T0, capture_settings(parse(CONFIG, "test")))
    settings = {"symbols": ["BTC-USDT"], "adapter": "okx"}
    w.event(T0, "okx", "okx-1#1", "connect", url="", symbols=["BTC-USDT"], settings=settings)
    bids = [["3366.1", "7", "0", "3"], ["3366", "6", "3", "4"]]
    asks = [["3366.8", "9", "10", "3"], ["3368", "8", "3", "4"]]
    at = T0 + S // 10
    snap = books(at, "snapshot", bids, asks, "3366.1:7:3366.8:9:3366:6:3368:8")
    w.frame(at, "okx", "okx-1#1", snap)
    for i in range(1, 9):  # an update every half second, sizes moving, checksums true
        size = str(7 + i)
        text = f"3366.1:{size}:3366.8:9:3366:6:3368:8"
        at = T0 + S // 10 + i * S // 2
        w.frame(at, "okx", "okx-1#1", books(at, "update", [["3366.1", size, "0", "3"]], [], text))
    if hostile is not None:
        w.frame(T0 + 29 * S, "okx", "okx-1#1", hostile)
    # 25 s of silence, then one more update.
    text = "3366.1:20:3366.8:9:3366:6:3368:8"
    at = T0 + 30 * S
    w.frame(at, "okx", "okx-1#1", books(at, "update", [["3366.1", "20", "0", "3"]], [], text))
    w.close()
    return path


def _without_ids(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {ids.get(k, k): _without_ids(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_ids(v, ids) for v in value]
    if isinstance(value, str):
        for cid, name in ids.items():
            value = value.replace(cid, name)
    return value


def comparable(path: Path) -> list[tuple[str, str, Any]]:
    """The entries a replay's judgement produced; command ids (random per run) numbered."""
    entries = journal.read(path).entries
    ids = {
        str(e.fields["id"]): f"<command {n}>"
        for n, e in enumerate(x for x in entries if x.kind == "command")
    }
    out = []
    for e in entries:
        if e.kind == "system" and e.fields.get("event") != "venue state":
            continue
        out.append((e.ts, e.kind, _without_ids(dict(e.fields), ids)))
    return out
