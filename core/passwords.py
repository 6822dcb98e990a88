"""Caseworkers' passwords: argon2id hashes (argon2-cffi), and what a password must look like.

Owns `hash_password`, `verify_password` (constant-time, never raises on a bad hash) and
`password_problem` (the rule `add-caseworker` and the account page apply). A failed check costs
the same time for an unknown user (`DUMMY_HASH`), so sign-in does not reveal which names exist.

Must not: log or store a password, or accept an empty one.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256

_HASHER = PasswordHasher()
DUMMY_HASH = _HASHER.hash("moedeklar-dummy-password-for-timing")


def password_problem(password: str) -> str | None:
    """Why `password` cannot be used (Danish), or None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"Adgangskoden skal være mindst {MIN_PASSWORD_CHARS} tegn."
    if len(password) > MAX_PASSWORD_CHARS:
        return f"Adgangskoden må højst være {MAX_PASSWORD_CHARS} tegn."
    if password.strip() != password or not password.strip():
        return "Adgangskoden må ikke begynde eller slutte med mellemrum."
    return None


def hash_password(password: str) -> str:
    """The argon2id hash of `password` (ValueError when `password_problem` objects)."""
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches `stored_hash`; a missing hash costs the same time and fails."""
    if len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        return _HASHER.verify(stored_hash or DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
