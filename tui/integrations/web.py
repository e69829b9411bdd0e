"""An aiohttp application served on one loopback socket (metrics, the OMS API)."""

from __future__ import annotations

import socket

from aiohttp import web


class Served:
    """A running aiohttp app; ``port`` is the real one when 0 was asked for."""

    def __init__(self, runner: web.AppRunner, host: str, port: int) -> None:
        self.runner = runner
        self.host = host
        self.port = port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        await self.runner.cleanup()


async def serve(app: web.Application, host: str, port: int, what: str) -> Served:
    """Bind first (so the real port is known and a busy port fails here), then serve.

    A bind failure is an OSError whose message names ``what`` and the address.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"{what} on {host}:{port}: {exc.strerror or exc}") from None
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
    await runner.setup()
    site = web.SockSite(runner, sock)
    await site.start()
    return Served(runner, host, sock.getsockname()[1])
