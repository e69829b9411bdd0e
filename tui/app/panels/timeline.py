"""The incident timeline: what happened and who did what, newest first.

Journal entries (commands with their actor and reason, outcomes — done or
REFUSED — with their journal seq, breaker trips with why, alerts fired and
resolved, sink deliveries) are merged with the feed's own notes (disconnects,
gaps, resyncs…) by time. Times are UTC to the millisecond, like the journal a
post-mortem will read. ``»`` marks what a person did, ``!`` what went wrong.

Entries never change once written, so each row's content is built once per
width and cached; a new entry rewrites the pooled rows in place (no mount).
"""

from __future__ import annotations

from typing import Any

from textual.content import Content

from tui.app.panel import Selection
from tui.app.panels import marks
from tui.app.panels.table import Col, Line, TablePanel, fit, header, int_param, line
from tui.console.model import ConsoleModel
from tui.journal_words import system_detail, venue_halt


def columns(width: int) -> list[Col]:
    return [
        Col("mark", "", 1, right=False),
        Col("time", "time (UTC)", 12, right=False),
        Col("seq", "seq", 5, priority=1),
        Col("who", "who", 20 if width >= 110 else 14, priority=2, right=False),
        Col("what", "what", 24 if width >= 60 else 16, right=False, flex=True),
    ]


PROBLEM_NOTES = {"disconnected", "silent", "gap", "checksum_mismatch", "crossed", "parse_error"}
HUMAN = "»"
PROBLEM = "!"


def _who(actor: str) -> str:
    return actor.removeprefix("console:")


def _what(head: str, style: str, detail: object = "") -> Content:
    if not detail:
        return Content.styled(head, style)
    return Content.assemble((head, style), (f" — {detail}", marks.DIM))


def describe(e: dict[str, Any], commands: dict[str, dict[str, Any]]) -> tuple[str, str, Content]:
    """(mark, who, what) for one journal entry."""
    kind = e.get("kind", "")
    if kind == "command":
        actor = str(e.get("actor", ""))
        by_person = actor.startswith("console:")
        summary = str(e.get("summary") or e.get("action", ""))
        style = "bold $text-accent" if e.get("action") == "note" else "bold"
        return (HUMAN if by_person else "", _who(actor), _what(summary, style, e.get("reason", "")))
    if kind == "outcome":
        cmd = commands.get(str(e.get("id", "")))
        ref = f" (cmd #{cmd['seq']})" if cmd else ""
        if e.get("ok"):
            head = f"✓ done: {e.get('action', '')}{ref}"
            return ("", _who(str(e.get("actor", ""))), _what(head, marks.OK_STYLE, e.get("detail")))
        head = f"✗ REFUSED: {e.get('action', '')}{ref}"
        return (
            PROBLEM,
            _who(str(e.get("actor", ""))),
            _what(head, marks.BAD_STYLE, e.get("detail")),
        )
    if kind == "alert":
        what, sev = str(e.get("what", "")), str(e.get("severity", ""))
        where = " ".join(x for x in (e.get("venue"), e.get("instrument")) if x)
        inhibited = " (inhibited)" if e.get("inhibited") else ""
        word = marks.SEVERITY_WORD.get(sev, sev)
        if what == "resolved":
            head = f"alert resolved: {e.get('rule', '')} {where}{inhibited}"
            return ("", "engine", _what(head, marks.OK_STYLE, e.get("summary")))
        head = f"alert {what.upper()} {word}: {e.get('rule', '')} {where}{inhibited}"
        mark = PROBLEM if sev == "critical" and not inhibited else ""
        style = marks.SEVERITY_STYLE.get(sev, "")
        return (mark, "engine", _what(head, style, e.get("summary")))
    if kind == "breaker":
        head = f"breaker TRIPPED → {e.get('action', '')} {e.get('venue', '')}"
        return (
            PROBLEM,
            f"breaker:{e.get('breaker', '')}",
            _what(head, marks.BAD_STYLE, e.get("reason")),
        )
    if kind == "sink":
        cmd = commands.get(str(e.get("id", "")))
        about = f" #{cmd['seq']} {cmd.get('summary', '')}" if cmd else f" {e.get('id', '')}"
        who = f"sink:{e.get('sink', '')}"
        if e.get("ok"):
            return ("", who, _what(f"delivered{about}", "", e.get("detail")))
        return (PROBLEM, who, _what(f"FAILED{about}", marks.BAD_STYLE, e.get("detail")))
    if kind == "system":
        detail = system_detail(e)
        return ("", "engine", _what(str(e.get("event", "system")), marks.DIM, detail))
    if kind == "venue-halt":
        who, head, detail = venue_halt(e, commands)
        failed = e.get("state") == "FAILED"
        style = marks.BAD_STYLE if failed else marks.DIM
        return (PROBLEM if failed else "", _who(who), _what(head, style, detail))
    return ("", "", _what(str(kind), ""))


def describe_note(n: dict[str, Any]) -> tuple[str, str, Content]:
    status = str(n.get("status", ""))
    head = f"{status} {n.get('symbol') or ''}".rstrip()
    style = marks.WARN_STYLE if status in PROBLEM_NOTES else marks.DIM
    return ("", str(n.get("venue", "feed")), _what(head, style, str(n.get("reason") or "")))


class TimelinePanel(TablePanel):
    """Journal + feed notes. Params: ``notes`` (bool, default true), ``limit`` (rows, 300)."""

    PANEL_ID = "timeline"
    TITLE = "Timeline (UTC)"
    AREAS = frozenset({"journal"})

    def __init__(self, params: dict[str, object] | None = None, **kwargs: object) -> None:
        super().__init__(params, **kwargs)
        self._cache: dict[str, Content] = {}
        self._cache_width = -1

    def _limit(self) -> int:
        return max(1, int_param(self.params, "limit", 300))

    def entries(self, model: ConsoleModel) -> list[tuple[int, int, str, dict[str, Any], bool]]:
        """(ts_ns, seq, key, entry, is_note), newest first, checkpoints left out."""
        out = []
        for e in model.journal:
            if e.get("kind") == "system" and e.get("event") == "checkpoint":
                continue
            seq = int(e.get("seq", 0))
            out.append((marks.iso_to_ns(str(e.get("ts", ""))), seq, f"j{seq}", e, False))
        if self.params.get("notes", True):
            seen: dict[str, int] = {}
            for n in model.notes:
                key = f"n{n.get('ts_ns')}|{n.get('venue')}|{n.get('symbol')}|{n.get('status')}"
                seen[key] = seen.get(key, 0) + 1
                if seen[key] > 1:
                    key += f"#{seen[key]}"
                out.append((int(n.get("ts_ns", 0)), 0, key, n, True))
        out.sort(key=lambda t: (t[0], t[1]), reverse=True)
        return out[: self._limit()]

    def lines(
        self, model: ConsoleModel, selection: Selection, width: int
    ) -> tuple[Content | None, list[Line]]:
        layout = fit(columns(width), width)
        if width != self._cache_width:
            self._cache.clear()
            self._cache_width = width
        commands = {str(e.get("id")): e for e in model.journal if e.get("kind") == "command"}
        out = []
        for ts_ns, seq, key, entry, is_note in self.entries(model):
            # The hash too: after re-attaching, a seq may name another engine's entry.
            memo = key if is_note else f"{key}|{entry.get('hash', '')}"
            content = self._cache.get(memo)
            if content is None:
                mark, who, what = describe_note(entry) if is_note else describe(entry, commands)
                values: dict[str, Content | str] = {
                    "mark": Content.styled(mark, "bold"),
                    "time": marks.utc_ms(ts_ns),
                    "seq": f"#{seq}" if seq else Content.styled("feed", marks.DIM),
                    "who": who,
                    "what": what,
                }
                content = self._cache[memo] = line(layout, values)
            out.append(Line(key, content))
        if len(self._cache) > 4 * self._limit():
            self._cache.clear()  # entries scrolled out of the limit: start afresh
        if not out:
            out.append(Line("", Content.styled("nothing journalled yet", marks.DIM)))
        return header(layout), out

    def details(self, model: ConsoleModel, selection: Selection) -> list[Content]:
        commands = {str(e.get("id")): e for e in model.journal if e.get("kind") == "command"}
        out: list[Content] = []
        for ts_ns, seq, _key, entry, is_note in self.entries(model):
            mark, who, what = describe_note(entry) if is_note else describe(entry, commands)
            where = f"#{seq}" if seq else "feed"
            head = f"{mark or ' '} {marks.utc_ms(ts_ns)} {where} {who}"
            out.append(Content.assemble((head, "bold"), "\n  ", what))
        return out
