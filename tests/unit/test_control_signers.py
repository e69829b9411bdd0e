"""Each venue's signer against the example the venue publishes in its documentation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import pickle

import pytest

from adapters.controls import binance, bybit, kraken, okx
from adapters.controls.base import ControlSettings, Credentials, Request

# developers.binance.com, "SIGNED Endpoint Examples for POST /api/v3/order" (HMAC).
BINANCE_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
BINANCE_QUERY = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559"
)
BINANCE_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"

# docs.kraken.com, "Spot REST Authentication", the worked example (AddOrder).
KRAKEN_SECRET = (
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
)
KRAKEN_NONCE = "1616492376594"
KRAKEN_BODY = "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
KRAKEN_SIGN = (
    "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
)


def test_binance_signature_matches_the_documented_example() -> None:
    assert binance.sign(BINANCE_SECRET, BINANCE_QUERY) == BINANCE_SIGNATURE


def test_binance_query_is_built_in_the_documented_order() -> None:
    params = {
        "symbol": "LTCBTC",
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": 1,
        "price": 0.1,
    }
    got = binance.signed_query(BINANCE_SECRET, params, 1499827319559, 5000)
    assert got == f"{BINANCE_QUERY}&signature={BINANCE_SIGNATURE}"


def test_kraken_api_sign_matches_the_documented_example() -> None:
    assert kraken.sign(KRAKEN_SECRET, "/0/private/AddOrder", KRAKEN_NONCE, KRAKEN_BODY) == (
        KRAKEN_SIGN
    )


def test_okx_prehash_and_timestamp_follow_the_documented_form() -> None:
    # okx.com/docs-v5 "REST Authentication": sign = Base64(HmacSHA256(timestamp + 'GET' +
    # '/api/v5/account/balance?ccy=BTC', SecretKey)), timestamp like 2020-12-08T09:08:57.715Z.
    ts = okx.timestamp(1607418537715)
    assert ts == "2020-12-08T09:08:57.715Z"
    secret = "22582BD0CFF14C41EDBF1AB98506286D"
    want = base64.b64encode(
        hmac.new(
            secret.encode(), f"{ts}GET/api/v5/account/balance?ccy=BTC".encode(), hashlib.sha256
        ).digest()
    ).decode()
    assert okx.sign(secret, ts, "get", "/api/v5/account/balance?ccy=BTC", "") == want


def test_bybit_signs_the_documented_plaintext() -> None:
    # bybit-exchange.github.io/docs/v5/guide: GET plaintext is
    # "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C".
    plain = "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C"
    want = hmac.new(b"secret", plain.encode(), hashlib.sha256).hexdigest()
    got = bybit.sign(
        "secret",
        "1658384314791",
        "XXXXXXXXXX",
        "5000",
        "category=option&symbol=BTC-29JUL22-25000-C",
    )
    assert got == want


def test_bybit_get_request_signs_its_query_string(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bybit, "now_ms", lambda: 1658384314791)
    ctl = bybit.Bybit(
        ControlSettings(url="http://127.0.0.1:9"), Credentials("XXXXXXXXXX", "secret")
    )
    req = ctl.request(
        "GET", "/v5/order/realtime", {"category": "option", "symbol": "BTC-29JUL22-25000-C"}
    )
    assert req.query == "category=option&symbol=BTC-29JUL22-25000-C"
    plain = "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C"
    assert (
        req.headers["X-BAPI-SIGN"]
        == hmac.new(b"secret", plain.encode(), hashlib.sha256).hexdigest()
    )


def test_journalled_requests_carry_no_credential() -> None:
    creds = Credentials("the-api-key", "the-secret", "the-passphrase")
    req = Request(
        method="POST",
        base="http://127.0.0.1:1",
        path="/x",
        query="apiKey=the-api-key",
        body='{"p":"the-passphrase"}',
        headers={
            "OK-ACCESS-KEY": "the-api-key",
            "OK-ACCESS-PASSPHRASE": "the-passphrase",
            "OK-ACCESS-SIGN": "sig",
        },
    )
    text = repr(req.public(creds.values()))
    for value in creds.values():
        assert value not in text
    assert "sig" in text
    assert "the-secret" not in repr(creds) and "the-api-key" not in str(creds)
    with pytest.raises(TypeError):
        pickle.dumps(creds)


def test_kraken_nonces_strictly_increase_within_one_millisecond(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(kraken, "now_ms", lambda: 1_700_000_000_000)
    ctl = kraken.Kraken(ControlSettings(url="http://127.0.0.1:9"), Credentials("k", KRAKEN_SECRET))
    nonces = [int(ctl._nonce()) for _ in range(5)]
    assert nonces == sorted(set(nonces)) and len(nonces) == 5


def test_coinbase_jwt_has_the_documented_header_and_claims_and_verifies() -> None:
    # docs.cdp.coinbase.com "JWT authentication": ES256, kid + nonce in the header; sub, iss
    # "cdp", nbf, exp = nbf + 120, uri "METHOD host path" in the claims. ECDSA signatures are
    # randomised, so the check is structure plus verification with the public key.
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    from adapters.controls import coinbase

    key = ec.generate_private_key(ec.SECP256R1())
    pem = (
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        .decode()
        .replace("\n", "\\n")
    )
    name = "organizations/org-id/apiKeys/key-id"
    token = coinbase.jwt(
        name, pem, "get", "api.coinbase.com", "/api/v3/brokerage/accounts", 1_700_000_000, "ab" * 16
    )
    head_b64, claims_b64, sig_b64 = token.split(".")

    def unb64(part: str) -> bytes:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

    import json

    assert json.loads(unb64(head_b64)) == {
        "alg": "ES256",
        "kid": name,
        "nonce": "ab" * 16,
        "typ": "JWT",
    }
    assert json.loads(unb64(claims_b64)) == {
        "sub": name,
        "iss": "cdp",
        "nbf": 1_700_000_000,
        "exp": 1_700_000_120,
        "uri": "GET api.coinbase.com/api/v3/brokerage/accounts",
    }
    raw = unb64(sig_b64)
    assert len(raw) == 64
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key.public_key().verify(der, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))


def test_deribit_client_signature_signs_timestamp_nonce_data_joined_by_newlines() -> None:
    # docs.deribit.com "public/auth", client_signature: HEX(HMAC-SHA256(ClientSecret,
    # Timestamp + "\n" + Nonce + "\n" + Data)).
    from adapters.controls import deribit

    want = hmac.new(b"secret", b"1576074319000\nabcd\n", hashlib.sha256).hexdigest()
    assert deribit.sign("secret", 1576074319000, "abcd", "") == want
