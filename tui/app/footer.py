"""The footer: the key hints, rebuilt only when the hints it shows change.

Textual's ``Footer`` recomposes — removes and mounts every key hint, then a
layout pass of the whole screen — each time its screen says its bindings
*may* have changed: a dialog opening or closing, focus moving between panes.
Here the hints are the same app-wide keys in nearly all of those cases, and the
rebuild landed exactly when a person answers a dialog and presses the next key
(~45 of ~1,240 samples of a busy console's main thread). So this footer keeps
what it last showed and recomposes only when that differs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.screen import Screen

Hints = tuple[tuple[str, str, str, bool, str], ...]


def hints(screen: Screen[object]) -> Hints:
    """What the footer would show for ``screen``'s bindings now."""
    return tuple(
        (binding.key, binding.action, binding.description, enabled, tooltip)
        for _node, binding, enabled, tooltip in screen.active_bindings.values()
        if binding.show
    )


class KeysFooter(Footer):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._hints: Hints | None = None
        self.recomposes = 0
        """How many times the hints were rebuilt (tests)."""

    def bindings_changed(self, screen: Screen[object]) -> None:
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            super().bindings_changed(screen)  # only marks it ready: nothing is rebuilt
            return
        now = hints(screen)
        if now == self._hints:
            return
        self._hints = now
        self.recomposes += 1
        super().bindings_changed(screen)
