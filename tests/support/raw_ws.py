"""A websocket client written by hand, for tests of consoles that misbehave."""

from __future__ import annotations

import base64
import os
import socket

from tui.console import protocol as p


def never_reader(port: int, token: str, user: str = "mallory") -> socket.socket:
    """A websocket client that authenticates, then never reads another byte."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(
        (
            f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)  # byte by byte: not one byte of the Welcome is taken
    assert head.startswith(b"HTTP/1.1 101")
    payload = p.encode(p.Hello(token=token, user=user))
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    assert len(payload) < 126
    s.sendall(bytes([0x82, 0x80 | len(payload)]) + mask + masked)
    return s
