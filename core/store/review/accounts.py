"""`ReviewAccounts`: the review app's accounts, sessions and sign-in lockout, in the database.

Everything lives in tables (migration 0004), so several app processes share sessions and the
lockout. A session is a random token in the browser's cookie; only its SHA-256 is stored, with the
session's CSRF token and its expiry. The lockout counts failed sign-ins per user name (also names
that do not exist, so the answer never reveals which names do): after `max_failures` failures the
name is locked for `lockout` and the failures start again from zero afterwards.

Must not: see a password (callers pass the result of `core.passwords.verify_password`), or log a
token or a user name with a failure.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.clock import require_aware
from core.review_records import ROLES, Account, SignedIn
from core.store.database import Database
from core.store.review.tables import ReviewAccount, ReviewLoginFailure, ReviewSession

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
EMAIL_PATTERN = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']{1,189}\.[a-zA-Z]{2,24}$")


class AccountError(ValueError):
    """An account cannot be created or changed (the message is Danish, for the screen)."""


def normalise_username(username: str) -> str:
    return username.strip().casefold()


def username_problem(username: str) -> str | None:
    if not USERNAME_PATTERN.match(normalise_username(username)):
        return "Brugernavnet skal være 2-64 tegn: bogstaverne a-z, tal og . _ @ -"
    return None


def email_problem(email: str | None) -> str | None:
    if email and not EMAIL_PATTERN.match(email.strip()):
        return "E-mailadressen ser ikke rigtig ud."
    return None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _account(row: ReviewAccount) -> Account:
    return Account(
        id=row.id,
        username=row.username,
        role=row.role,
        email=row.email,
        active=bool(row.active),
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        has_password=row.password_hash is not None,
    )


@dataclass(frozen=True)
class LoginCandidate:
    """What sign-in needs before checking the password: the hash and whether the name is locked."""

    account_id: int | None
    password_hash: str | None
    locked_until: datetime | None


def _create(
    session: Session, username: str, role: str, *, email: str | None, password_hash: str | None, now: datetime
) -> Account:
    if _by_username(session, username) is not None:
        raise AccountError(f"Brugernavnet {username!r} findes allerede.")
    row = ReviewAccount(
        username=username,
        role=role,
        email=email,
        password_hash=password_hash,
        active=True,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return _account(row)


def _by_username(session: Session, username: str) -> ReviewAccount | None:
    return session.execute(
        select(ReviewAccount).where(ReviewAccount.username == username)
    ).scalar_one_or_none()


def _candidate(session: Session, username: str, now: datetime) -> LoginCandidate:
    row = _by_username(session, username)
    failure = session.get(ReviewLoginFailure, username)
    locked = failure.locked_until if failure and failure.locked_until and failure.locked_until > now else None
    usable = row is not None and row.active
    return LoginCandidate(row.id if usable else None, row.password_hash if usable else None, locked)


def _failed(session: Session, username: str, now: datetime, max_failures: int, lockout: timedelta) -> bool:
    failure = session.get(ReviewLoginFailure, username)
    if failure is None:
        failure = ReviewLoginFailure(username=username, failures=0, last_failure_at=now)
        session.add(failure)
    if failure.locked_until is not None and failure.locked_until <= now:
        failure.failures, failure.locked_until = 0, None  # the lockout is over: count afresh
    failure.failures += 1
    failure.last_failure_at = now
    if failure.failures >= max_failures:
        failure.locked_until = now + lockout
        return True
    return False


def _succeeded(session: Session, account_id: int, username: str, now: datetime) -> None:
    session.execute(delete(ReviewLoginFailure).where(ReviewLoginFailure.username == username))
    row = session.get(ReviewAccount, account_id)
    if row is not None:
        row.last_login_at = now


def _start_session(session: Session, account_id: int, now: datetime, ttl: timedelta) -> tuple[str, str]:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        ReviewSession(
            token_hash=token_hash(token),
            account_id=account_id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return token, csrf


def _signed_in(session: Session, token: str, now: datetime) -> SignedIn | None:
    row = session.execute(
        select(ReviewSession, ReviewAccount)
        .join(ReviewAccount, ReviewAccount.id == ReviewSession.account_id)
        .where(ReviewSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    stored, account = row
    if stored.expires_at <= now or not account.active:
        return None
    return SignedIn(_account(account), stored.csrf_token, stored.expires_at)


class ReviewAccounts:
    """Accounts, sessions and lockout in `database` (the case database)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    # --- accounts ------------------------------------------------------------------------------
    def create(
        self, username: str, role: str, email: str | None, password_hash: str | None, now: datetime
    ) -> Account:
        """A new active account; AccountError for a bad or taken name, role or e-mail."""
        name = normalise_username(username)
        problem = username_problem(name) or email_problem(email)
        if problem:
            raise AccountError(problem)
        if role not in ROLES:
            raise AccountError("Rollen skal være caseworker eller admin.")
        clean_email = (email or "").strip() or None
        return self.database.run(
            lambda session: _create(
                session, name, role, email=clean_email, password_hash=password_hash, now=now
            )
        )

    def get(self, username: str) -> Account | None:
        def work(session: Session) -> Account | None:
            row = _by_username(session, normalise_username(username))
            return None if row is None else _account(row)

        return self.database.run(work)

    def all(self) -> list[Account]:
        def work(session: Session) -> list[Account]:
            rows = session.execute(select(ReviewAccount).order_by(ReviewAccount.username)).scalars()
            return [_account(row) for row in rows]

        return self.database.run(work)

    def set_active(self, username: str, active: bool) -> bool:
        """(De)activate an account; deactivating ends its sessions. False when it does not exist."""

        def work(session: Session) -> bool:
            row = _by_username(session, normalise_username(username))
            if row is None:
                return False
            row.active = active
            if not active:
                session.execute(delete(ReviewSession).where(ReviewSession.account_id == row.id))
            return True

        return self.database.run(work)

    def set_password(self, username: str, password_hash: str) -> bool:
        """A new password hash; ends the account's sessions. False when it does not exist."""

        def work(session: Session) -> bool:
            row = _by_username(session, normalise_username(username))
            if row is None:
                return False
            row.password_hash = password_hash
            session.execute(delete(ReviewSession).where(ReviewSession.account_id == row.id))
            return True

        return self.database.run(work)

    # --- signing in ------------------------------------------------------------------------------
    def login_candidate(self, username: str, now: datetime) -> LoginCandidate:
        return self.database.run(_candidate, normalise_username(username), require_aware(now))

    def record_failure(self, username: str, now: datetime, max_failures: int, lockout: timedelta) -> bool:
        """Count one failed sign-in; True when this failure locked the name."""
        name = normalise_username(username)[:64]
        return self.database.run(_failed, name, require_aware(now), max_failures, lockout)

    def record_success(self, account_id: int, username: str, now: datetime) -> None:
        self.database.run(_succeeded, account_id, normalise_username(username), require_aware(now))

    # --- sessions --------------------------------------------------------------------------------
    def start_session(self, account_id: int, now: datetime, ttl: timedelta) -> tuple[str, str]:
        """A new session: (cookie token, CSRF token)."""
        return self.database.run(_start_session, account_id, require_aware(now), ttl)

    def signed_in(self, token: str, now: datetime) -> SignedIn | None:
        """The account of a valid, unexpired session of an active account, else None."""
        if not token or len(token) > 200:
            return None
        return self.database.run(_signed_in, token, require_aware(now))

    def end_session(self, token: str) -> None:
        def work(session: Session) -> None:
            session.execute(delete(ReviewSession).where(ReviewSession.token_hash == token_hash(token)))

        self.database.run(work)

    def delete_expired_sessions(self, now: datetime) -> int:
        def work(session: Session) -> int:
            return int(
                session.execute(delete(ReviewSession).where(ReviewSession.expires_at <= now)).rowcount or 0
            )

        return self.database.run(work)
