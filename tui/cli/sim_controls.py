"""Kill switches against the simulated private venues, for the demo and ``serve --simulate``.

The simulator's keys are generated for this run and handed to the engine in
memory: they are never written to the keyring, so a demo can never overwrite
(or be confused with) a desk's real venue keys.
"""

from __future__ import annotations

from typing import Any

import msgspec

from adapters.controls.base import ControlSettings, Credentials
from adapters.simulator.private.server import PrivateSimulator
from tui.config import Config

# Engine venue -> (control adapter, extra settings). Timers the engine keeps alive in the demo.
DEMO: dict[str, tuple[str, dict[str, Any]]] = {
    "binance": ("binance", {}),
    "binance-futures": ("binance-futures", {"symbols": ["BTCUSDT", "ETHUSDT"], "keep_alive": True}),
    "kraken": ("kraken", {"keep_alive": True}),
    "okx": ("okx", {"keep_alive": True, "deadman_s": 60.0, "heartbeat_s": 20.0}),
    "bybit-linear": ("bybit", {"options": {"categories": ["linear"]}}),
    "coinbase": ("coinbase", {}),
    "deribit": ("deribit", {"keep_alive": True, "heartbeat_s": 20.0, "deadman_s": 60.0}),
}


async def start_private(
    cfg: Config, venues: set[str]
) -> tuple[PrivateSimulator, Config, dict[str, Credentials]]:
    wanted = {v: spec for v, spec in DEMO.items() if v in venues}
    psim = PrivateSimulator(sorted({a for a, _ in wanted.values()}))
    await psim.start()
    psim.start_flow()
    controls, creds = dict(cfg.controls), {}
    for venue, (adapter, extra) in wanted.items():
        key = psim.keys[adapter]
        controls[venue] = msgspec.convert(
            {"adapter": adapter, "url": psim.url(adapter), "account": "simulator", **extra},
            ControlSettings,
        )
        creds[venue] = Credentials(key.key, key.secret, key.passphrase, "simulator")
    return psim, msgspec.structs.replace(cfg, controls=controls), creds
