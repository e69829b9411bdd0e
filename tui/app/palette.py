"""The command palette (``ctrl+p`` or ``:``): every action, by name.

Entries are rebuilt from the app's current model and selection each time the
palette opens, so it lists what exists now: "Isolate kraken", "Fail over
btc-usd-ref (now binance)", "Switch layout: incident". Every entry goes
through the same app methods as the keys, so a palette action is journalled and
confirmed exactly like its key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.app import layout_file, themes

if TYPE_CHECKING:
    from tui.app.app import ConsoleApp


@dataclass(frozen=True)
class Entry:
    title: str
    help: str
    run: Callable[[], object]
    discover: bool = False
    """Listed before anything is typed (the selection's actions, layouts, the console)."""


def undoable_by_others(app: ConsoleApp, limit: int = 10) -> list[dict[str, Any]]:
    """Recent applied, undoable commands of other actors (people, breakers, auto-failover)."""
    journal = list(app.source.model.journal)
    ok = {e.get("id") for e in journal if e.get("kind") == "outcome" and e.get("ok") is True}
    me = app._me()
    found = [
        e
        for e in journal
        if e.get("kind") == "command"
        and e.get("id") in ok
        and e.get("inverse")
        and e.get("actor") != me
    ]
    return found[-limit:][::-1]


def entries(app: ConsoleApp) -> list[Entry]:
    sel = app.selection
    model = app.source.model
    out: list[Entry] = []
    add = out.append
    v, inst, route = sel.venue, sel.instrument, sel.route
    if v:
        add(
            Entry(
                f"Isolate {v} (selected)",
                "no confirm: stopping is the safe direction",
                partial(app.send, "isolate", venue=v),
                True,
            )
        )
        add(Entry(f"Restore {v} (selected)", "asks to confirm", partial(app.ask_restore, v), True))
    if v and inst:
        add(
            Entry(
                f"Halt {inst} on {v} (selected)",
                "",
                partial(app.send, "halt", instrument=inst, venue=v),
                True,
            )
        )
        add(
            Entry(
                f"Resume {inst} on {v} (selected)",
                "",
                partial(app.send, "resume", instrument=inst, venue=v),
                True,
            )
        )
    if route:
        add(
            Entry(
                f"Fail over {route} (selected)",
                _route_help(app, route),
                partial(app.send, "failover", route=route),
                True,
            )
        )
    add(
        Entry(
            "Undo your own last command",
            "the journal records the undo too",
            app.action_undo,
            True,
        )
    )
    for e in undoable_by_others(app):
        add(
            Entry(
                f"Undo #{e['seq']} by {e['actor']}: {e.get('summary', '')}",
                "someone else's command: asks to confirm, names whose",
                partial(
                    app.ask_undo,
                    int(e["seq"]),
                    str(e.get("summary", "")),
                    str(e["actor"]),
                    str((e.get("inverse") or {}).get("action", "")),
                ),
            )
        )
    add(Entry("Add a note to the journal…", "", app.ask_note, True))
    add(Entry("Arm or disarm breakers and auto-failover…", "asks to confirm", app.ask_arm, True))
    for name in sel.venues:
        add(Entry(f"Isolate {name}", "", partial(app.send, "isolate", venue=name)))
        add(Entry(f"Restore {name}", "asks to confirm", partial(app.ask_restore, name)))
        add(Entry(f"Select venue {name}", "", partial(app.select, venue=name)))
    for name in sel.instruments:
        add(Entry(f"Select instrument {name}", "", partial(app.select, instrument=name)))
        add(Entry(f"Halt {name} on all venues", "", partial(app.send, "halt", instrument=name)))
        add(Entry(f"Resume {name} on all venues", "", partial(app.send, "resume", instrument=name)))
        if v:
            add(
                Entry(
                    f"Halt {name} on {v}", "", partial(app.send, "halt", instrument=name, venue=v)
                )
            )
            add(
                Entry(
                    f"Resume {name} on {v}",
                    "",
                    partial(app.send, "resume", instrument=name, venue=v),
                )
            )
    for name in model.routes:
        add(
            Entry(
                f"Fail over {name}",
                _route_help(app, name),
                partial(app.send, "failover", route=name),
            )
        )
        add(Entry(f"Select route {name}", "what f fails over", partial(app.select, route=name)))
    for name, b in model.breakers.items():
        verb = "Disarm" if b.armed else "Arm"
        add(
            Entry(
                f"{verb} breaker {name}",
                b.rule,
                partial(app.ask_arm, f"breaker:{name}", not b.armed),
            )
        )
    for name, where in layout_file.available().items():
        add(
            Entry(
                f"Switch layout: {name}",
                "" if where == "shipped" else where,
                partial(app.switch_layout, name),
                True,
            )
        )
    for panel in layout_file.PANEL_IDS:
        add(
            Entry(
                f"Show {panel} in the focused pane",
                "replaces the pane's panel",
                partial(app.show_panel, panel),
            )
        )
    add(Entry("Grow the focused pane", "", partial(app.action_pane_resize, 1)))
    add(Entry("Shrink the focused pane", "", partial(app.action_pane_resize, -1)))
    add(
        Entry(
            "Write the layout to a user file…",
            str(layout_file.user_dir()),
            app.action_layout_write,
            True,
        )
    )
    out += replay_entries(app)
    for name in themes.NAMES:
        add(Entry(f"Theme: {name}", "", partial(app.set_theme, name)))
    add(Entry("Help: keys in effect", "", app.action_help, True))
    add(Entry("Quit", "", app.action_request_quit, True))
    return out


def replay_entries(app: ConsoleApp) -> list[Entry]:
    """The time machine's controls, when the engine is a replay (listed first)."""
    if not app.source.engine.startswith("replay"):
        return []
    run = partial(_replay, app)
    out = [
        Entry("Replay: pause", "hold capture time", partial(run, "replay-pause"), True),
        Entry("Replay: resume", "", partial(run, "replay-resume"), True),
        Entry(
            "Replay: step to the next alert",
            "runs flat out, pauses where it fires",
            partial(run, "replay-step"),
            True,
        ),
        Entry("Replay: seek to a time…", "earlier or later", partial(_ask_seek, app), True),
        Entry(
            "Replay: seek to a journal entry…",
            "an alert, a trip, a command: the moment it was written",
            partial(_ask_seek_entry, app),
            True,
        ),
    ]
    for speed in SPEEDS:
        out.append(Entry(f"Replay: speed ×{speed}", "", partial(run, "replay-speed", speed=speed)))
    return out


SPEEDS = ("1", "10", "100", "max")


def next_speed(engine: str) -> str:
    """The speed after the one the engine name says (``replay ×10`` → ``100``), wrapping."""
    # "replay ×10" or "replay ×10, paused": the pace is the word after "replay".
    words = engine.replace(",", " ").split()
    now = words[1].lstrip("×") if len(words) > 1 else ""
    return SPEEDS[(SPEEDS.index(now) + 1) % len(SPEEDS)] if now in SPEEDS else SPEEDS[0]


def replay_key(app: ConsoleApp, action: str) -> None:
    """A replay key: the same commands as the palette's entries."""
    if action == "replay-seek":
        _ask_seek(app)
    elif action == "replay-seek-entry":
        _ask_seek_entry(app)
    elif action == "replay-speed":
        _replay(app, action, speed=next_speed(app.source.engine))
    else:
        _replay(app, action)


def _replay(app: ConsoleApp, action: str, **args: str) -> None:
    async def go() -> None:
        try:
            out = await app.source.command(action, **args)
        except Exception as exc:  # NotSent and friends: tell the person, never crash
            app.notify(f"{action}: not sent: {exc}", severity="error")
            return
        if out.ok and action == "replay-speed":
            # The header shows the pace the engine reported at attach: keep it true.
            app.source.engine = f"replay {out.detail.removeprefix('speed ').strip()}"
        app.notify(
            out.detail if out.ok else f"REFUSED: {out.detail}",
            severity="information" if out.ok else "error",
        )

    app.run_worker(go(), group="replay")


def _ask_seek(app: ConsoleApp) -> None:
    from tui.app.screens import TextScreen

    def done(text: str | None) -> None:
        if text:
            _replay(app, "replay-seek", to=text.strip())

    app.push_screen(TextScreen("Seek to (UTC, ISO 8601)", placeholder="2026-11-28T07:01:50Z"), done)


def _ask_seek_entry(app: ConsoleApp) -> None:
    from tui.app.replay_seek import SeekEntryScreen

    def done(entry: dict[str, Any] | None) -> None:
        if entry:
            _replay(app, "replay-seek", to=str(entry["ts"]), entry=str(entry["seq"]))

    app.push_screen(SeekEntryScreen(app.source.model), done)


def _route_help(app: ConsoleApp, route: str) -> str:
    row = app.source.model.routes.get(route)
    if row is None:
        return ""
    return f"now {row.active or 'none'}; venues {' > '.join(row.venues)}"


class ConsoleCommands(Provider):
    """The palette's only provider: the console's own actions."""

    def _entries(self) -> list[Entry]:
        from tui.app.app import ConsoleApp

        app = self.app
        return entries(app) if isinstance(app, ConsoleApp) else []

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
