"""What a layout file may hold, as msgspec Structs: the ``[node.NAME]`` tables and each
panel's parameters. :mod:`tui.app.layout_file` decodes into these with the one TOML loader
(:mod:`tui.tomlfile`) and then checks the rules across nodes.

Adding a panel parameter: add the field here (with its type and constraint) and read it
in the panel; a key not listed here is an error naming it, so a typo never passes.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

import msgspec


class _Params(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A panel's layout parameters. Only the keys a file gives are kept (the panel applies
    its own defaults), so these defaults are never read."""


class VenuesParams(_Params):
    venues: list[str] = []
    """Only these venues (default: all)."""
    order: Literal["worst", "config"] = "worst"
    """Worst first, or the engine's configured order."""


class MatrixParams(_Params):
    instruments: list[str] = []
    venues: list[str] = []


class SpreadsParams(_Params):
    window: Annotated[float, msgspec.Meta(gt=0)] = 300.0
    """Seconds of history drawn."""
    instrument: str = ""
    venues: list[str] = []


class LadderParams(_Params):
    instrument: str = ""
    """Pin the ladder to one instrument (default: the selected one)."""
    venues: list[str] = []


class AlertsParams(_Params):
    resolved: Annotated[int, msgspec.Meta(ge=0)] = 20
    """Resolved alerts kept on screen."""


class TimelineParams(_Params):
    limit: Annotated[int, msgspec.Meta(ge=1)] = 300
    notes: bool = True


class RoutesParams(_Params):
    pass


PANEL_PARAMS: Final[dict[str, type[_Params]]] = {
    "venues": VenuesParams,
    "matrix": MatrixParams,
    "spreads": SpreadsParams,
    "ladder": LadderParams,
    "alerts": AlertsParams,
    "timeline": TimelineParams,
    "routes": RoutesParams,
}
"""Each panel's parameters: a typo'd or mistyped parameter is an error naming it."""


class NodeSpec(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One ``[node.NAME]`` table as written (a leaf or a split; the tree is checked after)."""

    size: int | str = "1fr"
    split: Literal["horizontal", "vertical", ""] = ""
    children: list[str] = []
    panel: str = ""
    params: dict[str, Any] = {}


class LayoutSpec(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    description: str = ""
    root: str = ""
    node: dict[str, NodeSpec] = {}
