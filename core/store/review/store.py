"""`ReviewStore`: everything the review app and the review commands use from the store, in one handle.

Holds the case database (accounts, sessions, audit, index, review work, sign-in rate limit;
REVIEW_DB_TIMEOUT_S per call) and the conversation reader (Rasa's events at TRACKER_STORE_URL),
Async code runs their blocking methods with `core.store.database.call`, so the app's event loop
never blocks.

Must not: hold queries itself (each lives in its own module).
"""

from __future__ import annotations

from typing import TypeVar

from core.settings import get_settings
from core.store.conversations.events import ConversationReader
from core.store.conversations.index import ConversationIndexer
from core.store.database import Database
from core.store.rate_limits import SqlCounterStore
from core.store.review.accounts import ReviewAccounts
from core.store.review.audit import AuditLog
from core.store.review.queries import ReviewQueries
from core.store.review.work import ReviewWork

T = TypeVar("T")
REVIEW_DB_TIMEOUT_S = 10.0


class ReviewStore:
    """The review app's view of the store (default URLs: CASES_DB_URL and TRACKER_STORE_URL)."""

    def __init__(self, cases_url: str | None = None, conversations_url: str | None = None) -> None:
        settings = get_settings()
        self.database = Database(cases_url or settings.cases_db_url, timeout_s=REVIEW_DB_TIMEOUT_S)
        self.reader = ConversationReader(
            Database(conversations_url or settings.tracker_store_url, timeout_s=REVIEW_DB_TIMEOUT_S)
        )
        self.accounts = ReviewAccounts(self.database)
        self.audit = AuditLog(self.database)
        self.queries = ReviewQueries(self.database)
        self.work = ReviewWork(self.database)
        self.rate_limit = SqlCounterStore(database=self.database)
        self.indexer = ConversationIndexer(self.reader, self.database)

    def close(self) -> None:
        self.reader.close()
        self.database.close()
