"""Control adapters by name, from the ``venuewatch.controls`` entry-point group."""

from __future__ import annotations

from importlib.metadata import entry_points

from adapters.controls.client import VenueControl

GROUP = "venuewatch.controls"


def available() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=GROUP))


def load(name: str) -> type[VenueControl]:
    for ep in entry_points(group=GROUP):
        if ep.name == name:
            cls = ep.load()
            if not (isinstance(cls, type) and issubclass(cls, VenueControl)):
                raise ValueError(f"control adapter {name!r} is not a VenueControl")
            return cls
    raise KeyError(f"no control adapter {name!r} (installed: {', '.join(available())})")
