"""Finding 6: remote binding needs TLS and a flag; consoles verify the engine's certificate.

A self-signed certificate for 127.0.0.1 is generated per test with ``cryptography``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tui.config import from_dict
from tui.console.client import AttachError, ConsoleClient
from tui.console.tls import ClientTLS, TLSError, cert_fingerprint
from tui.service import Service

from support.engine_rig import TOKEN
from support.fixtures import StartEngine


def self_signed(directory: Path, name: str = "engine") -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "venuewatch test engine")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    os.chmod(key_path, 0o600)
    return cert_path, key_path


async def test_console_attaches_over_wss_verifying_the_certificate(
    tmp_path: Path, engine: StartEngine
) -> None:
    cert, key = self_signed(tmp_path)
    other, _ = self_signed(tmp_path, "impostor")
    console = {"publish_hz": 20.0, "tls_cert": str(cert), "tls_key": str(key)}
    rig = await engine(["binance"], extra={"console": console})
    url = rig.service.server.url
    assert url.startswith("wss://127.0.0.1:")
    # Trusting the engine's own certificate (a CA file) ...
    c = ConsoleClient(url, TOKEN, "alice", ClientTLS(cafile=str(cert)))
    welcome = await c.connect()
    assert welcome.user == "alice"
    await c.close()
    # ... or pinning its fingerprint.
    c = ConsoleClient(url, TOKEN, "bob", ClientTLS(pin=cert_fingerprint(str(cert))))
    assert (await c.connect()).user == "bob"
    await c.close()
    # A certificate nobody vouched for is refused before the token is sent.
    with pytest.raises(AttachError, match=r"not trusted.*--cafile CERT or --pin"):
        await ConsoleClient(url, TOKEN, "eve").connect()
    with pytest.raises(AttachError, match="not trusted"):
        await ConsoleClient(url, TOKEN, "eve", ClientTLS(cafile=str(other))).connect()
    wrong = cert_fingerprint(str(other))
    with pytest.raises(AttachError, match=f"does not match --pin {wrong}"):
        await ConsoleClient(url, TOKEN, "eve", ClientTLS(pin=wrong)).connect()


@pytest.mark.parametrize(
    ("tls", "allow", "match"),
    [
        (False, True, "cross the network in clear"),
        (True, False, "pass --allow-remote"),
    ],
)
async def test_binding_beyond_loopback_needs_tls_and_the_flag(
    tmp_path: Path, tls: bool, allow: bool, match: str
) -> None:
    console: dict[str, object] = {"host": "0.0.0.0", "port": 0}
    if tls:
        cert, key = self_signed(tmp_path)
        console |= {"tls_cert": str(cert), "tls_key": str(key)}
    cfg = from_dict({"console": console})
    service = Service(cfg, TOKEN, journal_path=tmp_path / "j.jsonl", allow_remote=allow)
    with pytest.raises(TLSError, match=match):
        await service.start()
    assert not (tmp_path / "j.jsonl").exists()  # refused before anything opened


def test_serve_refuses_remote_plain_ws_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "VENUEWATCH_TOKEN": TOKEN}
    r = subprocess.run(
        [sys.executable, "-m", "tui.cli", "serve", "--simulate", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert "0.0.0.0" in lines[0] and "tls_cert" in lines[0]
