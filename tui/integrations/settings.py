"""The ``[metrics]`` and ``[api]`` sections of the configuration."""

from __future__ import annotations

import msgspec


class MetricsSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    port: int | None = None
    """Prometheus exposition port (``/metrics``); unset: off; 0 picks a free one."""
    host: str = "127.0.0.1"
    """Keep it on loopback; put a TLS proxy in front for a remote Prometheus."""


class ApiSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    port: int | None = None
    """The OMS read API port (``/v1/...``); unset: off; 0 picks a free one."""
    host: str = "127.0.0.1"
    token_name: str = "oms-api-token"
    """Name of the API's bearer token in the keyring (created on first start)."""


def check(metrics: MetricsSettings, api: ApiSettings) -> list[str]:
    problems = []
    for where, port in (("metrics.port", metrics.port), ("api.port", api.port)):
        if port is not None and not 0 <= port <= 65535:
            problems.append(f"{where}: expected 0..65535")
    return problems
