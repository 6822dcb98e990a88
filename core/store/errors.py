"""What the store raises: callers catch these, never SQLAlchemy's own exceptions.

`reason` is an exception class name and `dialect` the database dialect: enough to diagnose, and
never a SQL parameter, a URL (it may hold a password) or personal data.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class for the store's errors."""

    def __init__(self, message: str, reason: str, dialect: str) -> None:
        super().__init__(f"{message} ({reason}, dialect={dialect})")
        self.reason = reason
        self.dialect = dialect


class StoreUnavailable(StoreError):
    """The database could not answer (down, unreachable, locked, too slow, no schema)."""

    def __init__(self, reason: str, dialect: str) -> None:
        super().__init__("database unavailable", reason, dialect)


class CaseImportFailed(StoreError):
    """An import failed and was rolled back as a whole."""

    def __init__(self, reason: str, dialect: str) -> None:
        super().__init__("case import failed and was rolled back", reason, dialect)


class SmsLeaseLost(Exception):
    """This worker no longer holds the conversation (its lease ran out and another took it).

    Nothing of the unit of work was written; the other worker handles the message.
    """
