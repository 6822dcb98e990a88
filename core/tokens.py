"""Citizen tokens: verifying the MitID-backed login token, and signing demo tokens in development.

Owns the one place where a citizen token (a JWT issued by the municipality's MitID login) is
checked, shared by every input channel and the web site. The token is verified with a key from
`core.settings` and an algorithm pinned here, never the one named in the token header.

Must not: log tokens or claims (only the rejection reason), trust unverified claims, or
sign tokens outside development (`make_demo_token` refuses).

Development secrets: a CITIZEN_JWT_SECRET that starts with `DEV_SECRET_PREFIX`
("dev-only-") is a throw-away secret for `make run` and tests. `make_demo_token` signs only
with such a secret, and in production (APP_ENV=production) `verify_citizen_token` refuses
to trust tokens signed with one (reason "not_configured"), because a development secret
may be known to anyone who has read the repository.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from core.settings import DEV_SECRET_PREFIX, Settings, get_settings

logger = logging.getLogger(__name__)

LEEWAY_SECONDS = 30
VIA_MITID = "mitid"

ProblemReason = Literal["missing", "expired", "invalid", "not_configured"]
MISSING: ProblemReason = "missing"
EXPIRED: ProblemReason = "expired"
INVALID: ProblemReason = "invalid"
NOT_CONFIGURED: ProblemReason = "not_configured"
PROBLEM_REASONS: frozenset[str] = frozenset({MISSING, EXPIRED, INVALID, NOT_CONFIGURED})


@dataclass(frozen=True)
class VerifiedCitizen:
    """A citizen whose token was verified; `citizen_id` is the id in the case database."""

    citizen_id: str
    via: str = VIA_MITID


@dataclass(frozen=True)
class IdentityProblem:
    """Why a token was not accepted; `reason` is one of `PROBLEM_REASONS`."""

    reason: ProblemReason


@dataclass(frozen=True)
class _VerificationKey:
    key: Any
    algorithm: str


def verify_citizen_token(token: str | None) -> VerifiedCitizen | IdentityProblem:
    """Verify a citizen JWT and return the citizen, or the reason it was not accepted."""
    if token is None or not isinstance(token, str) or not token.strip():
        return IdentityProblem(MISSING)
    settings = get_settings()
    key = _verification_key(settings)
    if key is None:
        return _problem(NOT_CONFIGURED)
    try:
        claims = jwt.decode(
            token.strip(),
            key.key,
            algorithms=[key.algorithm],
            issuer=settings.citizen_jwt_issuer,
            audience=settings.citizen_jwt_audience,
            leeway=LEEWAY_SECONDS,
            options={
                "require": ["exp", "sub"],
                "verify_aud": settings.citizen_jwt_audience is not None,
            },
        )
    except jwt.ExpiredSignatureError:
        return _problem(EXPIRED)
    except jwt.PyJWTError as exc:
        return _problem(INVALID, type(exc).__name__)
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        return _problem(INVALID, "empty sub")
    return VerifiedCitizen(citizen_id=subject)


def make_demo_token(citizen_id: str, ttl_seconds: int = 3600) -> str:
    """Sign a development token for `citizen_id` (HS256 with the dev-only secret).

    Raises ValueError outside development: when APP_ENV is production, when
    CITIZEN_JWT_SECRET is unset or not marked with DEV_SECRET_PREFIX, or when
    CITIZEN_JWT_PUBLIC_KEY_FILE is set (the server would then only accept RS256 tokens).
    """
    settings = get_settings()
    secret = _demo_signing_secret(settings)
    if not citizen_id or not citizen_id.strip():
        raise ValueError("demo-token: citizen_id must be a non-empty string.")
    if ttl_seconds <= 0:
        raise ValueError("demo-token: ttl_seconds must be positive.")
    now = int(time.time())
    payload: dict[str, Any] = {"sub": citizen_id, "iat": now, "exp": now + ttl_seconds}
    if settings.citizen_jwt_issuer:
        payload["iss"] = settings.citizen_jwt_issuer
    if settings.citizen_jwt_audience:
        payload["aud"] = settings.citizen_jwt_audience
    return jwt.encode(payload, secret, algorithm="HS256")


def _problem(reason: ProblemReason, detail: str = "") -> IdentityProblem:
    """Log the rejection without the token or its claims, and return it."""
    if detail:
        logger.info("Citizen token not accepted: %s (%s)", reason, detail)
    else:
        logger.info("Citizen token not accepted: %s", reason)
    return IdentityProblem(reason)


def _verification_key(settings: Settings) -> _VerificationKey | None:
    """The configured key and its pinned algorithm; None when nothing usable is configured."""
    if settings.citizen_jwt_public_key_file:
        public_key = _load_public_key(settings.citizen_jwt_public_key_file)
        return _VerificationKey(public_key, "RS256") if public_key is not None else None
    secret = settings.citizen_jwt_secret
    if not secret:
        return None
    if settings.is_production and secret.startswith(DEV_SECRET_PREFIX):
        logger.error("CITIZEN_JWT_SECRET is a development secret; refusing it in production.")
        return None
    return _VerificationKey(secret, "HS256")


@lru_cache(maxsize=4)
def _load_public_key(path: str) -> RSAPublicKey | None:
    """Read the RSA public key (PEM) once per path; None (and an error log) when unusable."""
    try:
        key = load_pem_public_key(Path(path).read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        logger.error("CITIZEN_JWT_PUBLIC_KEY_FILE could not be loaded (%s).", type(exc).__name__)
        return None
    if not isinstance(key, RSAPublicKey):
        logger.error("CITIZEN_JWT_PUBLIC_KEY_FILE does not hold an RSA public key.")
        return None
    return key


def _demo_signing_secret(settings: Settings) -> str:
    """The dev-only secret, or a ValueError explaining why demo tokens are refused."""
    if settings.is_production:
        raise ValueError("demo-token is disabled when APP_ENV=production.")
    secret = settings.citizen_jwt_secret
    if not secret:
        raise ValueError(
            "demo-token needs CITIZEN_JWT_SECRET; set it to a development secret "
            f"starting with {DEV_SECRET_PREFIX!r}."
        )
    if not secret.startswith(DEV_SECRET_PREFIX):
        raise ValueError(
            f"demo-token only signs with development secrets (starting with "
            f"{DEV_SECRET_PREFIX!r}); CITIZEN_JWT_SECRET looks like a real secret."
        )
    if settings.citizen_jwt_public_key_file:
        raise ValueError(
            "demo-token signs HS256, but CITIZEN_JWT_PUBLIC_KEY_FILE is set, so the "
            "server only accepts RS256 tokens; unset it for local demos."
        )
    return secret
