"""Assembling the venue kill switches for the engine service.

Builds one control adapter per ``[controls.<venue>]`` (credentials from the
keyring, never the config), attaches the layered halt to the controller as a
sink (its existing extension point: the webhook and other sinks it already has
become the escalation path), and runs the dead-man keeper. States are written
into the engine's facts so consoles see them as health fields.
"""

from __future__ import annotations

import msgspec

from adapters.controls import registry
from adapters.controls.base import ControlSettings, Credentials, Step
from adapters.controls.client import VenueControl
from tui.control import venue_keys
from tui.control.controller import Controller
from tui.control.deadman import DeadmanKeeper, DeadmanState
from tui.control.halt import HaltStatus, VenueHalt
from tui.engine.engine import Engine
from tui.errors import UserError


class ControlsError(UserError, ValueError):
    """A kill switch that cannot be set up; the message names the table and the fix."""


def build(
    settings: dict[str, ControlSettings],
    dry_run: bool = False,
    credentials: dict[str, Credentials] | None = None,
) -> dict[str, VenueControl]:
    """One adapter per table; credentials from the keyring unless given (the demo's)."""
    controls: dict[str, VenueControl] = {}
    for name, s in settings.items():
        s = msgspec.structs.replace(s, dry_run=s.dry_run or dry_run)
        adapter = s.adapter or name
        try:
            cls = registry.load(adapter)
            given = (credentials or {}).get(name)
            creds = given or venue_keys.load(adapter, s.account)
        except (KeyError, ValueError, venue_keys.KeysError) as exc:
            raise ControlsError(f"controls.{name}: {exc}") from None
        controls[name] = cls(s, creds)
    return controls


class VenueControls:
    def __init__(self, controls: dict[str, VenueControl]) -> None:
        self.controls = controls
        self.halt: VenueHalt | None = None
        self.keeper: DeadmanKeeper | None = None

    def attach(self, controller: Controller, engine: Engine) -> VenueHalt:
        facts = engine.facts

        def symbols_for(venue: str, instrument: str) -> list[str]:
            return [
                ih.symbol for ih in engine.by_canonical.get(instrument, []) if ih.venue == venue
            ]

        def on_status(venue: str, status: HaltStatus) -> None:
            facts.venue_halt[venue] = status.line()

        def on_deadman(venue: str, state: DeadmanState) -> None:
            facts.deadman[venue] = state.line()

        self.keeper = DeadmanKeeper(self.controls, controller.record, on_change=on_deadman)
        self.halt = VenueHalt(
            self.controls,
            controller.record,
            escalation=list(controller.sinks),
            symbols_for=symbols_for,
            on_status=on_status,
            on_deadman=self._shortened,
        )
        self.keeper.locks = self.halt.locks  # one request at a time per venue (nonces)
        controller.sinks.append(self.halt)
        for venue, ctl in self.controls.items():
            if ctl.dry_run:
                facts.deadman[venue] = "dry run"
        return self.halt

    def _shortened(self, venue: str, step: Step) -> None:
        if self.keeper is not None:
            self.keeper.shortened(venue, step)

    def start(self) -> None:
        if self.keeper is not None:
            self.keeper.start()

    async def stop(self) -> None:
        if self.keeper is not None:
            await self.keeper.stop()
        for ctl in self.controls.values():
            await ctl.aclose()
