"""TLS for the console link: the engine's ``wss://`` context, the rule that binding
beyond loopback needs TLS and an explicit flag, and the console's verification
(a CA file, or a pinned SHA-256 fingerprint of the engine's certificate).

The console token crosses this link: over plain ``ws://`` anywhere but loopback it
would cross the network in clear, so the engine refuses to do that at all.
"""

from __future__ import annotations

import hashlib
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from tui.errors import UserError


class TLSError(UserError, ValueError):
    """A TLS setting that cannot be used; one line naming the file or flag."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere


def check_binding(host: str, tls: bool, allow_remote: bool) -> None:
    """TLSError unless binding ``host`` is safe: loopback, or TLS *and* an explicit flag."""
    if is_loopback(host):
        return
    if not tls:
        raise TLSError(
            f"console.host = {host!r} is beyond loopback: the token would cross the network in "
            "clear; set console.tls_cert and console.tls_key (wss://) and pass --allow-remote"
        )
    if not allow_remote:
        raise TLSError(
            f"console.host = {host!r} is beyond loopback: pass --allow-remote to serve consoles "
            "on the network (TLS is configured)"
        )


def server_context(cert: str, key: str) -> ssl.SSLContext:
    """The engine's TLS context; TLSError names the file that is wrong."""
    for what, path in (("console.tls_cert", cert), ("console.tls_key", key)):
        if not Path(path).is_file():
            raise TLSError(f"{what}: {path}: no such file")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.load_cert_chain(cert, key)
    except ssl.SSLError as exc:
        raise TLSError(
            f"console.tls_cert/tls_key: {cert} / {key}: not a matching PEM certificate and "
            f"key ({exc.reason or exc})"
        ) from None
    return ctx


def fingerprint(der: bytes) -> str:
    """SHA-256 of a DER certificate as ``AB:CD:…`` (what ``openssl x509 -fingerprint`` prints)."""
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


def cert_fingerprint(cert_pem: str) -> str:
    pem = Path(cert_pem).read_text(encoding="ascii", errors="replace")
    return fingerprint(ssl.PEM_cert_to_DER_cert(pem))


def _norm(pin: str) -> str:
    return pin.replace(":", "").replace(" ", "").lower().removeprefix("sha256/")


@dataclass(frozen=True, slots=True)
class ClientTLS:
    """How a console verifies the engine: a CA file (the engine's own certificate will
    do for a self-signed one), or a pinned SHA-256 fingerprint, else the system CAs."""

    cafile: str | None = None
    pin: str | None = None

    def context(self) -> ssl.SSLContext:
        if self.pin:
            if len(_norm(self.pin)) != 64:
                raise TLSError("--pin: expected a SHA-256 fingerprint (64 hex digits)")
            # The pin is the whole check: the chain and name are not what we trust.
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return ctx
        if self.cafile and not Path(self.cafile).is_file():
            raise TLSError(f"--cafile {self.cafile}: no such file")
        try:
            return ssl.create_default_context(cafile=self.cafile)
        except ssl.SSLError as exc:
            raise TLSError(f"--cafile {self.cafile}: not a PEM certificate ({exc})") from None

    def check_peer(self, der: bytes | None) -> None:
        """After the handshake: TLSError if a pin is set and the certificate is not it."""
        if not self.pin:
            return
        got = fingerprint(der or b"")
        if der is None or _norm(got) != _norm(self.pin):
            raise TLSError(
                f"the engine's certificate {got} does not match --pin {self.pin}: refusing "
                "to send the token"
            )
