"""The selection: which venue, instrument and route the keys act on, and its keys."""

from __future__ import annotations

from typing import Literal

from tui.app.console_base import ConsoleBase
from tui.console.model import ConsoleModel


def route_for(model: ConsoleModel, instrument: str | None) -> str | None:
    """The instrument's route, else the first one (a route follows its instrument)."""
    for name, row in model.routes.items():
        if row.instrument == instrument:
            return name
    return next(iter(model.routes), None)


def step(names: list[str], current: str | None, by: int) -> str | None:
    """The name ``by`` places from ``current``, stopping at either end; with no
    current name, the first (or last, stepping back)."""
    if not names:
        return None
    i = names.index(current) if current in names else -by
    return names[max(0, min(len(names) - 1, i + by))]


class Selecting(ConsoleBase):
    """Keeps the selection valid as the model changes, and moves it on keys and picks."""

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
            sel.route = route_for(model, sel.instrument)
        return before != (
            sel.venue,
            sel.instrument,
            sel.route,
            sel.venues,
            sel.instruments,
            sel.digits,
        )

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

    def action_select_venue(self, step_by: int) -> None:
        self.select(venue=step(self.selection.venues, self.selection.venue, step_by))

    def action_select_instrument(self, step_by: int) -> None:
        sel = self.selection
        self.select(instrument=step(sel.instruments, sel.instrument, step_by))

    def action_select_venue_at(self, n: int) -> None:
        # A fixed order, shown beside each row: rows re-sort by health, digits never do
        # (a digit that meant another venue a second ago would isolate the wrong one).
        venues = self.selection.digits
        if n > len(venues):
            self.tell(f"no venue #{n}: {len(venues)} venues", "warning")
            return
        self.select(venue=venues[n - 1])

    def action_next_route(self) -> None:
        routes = list(self.source.model.routes)
        if not routes:
            self.tell("no routes configured", "warning")
            return
        cur = self.selection.route
        nxt = routes[(routes.index(cur) + 1) % len(routes)] if cur in routes else routes[0]
        self.select(route=nxt)

    def action_pick_venue(self, name: str) -> None:
        self.select(venue=name)

    def action_pick_instrument(self, name: str) -> None:
        self.select(instrument=name)

    def action_pick_route(self, name: str) -> None:
        self.select(route=name)
