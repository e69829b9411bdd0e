"""The report from a scripted incident whose times are known to the second.

The journal is written by the real Journal with a scripted clock, so the
report reads exactly what a service would have written; every duration below
is worked out by hand from the script, not from the code under test.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tui import report
from tui.control.journal import Journal
from tui.report import html
from tui.report import md as markdown
from tui.report.times import TimeFlagError, parse_flag

T0 = datetime(2026, 11, 28, 7, 0, 0, tzinfo=UTC)
NS = 1_000_000_000


def _ns(s: float) -> int:
    return int((T0 + timedelta(seconds=s)).timestamp()) * NS


def _cmd(
    j: Journal,
    cid: str,
    action: str,
    args: dict[str, str],
    actor: str,
    reason: str = "",
    **extra: Any,
) -> None:
    j.append(
        "command",
        id=cid,
        action=action,
        args=args,
        actor=actor,
        reason=reason,
        summary=f"{action} {' '.join(args.values())}".strip(),
        inverse=extra.get("inverse"),
    )


def _out(j: Journal, cid: str, action: str, actor: str, detail: str, ok: bool = True) -> None:
    j.append("outcome", id=cid, action=action, ok=ok, detail=detail, actor=actor)


def _alert(j: Journal, what: str, rule: str, venue: str, sev: str, started: float) -> None:
    j.append(
        "alert",
        what=what,
        rule=rule,
        venue=venue,
        instrument="BTC-USD",
        severity=sev,
        summary=f"{venue}: {rule}",
        inhibited=False,
        started=_ns(started),
        key=f"{rule}|{venue}|BTC-USD",
    )


def scripted(path: Path) -> Path:
    now = [0.0]
    with Journal.open(path, clock=lambda: T0 + timedelta(seconds=now[0])) as j:

        def at(s: float) -> Journal:
            now[0] = s
            return j

        at(0).append("system", event="engine started", venues=["binance", "kraken", "okx"])
        _alert(at(10), "firing", "stale", "okx", "critical", started=4)
        at(12).append(
            "breaker", breaker="feed-silent", venue="okx", reason="silent 10s", action="isolate"
        )
        _cmd(j, "c1", "isolate", {"venue": "okx"}, "breaker:feed-silent", "silent 10s")
        _out(
            j,
            "c1",
            "isolate",
            "breaker:feed-silent",
            "okx isolated; routes moved: btc-ref: okx -> binance",
        )
        _cmd(at(20), "a1", "ack", {"key": "stale|okx|BTC-USD"}, "console:alice")
        _out(j, "a1", "ack", "console:alice", "acknowledged")
        _cmd(at(25), "a2", "ack", {"key": "nope"}, "console:alice")
        _out(j, "a2", "ack", "console:alice", "no such alert", ok=False)
        _alert(at(30), "firing", "spread", "kraken", "warning", started=27)
        at(31).append(
            "breaker", breaker="wide-spread", venue="kraken", reason="spread 6x", action="isolate"
        )
        _cmd(j, "c2", "isolate", {"venue": "kraken"}, "breaker:wide-spread", "spread 6x")
        _out(j, "c2", "isolate", "breaker:wide-spread", "kraken isolated")
        inverse = {"action": "restore", "args": {"venue": "kraken"}}
        _cmd(at(40), "c3", "undo", {}, "console:bob", "false alarm", inverse=inverse)
        _out(j, "c3", "undo", "console:bob", "undid isolate kraken (c2): kraken restored")
        _cmd(
            at(45),
            "c4",
            "halt",
            {"instrument": "BTC-USD", "venue": "kraken"},
            "console:bob",
            "wide",
        )
        _out(j, "c4", "halt", "console:bob", "BTC-USD halted on kraken")
        _cmd(at(50), "c5", "isolate", {"venue": "binance"}, "console:bob", "typo")
        _out(j, "c5", "isolate", "console:bob", "unknown venue", ok=False)
        _alert(at(60), "resolved", "spread", "kraken", "warning", started=27)
        _cmd(
            at(70), "n1", "note", {"text": "okx status page: maintenance\x1b[31m"}, "console:alice"
        )
        _out(j, "n1", "note", "console:alice", "noted")
        _cmd(at(80), "c6", "resume", {"instrument": "BTC-USD", "venue": "kraken"}, "console:bob")
        _out(j, "c6", "resume", "console:bob", "BTC-USD resumed on kraken")
        at(90).append("system", event="engine stopped", reason="stopped")
    return path


@pytest.fixture(scope="module")
def journal_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Written once: every entry is fsynced, and the tests only read it.
    return scripted(tmp_path_factory.mktemp("incident") / "j.jsonl")


@pytest.fixture
def rep(journal_path: Path) -> dict[str, Any]:
    return report.build(journal_path)


def test_state_at_the_end(rep: dict[str, Any]) -> None:
    fin = rep["final_state"]
    assert fin["venues"] == {"binance": "LIVE", "kraken": "LIVE", "okx": "ISOLATED"}
    assert [(i["venue"], i["by"], i["since"]) for i in fin["isolated"]] == [
        ("okx", "breaker:feed-silent", "2026-11-28T07:00:12.000000Z")
    ]
    # Undoing a breaker's isolation does not clear its trip: only a person's restore does.
    assert sorted((t["breaker"], t["venue"]) for t in fin["latched_breakers"]) == [
        ("feed-silent", "okx"),
        ("wide-spread", "kraken"),
    ]
    assert fin["halts"] == []
    assert fin["routes"] == {"btc-ref": "binance"}
    assert [a["key"] for a in fin["firing_alerts"]] == ["stale|okx|BTC-USD"]
    assert rep["summary"]["venues_isolated_at_end"] == ["okx"]


def test_time_in_each_state(rep: dict[str, Any]) -> None:
    v = rep["impact"]["venues"]
    assert v["okx"]["time_in_state_s"] == {
        "LIVE": 10.0,
        "DEGRADED": 2.0,
        "ISOLATED": 78.0,
        "RECOVERING": 0.0,
    }
    assert v["kraken"]["time_in_state_s"] == {
        "LIVE": 60.0,
        "DEGRADED": 1.0,
        "ISOLATED": 9.0,
        "RECOVERING": 20.0,
    }
    assert v["binance"]["time_in_state_s"]["LIVE"] == 90.0
    assert v["okx"]["isolated_s"] == 78.0 and v["kraken"]["isolated_s"] == 9.0
    assert v["okx"]["routes_moved_away"] == 1
    inst = rep["impact"]["instruments"]["kraken|BTC-USD"]
    assert inst == {"alerts": 1, "alert_s": 30.0, "halted_s": 35.0}
    assert rep["window_s"] == 90.0


def test_alert_times_from_the_onset(rep: dict[str, Any]) -> None:
    by_key = {a["key"]: a for a in rep["alerts"]}
    okx = by_key["stale|okx|BTC-USD"]
    assert (okx["ttd_s"], okx["tta_s"], okx["ttm_s"], okx["ttr_s"]) == (6.0, 16.0, 8.0, None)
    assert okx["acked_by"] == "console:alice" and okx["still_firing"]
    assert okx["firing_s"] == 80.0
    kraken = by_key["spread|kraken|BTC-USD"]
    # Mitigated by the breaker's isolation at 31 s (4 s after the onset at 27 s).
    assert (kraken["ttd_s"], kraken["tta_s"], kraken["ttm_s"], kraken["ttr_s"]) == (
        3.0,
        None,
        4.0,
        33.0,
    )
    assert kraken["firing_s"] == 30.0
    assert rep["summary"]["worst_ttd_s"] == 6.0 and rep["summary"]["worst_ttm_s"] == 8.0
    # The refused ack matched nothing and acknowledged nothing.
    assert [a["key"] for a in rep["acks_unmatched"]] == ["nope"]


def test_actions_with_who_why_and_undone_breaker_actions(rep: dict[str, Any]) -> None:
    acts = {a["summary"]: a for a in rep["actions"]}
    c2 = acts["isolate kraken"]
    assert c2["who"] == "breaker:wide-spread" and c2["why"] == "spread 6x"
    assert c2["breaker_action_undone"] and c2["undone_by_seq"] == acts["undo"]["seq"]
    assert acts["undo"]["undoes_seq"] == c2["seq"]
    assert not acts["isolate okx"]["breaker_action_undone"]
    assert acts["isolate binance"]["ok"] is False
    assert rep["summary"]["breaker_actions_undone"] == 1
    assert rep["summary"]["refused"] == 2


def test_renderings_say_it_all_and_cut_nothing(rep: dict[str, Any]) -> None:
    md = markdown.render(rep)
    assert "head hash `" + rep["verify"]["head_hash"] + "`" in md
    assert "BREAKER ACTION UNDONE" in md and "Breakers still latched" in md
    assert "\x1b" not in md and "okx status page: maintenance" in md
    text = json.dumps(rep)
    assert "…" not in text
    page = html.render(rep)
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script" not in page and "\x1b" not in page


def test_time_filters_take_any_iso_precision_and_name_the_flag(journal_path: Path) -> None:
    path = journal_path
    assert parse_flag("--since", "2026-11-28T07:00Z") == _ns(0)
    assert parse_flag("--since", "2026-11-28T08:00:00+01:00") == _ns(0)
    assert parse_flag("--until", "2026-11-28T07:00", end_of_unit=True) == _ns(60) - 1
    assert parse_flag("--since", "2026-11-28") == _ns(-7 * 3600)
    rep = report.build(path, since="2026-11-28T07:00:30Z", until="2026-11-28T07:00:59")
    assert rep["from"] == "2026-11-28T07:00:30.000000Z"
    assert rep["to"] == "2026-11-28T07:00:59.999999Z"
    assert all("07:00:3" <= r["ts"][11:19] < "07:01" for r in rep["timeline"])
    # State at the window's start comes from before it: okx was already isolated.
    assert rep["impact"]["venues"]["okx"]["time_in_state_s"]["ISOLATED"] == pytest.approx(30.0)
    with pytest.raises(TimeFlagError, match=r"^--since: 'yesterday'"):
        report.build(path, since="yesterday")


def test_a_capture_is_refused_as_a_journal(tmp_path: Path) -> None:
    import gzip

    cap = tmp_path / "c.ndjson.gz"
    with gzip.open(cap, "wt") as f:
        f.write('{"ts": 1, "venue": "okx", "conn": "okx-1", "raw": "{}"}\n')
    with pytest.raises(report.NotAJournal, match="not an audit journal: a capture"):
        report.build(cap)
    cfg = tmp_path / "c.toml"
    cfg.write_text("[venues.okx]\n")
    with pytest.raises(report.NotAJournal, match="not an audit journal"):
        report.build(cfg)


def test_captures_are_listed_with_their_sha256(tmp_path: Path, journal_path: Path) -> None:
    import hashlib

    cap = tmp_path / "c.ndjson"
    cap.write_bytes(b"abc\n")
    rep = report.build(journal_path, captures=[str(cap), str(tmp_path / "no")])
    assert rep["captures"][0]["sha256"] == hashlib.sha256(b"abc\n").hexdigest()
    assert rep["captures"][1]["sha256"] is None and rep["captures"][1]["error"]


def test_targeted_undo_and_silences_as_the_controller_journals_them(tmp_path: Path) -> None:
    # The controller's current form: an undo names its target by seq, its outcome says
    # `undid`, the inverse runs as the person undoing, and undoing a breaker's action
    # clears that breaker's trip. A silence covers alerts whose key contains `match`.
    now = [0.0]
    path = tmp_path / "j.jsonl"
    with Journal.open(path, clock=lambda: T0 + timedelta(seconds=now[0])) as j:
        j.append("system", event="engine started", venues=["okx"])
        _alert(j, "firing", "stale", "okx", "critical", started=0)
        now[0] = 2
        j.append("breaker", breaker="feed-silent", venue="okx", reason="silent", action="isolate")
        _cmd(j, "b1", "isolate", {"venue": "okx"}, "breaker:feed-silent", "silent")
        isolate_seq = j.seq
        _out(j, "b1", "isolate", "breaker:feed-silent", "okx isolated")
        now[0] = 5
        _cmd(j, "s1", "silence", {"match": "|okx|", "minutes": "30"}, "console:bob")
        _out(j, "s1", "silence", "console:bob", "silenced")
        now[0] = 9
        inverse = {"action": "restore", "args": {"venue": "okx"}}
        _cmd(
            j,
            "u1",
            "undo",
            {"seq": str(isolate_seq)},
            "console:bob",
            "false alarm",
            inverse=inverse,
        )
        j.append(
            "outcome",
            id="u1",
            action="undo",
            ok=True,
            detail="undid",
            actor="console:bob",
            undid=isolate_seq,
        )
        now[0] = 10
        j.append("system", event="engine stopped")
    rep = report.build(path)
    (trip,) = rep["breaker_trips"]
    assert not trip["latched"] and trip["cleared_by"] == "console:bob"
    assert rep["final_state"]["latched_breakers"] == []
    acts = {a["summary"]: a for a in rep["actions"]}
    assert acts["isolate okx"]["breaker_action_undone"]
    (alert,) = rep["alerts"]
    assert alert["acked_by"] == "console:bob" and alert["silenced_ns"] == _ns(5)
    assert rep["impact"]["venues"]["okx"]["isolated_s"] == 7.0
