"""Citizen token verification and demo tokens (core.tokens)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from core import tokens as identity
from core.settings import get_settings
from core.tokens import (
    IdentityProblem,
    VerifiedCitizen,
    make_demo_token,
    verify_citizen_token,
)

SECRET = "dev-only-" + "s" * 40
OTHER_SECRET = "dev-only-" + "o" * 40
ENV_NAMES = (
    "APP_ENV",
    "CITIZEN_JWT_SECRET",
    "CITIZEN_JWT_PUBLIC_KEY_FILE",
    "CITIZEN_JWT_ISSUER",
    "CITIZEN_JWT_AUDIENCE",
)


@pytest.fixture(autouse=True)
def identity_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """A development environment with only the dev-only HS256 secret configured."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CITIZEN_JWT_SECRET", SECRET)
    get_settings.cache_clear()
    identity._load_public_key.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()
    identity._load_public_key.cache_clear()


def _configure(monkeypatch: pytest.MonkeyPatch, **env: str | None) -> None:
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {"sub": "borger-42", "iat": now, "exp": now + 600}
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def _hs256(claims: dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hand_made(header: dict[str, Any], claims: dict[str, Any], key: bytes | None) -> str:
    """A token built without PyJWT, so it can carry headers PyJWT refuses to write."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    if key is None:
        return signing_input + "."
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def public_key_file(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> Path:
    pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path = tmp_path / "citizen_jwt.pub.pem"
    path.write_bytes(pem)
    return path


# --- verify_citizen_token: HS256 -------------------------------------------------------


def test_valid_token_gives_the_citizen_id() -> None:
    assert verify_citizen_token(_hs256(_claims())) == VerifiedCitizen("borger-42", via="mitid")


@pytest.mark.parametrize("token", [None, "", "   "])
def test_no_token_is_missing(token: str | None) -> None:
    assert verify_citizen_token(token) == IdentityProblem("missing")


def test_expired_token_is_expired() -> None:
    past = int(time.time()) - 3600
    token = _hs256(_claims(iat=past - 600, exp=past))
    assert verify_citizen_token(token) == IdentityProblem("expired")


def test_token_expired_within_leeway_is_still_accepted() -> None:
    token = _hs256(_claims(exp=int(time.time()) - 5))
    assert isinstance(verify_citizen_token(token), VerifiedCitizen)


def test_forged_token_is_invalid() -> None:
    assert verify_citizen_token(_hs256(_claims(), OTHER_SECRET)) == IdentityProblem("invalid")


def test_forged_and_expired_token_is_invalid_not_expired() -> None:
    past = int(time.time()) - 3600
    token = _hs256(_claims(iat=past - 600, exp=past), OTHER_SECRET)
    assert verify_citizen_token(token) == IdentityProblem("invalid")


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "eyJhbGciOiJIUzI1NiJ9..", "ø.æ.å"])
def test_malformed_token_is_invalid(token: str) -> None:
    assert verify_citizen_token(token) == IdentityProblem("invalid")


def test_alg_none_token_is_invalid() -> None:
    token = _hand_made({"alg": "none", "typ": "JWT"}, _claims(), key=None)
    assert verify_citizen_token(token) == IdentityProblem("invalid")


def test_missing_exp_is_invalid() -> None:
    assert verify_citizen_token(_hs256(_claims(exp=None))) == IdentityProblem("invalid")


@pytest.mark.parametrize("sub", [None, "", "   ", 42])
def test_missing_or_unusable_sub_is_invalid(sub: Any) -> None:
    claims = _claims(sub=None)
    if sub is not None:
        claims["sub"] = sub
    assert verify_citizen_token(_hs256(claims)) == IdentityProblem("invalid")


def test_wrong_issuer_is_invalid(identity_env: pytest.MonkeyPatch) -> None:
    _configure(identity_env, CITIZEN_JWT_ISSUER="https://login.kommune.dk")
    assert verify_citizen_token(_hs256(_claims(iss="https://evil.example"))) == IdentityProblem("invalid")
    assert verify_citizen_token(_hs256(_claims())) == IdentityProblem("invalid")  # no iss
    good = _hs256(_claims(iss="https://login.kommune.dk"))
    assert verify_citizen_token(good) == VerifiedCitizen("borger-42")


def test_wrong_audience_is_invalid(identity_env: pytest.MonkeyPatch) -> None:
    _configure(identity_env, CITIZEN_JWT_AUDIENCE="moedeklar")
    assert verify_citizen_token(_hs256(_claims(aud="other-app"))) == IdentityProblem("invalid")
    assert verify_citizen_token(_hs256(_claims())) == IdentityProblem("invalid")  # no aud
    assert verify_citizen_token(_hs256(_claims(aud="moedeklar"))) == VerifiedCitizen("borger-42")


def test_audience_is_not_checked_when_not_configured() -> None:
    assert verify_citizen_token(_hs256(_claims(aud="any"))) == VerifiedCitizen("borger-42")


def test_no_secret_is_not_configured(identity_env: pytest.MonkeyPatch) -> None:
    token = _hs256(_claims())
    _configure(identity_env, CITIZEN_JWT_SECRET=None)
    assert verify_citizen_token(token) == IdentityProblem("not_configured")


def test_dev_secret_is_not_trusted_in_production(identity_env: pytest.MonkeyPatch) -> None:
    _configure(identity_env, APP_ENV="production")
    assert verify_citizen_token(_hs256(_claims())) == IdentityProblem("not_configured")


def test_real_secret_works_in_production(identity_env: pytest.MonkeyPatch) -> None:
    real = "r" * 48
    _configure(identity_env, APP_ENV="production", CITIZEN_JWT_SECRET=real)
    assert verify_citizen_token(_hs256(_claims(), real)) == VerifiedCitizen("borger-42")


def test_log_holds_the_reason_but_not_the_token_or_claims(
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = _hs256(_claims(sub="hemmelig-borger"), OTHER_SECRET)
    with caplog.at_level(logging.DEBUG, logger="core.tokens"):
        verify_citizen_token(token)
    assert "invalid" in caplog.text
    assert token not in caplog.text
    assert token.split(".")[1] not in caplog.text
    assert "hemmelig-borger" not in caplog.text


# --- verify_citizen_token: RS256 -------------------------------------------------------


def test_rs256_token_is_verified_with_the_public_key(
    identity_env: pytest.MonkeyPatch, public_key_file: Path, rsa_key: rsa.RSAPrivateKey
) -> None:
    _configure(identity_env, CITIZEN_JWT_PUBLIC_KEY_FILE=str(public_key_file))
    token = jwt.encode(_claims(), rsa_key, algorithm="RS256")
    assert verify_citizen_token(token) == VerifiedCitizen("borger-42")


def test_rs256_token_from_another_key_is_invalid(
    identity_env: pytest.MonkeyPatch, public_key_file: Path
) -> None:
    _configure(identity_env, CITIZEN_JWT_PUBLIC_KEY_FILE=str(public_key_file))
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(_claims(), other, algorithm="RS256")
    assert verify_citizen_token(token) == IdentityProblem("invalid")


def test_hs256_token_is_refused_when_rs256_is_configured(
    identity_env: pytest.MonkeyPatch, public_key_file: Path
) -> None:
    _configure(identity_env, CITIZEN_JWT_PUBLIC_KEY_FILE=str(public_key_file))
    # Signed with the configured HS secret: must not be accepted, RS256 is pinned.
    assert verify_citizen_token(_hs256(_claims())) == IdentityProblem("invalid")
    # Classic key confusion: HMAC signed with the public key's PEM bytes as the secret.
    confused = _hand_made({"alg": "HS256", "typ": "JWT"}, _claims(), key=public_key_file.read_bytes())
    assert verify_citizen_token(confused) == IdentityProblem("invalid")


def test_unreadable_public_key_file_is_not_configured(
    identity_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.pem"
    _configure(identity_env, CITIZEN_JWT_PUBLIC_KEY_FILE=str(missing))
    assert verify_citizen_token(_hs256(_claims())) == IdentityProblem("not_configured")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    _configure(identity_env, CITIZEN_JWT_PUBLIC_KEY_FILE=str(garbage))
    assert verify_citizen_token(_hs256(_claims())) == IdentityProblem("not_configured")


# --- make_demo_token -------------------------------------------------------------------


def test_demo_token_verifies() -> None:
    assert verify_citizen_token(make_demo_token("borger-7")) == VerifiedCitizen("borger-7")


def test_demo_token_carries_issuer_audience_and_ttl(identity_env: pytest.MonkeyPatch) -> None:
    _configure(identity_env, CITIZEN_JWT_ISSUER="kommune", CITIZEN_JWT_AUDIENCE="moedeklar")
    token = make_demo_token("borger-7", ttl_seconds=120)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="moedeklar")
    assert claims["iss"] == "kommune"
    assert claims["exp"] - claims["iat"] == 120
    assert verify_citizen_token(token) == VerifiedCitizen("borger-7")


def test_demo_token_expires() -> None:
    token = make_demo_token("borger-7", ttl_seconds=1)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert claims["exp"] == claims["iat"] + 1


@pytest.mark.parametrize(
    ("env", "message_part"),
    [
        ({"APP_ENV": "production"}, "production"),
        ({"CITIZEN_JWT_SECRET": None}, "CITIZEN_JWT_SECRET"),
        ({"CITIZEN_JWT_SECRET": "a-real-looking-secret-" + "x" * 30}, "dev-only-"),
        ({"CITIZEN_JWT_PUBLIC_KEY_FILE": "/etc/key.pem"}, "RS256"),
    ],
)
def test_demo_token_refuses_outside_development(
    identity_env: pytest.MonkeyPatch, env: dict[str, str | None], message_part: str
) -> None:
    _configure(identity_env, **env)
    with pytest.raises(ValueError, match=message_part):
        make_demo_token("borger-7")


@pytest.mark.parametrize(("citizen_id", "ttl"), [("", 60), ("  ", 60), ("borger-7", 0)])
def test_demo_token_refuses_bad_arguments(citizen_id: str, ttl: int) -> None:
    with pytest.raises(ValueError):
        make_demo_token(citizen_id, ttl_seconds=ttl)
