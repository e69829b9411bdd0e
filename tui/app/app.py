"""The console app: selection, keys → engine commands, fixed-rate rendering, layouts.

Rendering is pull, not push: frames from the engine only mark areas of the
model dirty; a timer at ``fps`` (10 Hz by default) takes the dirty set and
updates the visible panels whose ``AREAS`` intersect it — plus every visible
panel when the selection moves. A burst of a hundred frames costs one repaint.
A panel that was hidden when its area changed is remembered as stale and
updated the moment it is visible again.

Every action is a command to the engine, which checks it against *its* model
and journals it; the app never refuses an action because of what a panel
shows. The outcome comes back as a notification: "isolate kraken — done,
journal #123" or "REFUSED: kraken is already isolated".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, ClassVar, Literal

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.notifications import SeverityLevel
from textual.widgets import Footer

from tui.app import actions, keys, themes
from tui.app.detail import DetailScreen, open_alert_details
from tui.app.layout_file import Layout
from tui.app.layout_view import NARROW, LayoutActions, StatusBar, registry, status
from tui.app.palette import ConsoleCommands, next_speed
from tui.app.panel import Panel, Selection
from tui.app.panels import legend, marks
from tui.app.screens import ConfirmScreen, HelpScreen, TextScreen
from tui.app.settings import Settings
from tui.app.source import LiveSource, NotSent, Source
from tui.console import controls_view as cv
from tui.console.model import ConsoleModel
from tui.control.commands import RISKY, Command, describe

URGENT_S = 1.0
"""After a key press, draw each engine frame as it lands for this long."""


class ConsoleApp(LayoutActions, App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "venuewatch"
    COMMANDS: ClassVar = {ConsoleCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        *keys.bindings(),
        Binding("ctrl+q", "request_quit", "quit", show=False, priority=True),
        Binding("enter", "details", "details", show=True),
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    NOTIFICATION_TIMEOUT: ClassVar[float] = 6.0

    def __init__(
        self,
        source: Source,
        *,
        settings: Settings | None = None,
        layout: str | None = None,
        theme: str | None = None,
        fps: float | None = None,
        title: str = "",
        quit_note: str = "",
        notes: list[tuple[str, SeverityLevel]] | None = None,
        engine_poll: Callable[[], int | None] | None = None,
    ) -> None:
        super().__init__()
        self.source = source
        self.settings = settings or Settings()
        self.fps = fps or self.settings.fps
        self._layout_arg = layout or self.settings.layout or None
        self._auto_layout = self._layout_arg is None
        self._theme_arg = theme or self.settings.theme
        self.quit_note = quit_note
        """When set, quitting always confirms and says this (the demo stops its engine)."""
        if title:
            self.sub_title = title
        self.selection = Selection()
        self.layout_spec: Layout | None = None
        self.layout_modified = False
        self.in_flight = 0
        self.notices: list[tuple[SeverityLevel, str]] = []
        """(severity, message) of every notification, oldest first."""
        self.outcomes: list[tuple[SeverityLevel, str]] = []
        """(severity, message) of every command notification, oldest first."""
        self.panel_errors: list[str] = []
        self._startup_notes = list(notes or [])
        self._panels: list[Panel] = []
        self._stale: set[Panel] = set()
        self._panel_classes = registry()
        self._route_pinned = False
        self._frame = asyncio.Event()
        self.ticks = 0
        self._relayout = False
        # Kept by reference: a modal (palette, confirm) may be the active screen when the
        # clock ticks or the terminal resizes, and App.query would search the modal.
        self._status = StatusBar()
        self._body = Container(id="body")
        self._engine_poll = engine_poll
        """Exit code of a local engine process, or None while it runs (the demo's)."""
        self._engine_dead = False
        self._urgent_until = 0.0
        self._stale_seen: tuple[int, str, int] | None = None

    # -- assembly ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield self._status
        yield self._body
        yield Footer(show_command_palette=False)

    async def on_mount(self) -> None:
        self.set_keymap(dict(self.settings.keys))
        for theme in themes.THEMES:
            self.register_theme(theme)
        self.set_theme(self._theme_arg)
        await self._mount_layout(self._initial_layout())
        for message, severity in self._startup_notes:
            self.notify(message, severity=severity, timeout=15)
        self.source.on_change = self._on_source_change
        self.source.on_frame = self._on_frame
        if isinstance(self.source, LiveSource):
            self.source.on_notice = lambda text: self.notify(text, severity="warning", timeout=30)
            self.run_worker(self.source.run(), name="engine-link", group="source")
            self.run_worker(self._watch_first_attach(), name="first-attach", group="source")
        self.set_interval(1.0 / self.fps, self._tick, name="render")
        if self._engine_poll is not None:
            self.set_interval(0.5, self._check_engine, name="engine-process")
        self.call_after_refresh(self._tick)

    async def on_unmount(self) -> None:
        # Detach cleanly: the engine logs the console leaving instead of a broken socket.
        await self.source.close()

    async def _watch_first_attach(self) -> None:
        why = await self.source.first_attach()
        if why:  # never attached: a wrong URL or token; retrying would only hide that
            self.exit(2, return_code=2, message=f"venuewatch: {why}")

    # -- rendering -----------------------------------------------------------------------

    def _tick(self) -> None:
        """One frame: dirty areas → visible panels; selection change → all visible panels."""
        if not self.screen_stack:  # the app is closing: a timer tick outlived the last screen
            return
        model = self.source.model
        dirty = model.take_dirty()
        if self._sync_selection(model):
            self._stale.update(self._panels)
        self._mark_staleness(model)
        focused = self.focused_pane()
        for panel in self._panels:
            panel.mark_focus(focused is not None and panel.parent is focused)
            panel.mark_squeezed()
        for panel in self._panels:
            if panel in self._stale or panel.AREAS & dirty:
                if panel.display and panel.is_on_screen:
                    self._stale.discard(panel)
                    self._update(panel, model)
                else:
                    self._stale.add(panel)
        self._show_status()
        self._follow_terminal()
        self.ticks += 1
        self._frame.set()

    def _mark_staleness(self, model: ConsoleModel) -> None:
        """Stale data is redrawn as stale once a second (ages count up), and every
        pane says how old its figures are, even when no frame marks it dirty."""
        st = model.staleness()
        # Keyed by the panel list too: a new layout's panels need the note as well.
        seen = (id(self._panels), st.reason, int(st.age_s)) if st else (id(self._panels), "", 0)
        if seen == self._stale_seen:
            return
        self._stale_seen = seen
        note = f"? STALE · data {marks.duration(st.age_s)} old" if st else ""
        for panel in self._panels:
            panel.set_note("stale", note)
            panel.set_class(st is not None, "-stale")
        self._stale.update(self._panels)

    def _update(self, panel: Panel, model: ConsoleModel) -> None:
        try:
            panel.update_from(model, self.selection)
        except Exception as exc:  # one broken panel must not take the console down
            msg = f"panel {panel.PANEL_ID or type(panel).__name__}: {type(exc).__name__}: {exc}"
            if msg not in self.panel_errors:
                self.panel_errors.append(msg)
                self.log.error(msg)
                self.notify(msg, severity="error", title="Panel error", timeout=15)

    async def frame(self, timeout: float = 10.0) -> None:
        """Wait for the next render tick (tests re-check their conditions on each)."""
        self._frame.clear()
        await asyncio.wait_for(self._frame.wait(), timeout)

    async def rendered(self, timeout: float = 10.0) -> None:
        """Wait until every panel has drawn the current model (tests, snapshots)."""
        deadline = time.monotonic() + timeout
        while self.ticks == 0 or self._stale:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"panels still stale: {[type(p).__name__ for p in self._stale]}")
            self._frame.clear()
            try:
                await asyncio.wait_for(self._frame.wait(), left)
            except TimeoutError:
                pass

    def _on_source_change(self) -> None:
        self._show_status()
        self.refresh_bindings()  # replay keys appear once the engine says it is one

    def _on_frame(self) -> None:
        if time.monotonic() < self._urgent_until:
            self._tick()

    # -- selection -----------------------------------------------------------------------

    def _order(
        self, kind: Literal["venues", "instruments"], model: ConsoleModel, known: list[str]
    ) -> list[str]:
        """Display order from the panel class that defines it (``Panel.SELECTS``), with its
        default parameters (unfiltered: keys act on the engine's model, never on what a
        filtered pane shows); names the model does not have are dropped."""
        names: list[str] = []
        for cls in self._panel_classes.values():
            if kind == cls.SELECTS:
                try:
                    names = list(cls.display_order(model, {}))
                except Exception as exc:
                    self.log.error(f"{cls.PANEL_ID}.display_order failed: {exc!r}")
                break
        have = set(known)
        ordered = [n for n in names if n in have]
        return ordered + [n for n in known if n not in set(ordered)]

    def _sync_selection(self, model: ConsoleModel) -> bool:
        sel = self.selection
        before = (
            sel.venue,
            sel.instrument,
            sel.route,
            list(sel.venues),
            list(sel.instruments),
            list(sel.digits),
        )
        sel.venues = self._order("venues", model, sorted(model.venues))
        preferred = [v for v in self.settings.venue_order if v in model.venues]
        sel.digits = preferred + [v for v in model.venues if v not in set(preferred)]
        sel.instruments = self._order("instruments", model, model.canonical_names())
        if sel.venue not in sel.venues:
            sel.venue = sel.venues[0] if sel.venues else None
        if sel.instrument not in sel.instruments:
            sel.instrument = sel.instruments[0] if sel.instruments else None
        if sel.route not in model.routes or not self._route_pinned:
            sel.route = self._route_for(model, sel.instrument)
        return before != (
            sel.venue,
            sel.instrument,
            sel.route,
            sel.venues,
            sel.instruments,
            sel.digits,
        )

    @staticmethod
    def _route_for(model: ConsoleModel, instrument: str | None) -> str | None:
        for name, row in model.routes.items():
            if row.instrument == instrument:
                return name
        return next(iter(model.routes), None)

    def select(
        self, venue: str | None = None, instrument: str | None = None, route: str | None = None
    ) -> None:
        sel = self.selection
        if venue is not None:
            sel.venue = venue
        if instrument is not None:
            sel.instrument = instrument
            self._route_pinned = False
        if route is not None:
            sel.route = route
            self._route_pinned = True
        self._stale.update(self._panels)
        self._tick()  # a selection move is drawn at once, not on the next frame

    def _step(self, names: list[str], current: str | None, step: int) -> str | None:
        if not names:
            return None
        i = names.index(current) if current in names else -step
        return names[max(0, min(len(names) - 1, i + step))]

    def action_select_venue(self, step: int) -> None:
        self.select(venue=self._step(self.selection.venues, self.selection.venue, step))

    def action_select_instrument(self, step: int) -> None:
        self.select(
            instrument=self._step(self.selection.instruments, self.selection.instrument, step)
        )

    def action_select_venue_at(self, n: int) -> None:
        # A fixed order, shown beside each row: rows re-sort by health, digits never do
        # (a digit that meant another venue a second ago would isolate the wrong one).
        venues = self.selection.digits
        if n > len(venues):
            self.notify(f"no venue #{n}: {len(venues)} venues", severity="warning", timeout=3)
            return
        self.select(venue=venues[n - 1])

    def action_next_route(self) -> None:
        routes = list(self.source.model.routes)
        if not routes:
            self.notify("no routes configured", severity="warning", timeout=3)
            return
        cur = self.selection.route
        nxt = routes[(routes.index(cur) + 1) % len(routes)] if cur in routes else routes[0]
        self.select(route=nxt)

    # -- commands to the engine ----------------------------------------------------------

    def send(self, action: str, reason: str = "", **args: str) -> None:
        """Send a command; its outcome arrives as a notification (never blocks the UI)."""
        # For a moment after a key press every engine frame is drawn as it lands, so the
        # result shows without waiting for the next render tick (the engine publishes
        # right after a command); otherwise rendering stays at the fixed rate.
        self._urgent_until = time.monotonic() + URGENT_S
        label = describe(Command(action=action, args=args))
        self.in_flight += 1
        self._show_status()
        self.run_worker(self._send(label, action, reason, args), group="commands")

    async def _send(self, label: str, action: str, reason: str, args: dict[str, str]) -> None:
        try:
            out = await self.source.command(action, reason, **args)
        except NotSent as exc:
            st = self.source.model.staleness()
            why = f" (the screen shows data {marks.duration(st.age_s)} old)" if st else ""
            self._report("error", f"{label} — NOT SENT: {exc}{why}")
        else:
            if out.ok:
                self._report("information", f"{label} — done, journal #{out.seq}\n{out.detail}")
            else:
                self._report("error", f"REFUSED: {out.detail}")
        finally:
            self.in_flight -= 1
            self._show_status()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification is also kept in ``notices``; messages are plain text by
        default (file paths and TOML like ``[keys]`` must not be read as markup)."""
        self.notices.append((severity, message))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def _report(self, severity: SeverityLevel, message: str) -> None:
        self.outcomes.append((severity, message))
        self.notify(
            message,
            severity=severity,
            timeout=12 if severity == "error" else self.NOTIFICATION_TIMEOUT,
        )

    def _need(self, what: str, value: str | None) -> bool:
        if value is None:
            self.notify(f"no {what} selected", severity="warning", timeout=3)
            return False
        return True

    # Each action below runs from its key (on the selection) and from the palette
    # (with names: ``isolate('kraken')``); titles, keys and confirm texts are in
    # tui.app.actions.

    def action_isolate(self, venue: str = "") -> None:
        venue = venue or self.selection.venue or ""
        if self._need("venue", venue):
            self.send("isolate", venue=venue)

    def action_restore(self, venue: str = "") -> None:
        venue = venue or self.selection.venue or ""
        if self._need("venue", venue):
            self.ask_restore(venue)

    def ask_restore(self, venue: str) -> None:
        row = self.source.model.venues.get(venue)
        now = f"{venue} is {row.state}{f' ({row.note})' if row.note else ''} now. " if row else ""
        self._confirm(
            actions.confirm("restore-venue", venue=venue, now=now),
            lambda: self.send("restore", venue=venue),
        )

    def action_halt(self, instrument: str = "", venue: str = "") -> None:
        self._halt("halt", instrument, venue)

    def action_resume(self, instrument: str = "", venue: str = "") -> None:
        self._halt("resume", instrument, venue)

    def _halt(self, action: str, instrument: str, venue: str) -> None:
        sel = self.selection
        instrument, venue = instrument or sel.instrument or "", venue or sel.venue or ""
        if self._need("venue", venue) and self._need("instrument", instrument):
            self.send(action, instrument=instrument, venue=venue)

    def action_halt_all(self, instrument: str) -> None:
        self.send("halt", instrument=instrument)

    def action_resume_all(self, instrument: str) -> None:
        self.send("resume", instrument=instrument)

    def action_failover(self, route: str = "") -> None:
        route = route or self.selection.route or ""
        if self._need("route", route):
            self.send("failover", route=route)

    def action_pick_venue(self, name: str) -> None:
        self.select(venue=name)

    def action_pick_instrument(self, name: str) -> None:
        self.select(instrument=name)

    def action_pick_route(self, name: str) -> None:
        self.select(route=name)

    def me(self) -> str:
        """Who this console is in the journal (``console:alice``)."""
        return f"console:{self.source.model.user or getattr(self.source, 'user', '')}"

    def action_undo(self) -> None:
        """Your own last command still in effect; the undo names it (``seq``), so
        what was confirmed is what is undone. Undos that lower protection ask."""
        last = cv.own_last(list(self.source.model.journal), self.me())
        if last is None:
            self.send("undo")  # the engine says why there is nothing of yours
        elif last.risky:
            self.ask_undo(last.seq, last.summary, last.actor, last.inverse)
        else:
            self.send("undo", seq=str(last.seq))

    def action_undo_command(self, seq: int) -> None:
        """Someone else's command (from the palette): always asks, naming whose."""
        for e in self.source.model.journal:
            if e.get("kind") == "command" and e.get("seq") == seq:
                inverse = str((e.get("inverse") or {}).get("action", ""))
                self.ask_undo(seq, str(e.get("summary", "")), str(e.get("actor", "")), inverse)
                return
        self.send("undo", seq=str(seq))  # no longer in view: the engine says what it is

    def ask_undo(self, seq: int, summary: str, actor: str, inverse: str) -> None:
        whose = "your own" if actor == self.me() else f"{actor}'s"
        risky = actions.confirm("undo", "risky", inverse=inverse)[0] if inverse in RISKY else ""
        self._confirm(
            actions.confirm("undo", seq=seq, summary=summary, whose=whose, risky=risky),
            lambda: self.send("undo", seq=str(seq)),
        )

    def action_acknowledge(self) -> None:
        """Acknowledge the newest unacknowledged alert on the selected venue (or anywhere)."""
        model = self.source.model
        acked = cv.acknowledgements(list(model.journal))
        todo = [a for a in model.alerts if a.state == "firing" and a.key not in acked]
        mine = [a for a in todo if a.venue == self.selection.venue] or todo
        if not mine:
            self.notify("no unacknowledged firing alert", severity="information")
            return
        newest = max(mine, key=lambda a: a.started_ns)
        self.send("ack", alert=newest.key)

    def action_note(self) -> None:
        self.ask_note()

    def ask_note(self) -> None:
        def done(text: str | None) -> None:
            if text:
                self.send("note", text=text)

        self.push_screen(
            TextScreen("Note for the journal", placeholder="what you saw or did"), done
        )

    def action_arm_toggle(self) -> None:
        self.ask_arm()

    def action_arm(self, breaker: str) -> None:
        self.ask_arm(f"breaker:{breaker}", True)

    def action_disarm(self, breaker: str) -> None:
        self.ask_arm(f"breaker:{breaker}", False)

    def ask_arm(self, target: str = "all", arm: bool | None = None) -> None:
        model = self.source.model
        off_b = [n for n, b in model.breakers.items() if not b.armed]
        off_r = [n for n, r in model.routes.items() if not r.armed]
        if target == "all" and not model.breakers and not model.routes:
            self.notify("no breakers or routes configured: nothing to arm", severity="warning")
            return
        if arm is None:
            arm = bool(off_b or off_r)
        off = [f"breaker {n}" for n in off_b] + [f"auto-failover {n}" for n in off_r]
        variant = f"{'arm' if arm else 'disarm'}-{'all' if target == 'all' else 'one'}"
        action = "arm" if arm else "disarm"
        self._confirm(
            actions.confirm("arm-toggle", variant, target=target, off=", ".join(off)),
            lambda: self.send(action, target=target),
        )

    def _confirm(self, texts: tuple[str, str, str], then: Callable[[], object]) -> None:
        """A confirm dialog with (question, detail, yes label) from the action registry."""

        def done(ok: bool | None) -> None:
            if ok:
                then()

        question, detail, yes = texts
        self.push_screen(ConfirmScreen(question, detail, yes=yes), done)

    def action_request_quit(self) -> None:
        if self.in_flight:
            n = self.in_flight
            texts = actions.confirm(
                "quit", "in-flight", n=n, s="s" if n > 1 else "", note=self.quit_note
            )
            self._confirm((texts[0], texts[1].strip(), texts[2]), lambda: self.exit(0))
        elif self.quit_note:
            self._confirm(
                actions.confirm("quit", "always", note=self.quit_note), lambda: self.exit(0)
            )
        else:
            self.exit(0)

    def _check_engine(self) -> None:
        code = self._engine_poll() if self._engine_poll is not None else None
        if code is not None and not self._engine_dead:
            self._engine_dead = True
            how = f"was killed by signal {-code}" if code < 0 else f"exited (code {code})"
            self.engine_exited(f"the engine process {how}")

    def engine_exited(self, why: str) -> None:
        """The engine process is gone (demo): say so loudly and offer to quit."""
        if isinstance(self.source, LiveSource):
            self.source.engine_gone(why)
        self._show_status()
        self._confirm(
            (
                "The engine stopped",
                f"{why}. The console shows the last state it "
                "received; nothing you do here reaches an engine.",
                "Quit",
            ),
            lambda: self.exit(1, return_code=1),
        )

    def action_details(self) -> None:
        """The focused pane's rows in full (text cut on screen is never lost)."""
        pane = self.focused_pane()
        panel = pane.panel if pane is not None else None
        fn = getattr(panel, "details", None)
        if not isinstance(panel, Panel) or fn is None:
            self.notify("this pane has no details view", severity="warning", timeout=3)
            return
        rows = fn(self.source.model, self.selection)
        title = f"{panel.TITLE} — in full"
        if panel.PANEL_ID == "alerts" and open_alert_details(
            self, title, rows, self.source.model, self.selection
        ):
            return  # with the readings from the capture, fetched from the engine
        self.push_screen(DetailScreen(title, rows))

    def action_page(self, step: int) -> None:
        """Page what the focused pane hides (named in its border) into view."""
        pane = self.focused_pane()
        panel = pane.panel if pane is not None else None
        fn = getattr(panel, "page", None)
        if fn is None:
            self.notify("this pane has nothing to page", severity="warning", timeout=3)
        elif not fn(step):
            where = "start" if step < 0 else "end"
            self.notify(f"already at the {where}", severity="information", timeout=2)

    def action_replay(self, action: str, speed: str = "") -> None:
        """A replay control: the same commands from the keys and the palette."""
        if action == "replay-seek":
            self._ask_seek()
        elif action == "replay-seek-entry":
            self._ask_seek_entry()
        elif action == "replay-speed":
            self._replay(action, speed=speed or next_speed(self.source.engine))
        else:
            self._replay(action)

    def _replay(self, action: str, **args: str) -> None:
        async def go() -> None:
            try:
                out = await self.source.command(action, **args)
            except Exception as exc:  # NotSent and friends: tell the person, never crash
                self.notify(f"{action}: not sent: {exc}", severity="error")
                return
            if out.ok and action == "replay-speed":
                # The header shows the pace the engine reported at attach: keep it true.
                self.source.engine = f"replay {out.detail.removeprefix('speed ').strip()}"
            self.notify(
                out.detail if out.ok else f"REFUSED: {out.detail}",
                severity="information" if out.ok else "error",
            )

        self.run_worker(go(), group="replay")

    def _ask_seek(self) -> None:
        def done(text: str | None) -> None:
            if text:
                self._replay("replay-seek", to=text.strip())

        self.push_screen(
            TextScreen("Seek to (UTC, ISO 8601)", placeholder="2026-11-28T07:01:50Z"), done
        )

    def _ask_seek_entry(self) -> None:
        from tui.app.replay_seek import SeekEntryScreen

        def done(entry: dict[str, Any] | None) -> None:
            if entry:
                self._replay("replay-seek", to=str(entry["ts"]), entry=str(entry["seq"]))

        self.push_screen(SeekEntryScreen(self.source.model), done)

    async def action_switch_layout(self, name: str) -> None:
        await self.switch_layout(name)

    async def action_show_panel(self, panel_id: str) -> None:
        await self.show_panel(panel_id)

    def action_theme(self, name: str) -> None:
        self.set_theme(name)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Replay keys exist only in a replay: elsewhere they are unbound and not shown.
        if action == "replay" and not self.source.engine.startswith("replay"):
            return False
        return super().check_action(action, parameters)

    def action_help(self) -> None:
        effective = keys.effective(self.settings.keys)
        display = {
            bid: " ".join(self.get_key_display(Binding(k.strip(), "")) for k in value.split(","))
            for bid, value in effective.items()
        }
        notes = (
            f"Selected: {self.selection.venue or '-'} · {self.selection.instrument or '-'} · "
            f"route {self.selection.route or '-'}. tab moves between panes; enter shows "
            "the focused pane's rows in full.\n\n" + legend.text()
        )
        self.push_screen(HelpScreen(effective, display, notes))

    def set_theme(self, name: str) -> None:
        resolved = themes.resolve(name)
        if resolved in self.available_themes:
            self.theme = resolved
            return
        self.theme = themes.DARK
        self.notify(
            f"unknown theme {name!r}; using {themes.DARK} (available: "
            f"{', '.join(themes.NAMES)} and Textual's own)",
            severity="error",
        )

    # -- status bar ----------------------------------------------------------------------

    def _show_status(self) -> None:
        spec = self.layout_spec
        # The layout's name only where there is room, or when it has unsaved changes.
        layout = ""
        if spec is not None and (self.layout_modified or self.size.width >= 140):
            layout = f"{spec.name}{'*' if self.layout_modified else ''}"
        narrow = self.size.width < NARROW
        self._status.show(*status(self.source, self.selection, self.in_flight, layout, narrow))
