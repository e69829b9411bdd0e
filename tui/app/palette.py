"""The command palette (``ctrl+p`` or ``:``): every action, by name.

Entries are rebuilt from the app's current model and selection each time the
palette opens, so it lists what exists now: "Isolate kraken", "Fail over
btc-usd-ref", "Switch layout: incident". Titles and help come from the action
registry (:mod:`tui.app.actions`); each entry is an action string
(``isolate('kraken')``) the app runs with ``run_action``, the same methods as the
keys, so a palette action is journalled and confirmed exactly like its key.

The palette knows the app only through :class:`Host` (what it reads to list
entries); it never imports the app module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.app import actions, layout_file, themes
from tui.app.actions import Action
from tui.app.panel import Selection
from tui.app.source import Source


@runtime_checkable
class Host(Protocol):
    """What the palette reads of the app."""

    source: Source
    selection: Selection

    def me(self) -> str:
        """The app's actor name in the journal (``console:alice``)."""
        ...

    def call_later(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> bool: ...

    def run_action(self, action: str) -> Awaitable[bool]: ...


@dataclass(frozen=True)
class Entry:
    title: str
    help: str
    action: str
    """The action string the app runs (``isolate('kraken')``)."""
    run: Callable[[], object]
    discover: bool = False
    """Listed before anything is typed (the selection's actions, layouts, the console)."""


def undoable_by_others(host: Host, limit: int = 10) -> list[dict[str, Any]]:
    """Recent applied, undoable commands of other actors (people, breakers, auto-failover)."""
    journal = list(host.source.model.journal)
    ok = {e.get("id") for e in journal if e.get("kind") == "outcome" and e.get("ok") is True}
    me = host.me()
    found = [
        e
        for e in journal
        if e.get("kind") == "command"
        and e.get("id") in ok
        and e.get("inverse")
        and e.get("actor") != me
    ]
    return found[-limit:][::-1]


SPEEDS = ("1", "10", "100", "max")


def next_speed(engine: str) -> str:
    """The speed after the one the engine name says (``replay ×10`` → ``100``), wrapping."""
    # "replay ×10" or "replay ×10, paused": the pace is the word after "replay".
    words = engine.replace(",", " ").split()
    now = words[1].lstrip("×") if len(words) > 1 else ""
    return SPEEDS[(SPEEDS.index(now) + 1) % len(SPEEDS)] if now in SPEEDS else SPEEDS[0]


def entries(host: Host) -> list[Entry]:
    """Every palette entry for the app's model and selection now."""
    out: list[Entry] = []

    def add(title: str, action: str, help: str = "", discover: bool = False) -> None:
        run = lambda: host.call_later(host.run_action, action)  # noqa: E731
        out.append(Entry(title, help, action, run, discover))

    def each(a: Action, *args: object, help: str = "", title: tuple[object, ...] = ()) -> None:
        add(a.each.format(*(title or args)), a.call(*args), help or a.help)

    sel = host.selection
    model = host.source.model
    replay = host.source.engine.startswith("replay")
    selected = f"selected: {sel.venue or '-'} · {sel.instrument or '-'} · {sel.route or '-'}"
    for a in actions.ACTIONS:  # read at each opening: the registry is the one source
        if not a.palette:
            continue
        if a.key and (replay or a.group != "Replay"):
            # The keyed action on the selection, under its own title; the ones a
            # responder reaches for are listed before anything is typed.
            context = _route_help(host, sel.route) if a.id == "failover-route" else a.help
            shown = a.show or a.group == "Act" or a.id == "layout-write"
            add(a.title, a.action, " · ".join(x for x in (context, selected) if x), shown)
        match a.id:
            case "isolate-venue" | "restore-venue" | "select-venue":
                for name in sel.venues:
                    each(a, name)
            case "select-instrument" | "halt-everywhere" | "resume-everywhere":
                for name in sel.instruments:
                    each(a, name)
            case "halt-instrument" | "resume-instrument" if sel.venue:
                for name in sel.instruments:
                    each(a, name, sel.venue)
            case "failover-route":
                for name in model.routes:
                    each(a, name, help=_route_help(host, name))
            case "select-route":
                for name in model.routes:
                    each(a, name)
            case "undo-command":
                for e in undoable_by_others(host):
                    seq, actor = int(e["seq"]), str(e["actor"])
                    each(a, seq, title=(seq, actor, e.get("summary", "")))
            case "arm-breaker" | "disarm-breaker":
                for name, b in model.breakers.items():
                    if b.armed == (a.id == "disarm-breaker"):
                        each(a, name, help=b.rule)
            case "layout-switch":
                for name, where in layout_file.available().items():
                    each(a, name, help="" if where == "shipped" else where)
            case "pane-show":
                for panel in layout_file.PANEL_IDS:
                    each(a, panel)
            case "replay-speed" if replay:
                for speed in SPEEDS:
                    add(a.each.format(speed), a.call("replay-speed", speed), a.help)
            case "theme":
                for name in themes.NAMES:
                    each(a, name)
    return out


def _route_help(host: Host, route: str | None) -> str:
    row = host.source.model.routes.get(route) if route else None
    if row is None:
        return ""
    return f"now {row.active or 'none'}; venues {' > '.join(row.venues)}"


class ConsoleCommands(Provider):
    """The palette's only provider: the console's own actions."""

    def _entries(self) -> list[Entry]:
        app = self.app
        return entries(app) if isinstance(app, Host) else []

    async def discover(self) -> Hits:
        for e in self._entries():
            if e.discover:
                yield DiscoveryHit(e.title, e.run, help=e.help or None)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for e in self._entries():
            score = matcher.match(e.title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(e.title), e.run, text=e.title, help=e.help or None
                )


__all__ = ["SPEEDS", "ConsoleCommands", "Entry", "Host", "entries", "next_speed"]
