"""The configuration file: typed, validated data (TOML), never code.

Every section is a msgspec Struct with ``forbid_unknown_fields``, so a typo is
an error that names the field, not a silently ignored setting. Errors carry the
file name and either the TOML line (syntax) or the field path (schema).

Defaults are the ones an incident responder would pick (detection thresholds:
README, "Detection defaults"); each field's docstring is its user documentation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from adapters.controls.base import ControlSettings
from adapters.instruments import InstrumentSettings
from adapters.venue import VenueSettings
from tui import tomlfile
from tui.control.sinks import SinkSettings
from tui.engine.settings import EngineSettings
from tui.errors import UserError
from tui.integrations.settings import ApiSettings, MetricsSettings
from tui.integrations.settings import check as check_integrations

# Re-exported for callers written before tui.paths held every path.
from tui.paths import config_dir as config_dir
from tui.paths import state_dir as state_dir


class ConsoleSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    host: str = "127.0.0.1"
    """Where the engine serves consoles. Keep it on loopback unless a desk host is intended."""
    port: int = 8765
    publish_hz: float = 10.0
    """State frames per second sent to each console (coalesced; never one per venue message)."""
    token_name: str = "console-token"
    """Name of the console auth token in the keyring (or the 0600 fallback file)."""
    tls_cert: str = ""
    """PEM certificate (chain) for ``wss://``; required to bind beyond loopback."""
    tls_key: str = ""
    """PEM private key for ``tls_cert``."""
    max_outbound_frames: int = 5000
    """Frames queued to one console before it is closed with 4008 (too slow)."""
    max_outbound_bytes: int = 8 << 20
    """Bytes queued to one console before it is closed with 4008 (too slow)."""
    commands_per_s: float = 20.0
    """Commands one console may run per second (a token bucket; the excess waits)."""
    command_burst: int = 40
    max_queued_commands: int = 64
    """Commands one console may have waiting; more are refused at once."""


class JournalSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    path: str = ""
    """Audit journal file; empty means <state dir>/venuewatch/journal.jsonl."""
    anchor_every_s: float = 1.0
    """The anchor sidecar (head seq and hash, fsynced) lags the journal by at most this."""
    anchor_to_sinks_s: float = 300.0
    """How often the anchor is sent to the sinks (an off-machine copy)."""


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    venues: dict[str, VenueSettings] = {}
    instruments: InstrumentSettings = msgspec.field(default_factory=InstrumentSettings)
    engine: EngineSettings = msgspec.field(default_factory=EngineSettings)
    console: ConsoleSettings = msgspec.field(default_factory=ConsoleSettings)
    journal: JournalSettings = msgspec.field(default_factory=JournalSettings)
    sinks: list[SinkSettings] = []
    """Where commands and alerts are sent after the journal (webhook, alertmanager,
    pagerduty, slack)."""
    metrics: MetricsSettings = msgspec.field(default_factory=MetricsSettings)
    api: ApiSettings = msgspec.field(default_factory=ApiSettings)
    record: str = ""
    """If set, record every raw frame to this capture file while serving."""
    controls: dict[str, ControlSettings] = {}
    """Venue kill switches (``[controls.<venue>]``): halting at the venue itself."""

    def enabled_venues(self) -> dict[str, VenueSettings]:
        return {
            name: msgspec.structs.replace(s, name=name, adapter=s.adapter or name)
            for name, s in self.venues.items()
            if s.enabled
        }


class ConfigError(UserError, ValueError):
    """A configuration that cannot be used; the message names file and place."""


def parse(text: str, source: str = "<config>") -> Config:
    cfg = tomlfile.decode(text, Config, source, ConfigError)
    return _checked(cfg, source, text)


def from_dict(data: dict[str, Any], source: str = "<config>") -> Config:
    cfg = tomlfile.convert(data, Config, source, "", ConfigError)
    return _checked(cfg, source)


def _checked(cfg: Config, source: str, text: str = "") -> Config:
    """``cfg`` when ``check`` finds nothing; else one ConfigError naming the file and,
    for each problem, the line of the field it names (as the loader's errors do)."""
    problems = check(cfg)
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(tomlfile.placed(text, p) for p in problems))
    return cfg


def load(path: str | Path) -> Config:
    p = Path(path)
    try:
        text = tomlfile.read_text(p, ConfigError)
    except FileNotFoundError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror or exc}") from None
    return parse(text, str(p))


def _console_problems(c: ConsoleSettings) -> list[str]:
    problems = []
    if not 0 <= c.port <= 65535:
        problems.append(f"console.port: expected 0-65535, got {c.port}")
    if bool(c.tls_cert) != bool(c.tls_key):
        problems.append("console.tls_cert and console.tls_key: give both or neither")
    for name in ("max_outbound_frames", "max_outbound_bytes", "command_burst"):
        if getattr(c, name) < 1:
            problems.append(f"console.{name}: expected at least 1")
    if not 1 <= c.max_queued_commands <= 10000:
        problems.append("console.max_queued_commands: expected 1-10000")
    if not 0 < c.commands_per_s <= 1000:
        problems.append("console.commands_per_s: expected above 0 and at most 1000")
    return problems


def check(cfg: Config) -> list[str]:
    """Cross-field rules the types cannot express."""
    from adapters import registry

    problems = []
    known = set(registry.available())
    for name, v in cfg.venues.items():
        adapter = v.adapter or name
        if adapter not in known:
            problems.append(
                f"venues.{name}: unknown adapter {adapter!r} (known: {', '.join(sorted(known))})"
            )
        if v.enabled and not v.symbols:
            problems.append(f"venues.{name}.symbols: at least one symbol is needed")
    problems.extend(cfg.engine.check(set(cfg.venues)))
    for i, s in enumerate(cfg.sinks):
        problems.extend(s.check(f"sinks[{i}]"))
    problems.extend(check_integrations(cfg.metrics, cfg.api))
    problems.extend(_check_controls(cfg))
    if not 0.5 <= cfg.console.publish_hz <= 60:
        problems.append("console.publish_hz: expected between 0.5 and 60")
    problems.extend(_console_problems(cfg.console))
    if not 0 <= cfg.journal.anchor_every_s <= 3600:
        problems.append("journal.anchor_every_s: expected 0-3600")
    if not 1 <= cfg.journal.anchor_to_sinks_s <= 86400:
        problems.append("journal.anchor_to_sinks_s: expected 1-86400")
    return problems


def _check_controls(cfg: Config) -> list[str]:
    from adapters.controls import registry as controls

    known = set(controls.available())
    problems = []
    for name, c in cfg.controls.items():
        adapter = c.adapter or name
        if adapter not in known:
            problems.append(
                f"controls.{name}: unknown control adapter {adapter!r} "
                f"(known: {', '.join(sorted(known))})"
            )
        if c.url and not c.url.startswith(("http://", "https://", "ws://", "wss://")):
            problems.append(f"controls.{name}.url: expected an http(s) or ws(s) URL")
        if c.keep_alive and c.heartbeat_s >= c.deadman_s:
            problems.append(f"controls.{name}.heartbeat_s: must be shorter than deadman_s")
    return problems
