"""The ``[metrics]`` and ``[api]`` sections of the configuration."""

from __future__ import annotations

import ipaddress

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


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check(metrics: MetricsSettings, api: ApiSettings) -> list[str]:
    problems = []
    for where, s in (("metrics", metrics), ("api", api)):
        if s.port is not None and not 0 <= s.port <= 65535:
            problems.append(f"{where}.port: expected 0..65535")
        # Plain HTTP, and the API's token would cross the network in clear: loopback only.
        if not _loopback(s.host):
            problems.append(
                f"{where}.host: expected a loopback address, got {s.host!r} "
                "(put a TLS proxy in front for remote access)"
            )
    return problems
