"""Invariants of any rebuilt incident: times add up, the end state is the last word.

Hypothesis writes journals of random isolations, restores, undos, refusals and
alerts at random times; whatever the sequence, every venue's time in each state
adds up to the window, time isolated is what the isolation spans cover, and the
state at the end agrees with a plain model of the commands.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.report import incident

T0 = datetime(2026, 11, 28, 7, 0, tzinfo=UTC)
VENUES = ("binance", "kraken", "okx")

step = st.tuples(
    st.integers(min_value=0, max_value=5_000),  # ms since the previous entry
    st.sampled_from(["isolate", "restore", "undo", "fire", "resolve", "refused"]),
    st.sampled_from(VENUES),
)


def _ts(ms: int) -> str:
    return (T0 + timedelta(milliseconds=ms)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def journal(steps: list[tuple[int, str, str]]) -> tuple[list[dict[str, Any]], set[str]]:
    """Entries as a service would write them, and the isolated set a plain model expects."""
    entries: list[dict[str, Any]] = []
    now = 0
    isolated: set[str] = set()
    stack: list[tuple[str, str]] = []  # (action, venue) of applied undoable commands
    firing: set[str] = set()

    def add(kind: str, **fields: Any) -> None:
        entries.append({"seq": len(entries) + 1, "ts": _ts(now), "kind": kind, **fields})

    add("system", event="engine started", venues=list(VENUES))
    for n, (gap, what, venue) in enumerate(steps):
        now += gap
        cid = f"c{n}"
        if what in ("fire", "resolve"):
            key = f"stale|{venue}|"
            if (what == "fire") == (key in firing):
                continue
            firing ^= {key}
            add(
                "alert",
                what="firing" if what == "fire" else "resolved",
                rule="stale",
                venue=venue,
                instrument="",
                severity="critical",
                summary="",
                key=key,
                inhibited=False,
                started=0,
            )
            continue
        if what == "undo":
            if not stack:
                continue
            act, v = stack.pop()
            inverse = {"action": "restore" if act == "isolate" else "isolate", "args": {"venue": v}}
            add("command", id=cid, action="undo", args={}, actor="p", reason="", inverse=inverse)
            add("outcome", id=cid, action="undo", ok=True, detail="undid", actor="p")
            isolated ^= {v}
            continue
        ok = what != "refused" and (
            (what == "isolate" and venue not in isolated)
            or (what == "restore" and venue in isolated)
        )
        action = "isolate" if what == "refused" else what
        add(
            "command",
            id=cid,
            action=action,
            args={"venue": venue},
            actor="p",
            reason="",
            inverse=None,
        )
        add("outcome", id=cid, action=action, ok=ok, detail="", actor="p")
        if ok:
            isolated ^= {venue}
            stack.append((action, venue))
    now += 1
    add("system", event="engine stopped")
    return entries, isolated


@settings(max_examples=60, deadline=None)
@given(st.lists(step, max_size=40))
def test_times_add_up_and_the_end_state_is_the_last_word(steps: list[Any]) -> None:
    entries, isolated = journal(steps)
    inc = incident.rebuild(entries)
    window = (inc.end_ns - inc.start_ns) / 1e9
    end = incident.state_at_end(inc)
    for v in VENUES:
        spans = inc.spans[v]
        # Contiguous, ordered, covering the whole window.
        assert spans[0][0] == inc.start_ns and spans[-1][1] == inc.end_ns
        assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
        times = incident.time_in_states(spans, inc.start_ns, inc.end_ns)
        assert abs(sum(times.values()) - window) < 1e-6
        iso_spans = [(a, b) for a, b, _, _ in inc.isolations.get(v, [])]
        assert (
            abs(incident.overlap_s(iso_spans, inc.start_ns, inc.end_ns) - times["ISOLATED"]) < 1e-6
        )
        assert (end[v] == "ISOLATED") == (v in isolated)
