"""Timeline rows in people's words, the same in the console's timeline and the report:
"engine started" lists its venues as text (not a Python list), and each layer of a
halt at a venue says who asked for it and what it did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui import report
from tui.app.panels import timeline as panel
from tui.control.journal import Journal
from tui.journal_words import system_detail, value_text

T0 = datetime(2026, 11, 28, 7, 0, 0, tzinfo=UTC)


def _journal(path: Path) -> None:
    now = [0.0]
    with Journal.open(path, clock=lambda: T0 + timedelta(seconds=now[0])) as j:
        j.append(
            "system",
            event="engine started",
            console="ws://127.0.0.1:8765",
            venues=["binance", "kraken", "okx"],
            journal="/tmp/j.jsonl",
        )
        now[0] = 5
        j.append(
            "command",
            id="c1",
            action="isolate",
            args={"venue": "okx"},
            actor="console:alice",
            reason="okx book frozen",
            summary="isolate okx",
        )
        j.append(
            "venue-halt",
            id="c1",
            venue="okx",
            layer="cancel",
            state="ACKED",
            detail="3 orders cancelled",
            calls=[],
            ms=41.5,
            attempt=2,
        )


def test_engine_started_lists_venues_as_text(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    _journal(path)
    rows = report.build(path)["timeline"]
    started = next(r for r in rows if r["what"] == "engine started")
    assert "venues: binance, kraken, okx" in started["detail"]
    assert "[" not in started["detail"] and "'" not in started["detail"]
    _, _, what = panel.describe(
        {"seq": 1, "ts": "x", "kind": "system", "event": "engine started", "venues": ["a", "b"]},
        {},
    )
    assert "venues: a, b" in what.plain and "[" not in what.plain


def test_venue_halt_layers_say_who_and_what(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    _journal(path)
    rows = report.build(path)["timeline"]
    layer = next(r for r in rows if r["kind"] == "venue-halt")
    assert layer["who"] == "console:alice"
    assert layer["what"] == "venue halt cancel ACKED on okx (attempt 2)"
    assert "3 orders cancelled" in layer["detail"]
    assert "for #2 isolate okx" in layer["detail"] and "why: okx book frozen" in layer["detail"]
    # The console's timeline words it the same way, from the commands it holds.
    cmd = {
        "seq": 2,
        "kind": "command",
        "id": "c1",
        "actor": "console:alice",
        "summary": "isolate okx",
    }
    entry = {
        "seq": 3,
        "kind": "venue-halt",
        "id": "c1",
        "venue": "okx",
        "layer": "verify",
        "state": "FAILED",
        "detail": "2 open after 30s",
        "attempt": 1,
    }
    mark, who, what = panel.describe(entry, {"c1": cmd})
    assert who == "alice" and mark == panel.PROBLEM
    assert what.plain.startswith("venue halt verify FAILED on okx")
    assert "2 open after 30s" in what.plain and "for #2 isolate okx" in what.plain


def test_values_read_as_text() -> None:
    assert value_text(["x", "y"]) == "x, y"
    assert value_text([]) == "none"
    assert value_text({"a": [1, 2]}) == "a=1, 2"
    assert value_text(None) == "-" and value_text(True) == "yes"
    assert system_detail({"seq": 1, "ts": "t", "kind": "system", "event": "e", "n": 3}) == "n: 3"
