"""Alerts: what is wrong now (newest first), then what was wrong recently.

Active alerts show their age, severity as a word and a colour, their state
(``FIRING``, ``pending``, or ``inhibited`` when the venue is already isolated:
still shown, not what drives the venue's state), venue, instrument and the
detector's summary. Resolved alerts follow, dimmed, with how long they lasted
— a flapping feed shows up as many short ones.
"""

from __future__ import annotations

from textual.content import Content

from tui.app.panel import Selection
from tui.app.panels import marks, why
from tui.app.panels.table import Col, Line, TablePanel, fit, header, int_param, line
from tui.console import controls_view as cv
from tui.console.model import ConsoleModel
from tui.engine.alerts import Alert

COLUMNS = [
    Col("age", "age", 6),
    Col("sev", "sev", 4, right=False),
    Col("state", "state", 9, right=False),
    Col("venue", "venue", 12, priority=1, right=False),
    Col("inst", "instrument", 12, priority=4, right=False),
    Col("rule", "rule", 9, priority=3, right=False),
    Col("summary", "summary", 30, priority=2, right=False, flex=True),
]
NARROW = [
    # The summary names the venue and instrument; state shrinks to four letters.
    Col("age", "age", 5),
    Col("sev", "sev", 4, right=False),
    Col("state", "st.", 4, right=False),
    Col("summary", "summary", 12, right=False, flex=True),
]
STATE_SHORT = {"FIRING": "FIRE", "pending": "pend", "inhibited": "inhb"}


def _since(a: Alert) -> int:
    return a.fired_ns or a.started_ns


def _state(a: Alert, narrow: bool = False) -> Content:
    if a.inhibited:
        word, style = "inhibited", marks.DIM
    elif a.state == "firing":
        word, style = "FIRING", marks.SEVERITY_STYLE.get(a.severity, "")
    else:
        word, style = a.state, marks.WARN_STYLE if a.state == "pending" else ""
    return Content.styled(STATE_SHORT.get(word, word) if narrow else word, style)


class AlertsPanel(TablePanel):
    """Active alerts, then resolved ones. Param: ``resolved`` (rows, default 20)."""

    PANEL_ID = "alerts"
    TITLE = "Alerts"
    AREAS = frozenset({"alerts"})
    REFRESH_S = 1.0

    def resolved_limit(self) -> int:
        return max(0, int_param(self.params, "resolved", 20))

    def lines(
        self, model: ConsoleModel, selection: Selection, width: int
    ) -> tuple[Content | None, list[Line]]:
        narrow = width < 76
        layout = fit(NARROW if narrow else COLUMNS, width)
        now = model.now_ns()
        stale = model.staleness()
        out: list[Line] = []
        active = sorted(model.alerts, key=lambda a: (-a.started_ns, a.key))
        journal = list(model.journal)
        acks, muted = cv.acknowledgements(journal), cv.silences(journal, now)
        for a in active:
            values: dict[str, Content | str] = {
                "age": marks.age(now, _since(a)),
                "sev": marks.severity(a.severity),
                "state": _state(a, narrow),
                "venue": a.venue,
                "inst": a.instrument or Content.styled("(venue)", marks.DIM),
                "rule": a.rule,
                # Acknowledged or silenced alerts stay listed: the note says who.
                "summary": Content.assemble(
                    *([(f"flapping ×{a.flaps + 1} ", marks.WARN_STYLE)] if a.flaps else []),
                    a.summary,
                    cv.alert_note(a.key, acks, muted),
                ),
            }
            mine = a.venue == selection.venue
            classes = {"-dim"} if a.inhibited else set()
            if mine:
                classes.add("-selected")
            name = f"{a.venue or a.instrument} {a.rule}"
            out.append(Line(f"a|{a.key}", line(layout, values), classes, name=name))
        if not active:
            if stale:
                text = f"? none active {marks.duration(stale.age_s)} ago; nothing known since"
                out.append(Line("none", Content.styled(text, marks.STALE_STYLE)))
            else:
                out.append(Line("none", Content.styled("✓ no active alerts", marks.OK_STYLE)))
        limit = self.resolved_limit()
        resolved = sorted(model.resolved, key=lambda a: (-a.resolved_ns, a.key))[:limit]
        if resolved:
            title = f"resolved — last {len(resolved)} (age since resolved · ✓ how long it lasted)"
            out.append(Line("resolved", Content.styled(title, marks.HEAD), {"-section"}))
        for a in resolved:
            lasted = marks.duration((a.resolved_ns - _since(a)) / marks.NS)
            values = {
                "age": marks.age(now, a.resolved_ns),
                "sev": marks.severity(a.peak_severity or a.severity),
                "state": lasted if narrow else f"✓ {lasted}",
                "venue": a.venue,
                "inst": a.instrument,
                "rule": a.rule,
                # The words at the worst moment, beside the worst severity: one story.
                "summary": a.peak_summary or a.summary,
            }
            key = f"r|{a.key}|{a.resolved_ns}"
            out.append(Line(key, line(layout, values), {"-dim"}, name=f"✓{a.venue} {a.rule}"))
        return header(layout), out

    def details(self, model: ConsoleModel, selection: Selection) -> list[Content]:
        now = model.now_ns()
        # The selected alert first, in full ("why did this fire?"), then every alert.
        chosen = why.pick(model, selection)
        out: list[Content] = why.why(model, chosen) if chosen is not None else []
        if out:
            out.append(Content.styled("Every alert", "bold"))
        for a in sorted(model.alerts, key=lambda a: (-a.started_ns, a.key)):
            flaps = f" · flapping ×{a.flaps + 1}" if a.flaps else ""
            head = (
                f"{marks.age(now, _since(a))} ago · {a.severity.upper()} · {a.state}"
                f"{' (inhibited)' if a.inhibited else ''}{flaps} · {a.rule} · "
                f"{a.venue or '-'} {a.instrument or '(venue)'}"
            )
            out.append(
                Content.assemble(
                    (head, marks.SEVERITY_STYLE.get(a.severity, "")), "\n  ", a.summary
                )
            )
        for a in sorted(model.resolved, key=lambda a: (-a.resolved_ns, a.key)):
            lasted = marks.duration((a.resolved_ns - _since(a)) / marks.NS)
            sev = (a.peak_severity or a.severity).upper()
            head = (
                f"resolved {marks.age(now, a.resolved_ns)} ago after {lasted} · peak {sev} · "
                f"{a.rule} · {a.venue or '-'} {a.instrument or '(venue)'}"
            )
            out.append(Content.assemble((head, marks.DIM), "\n  ", a.peak_summary or a.summary))
        return out
