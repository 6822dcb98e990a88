"""`ReviewStore`: everything the review app and the review commands use from the store, in one handle.

Holds the case database (accounts, sessions, audit, index, review work, sign-in rate limit;
REVIEW_DB_TIMEOUT_S per call) and the conversation reader (Rasa's events at TRACKER_STORE_URL),
and runs any of their blocking methods in a worker thread with `call`, so the app's event loop never blocks.

Must not: hold queries itself (each lives in its own module).
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from core.settings import get_settings
from core.store.audit import AuditLog
from core.store.conversation_index import ConversationIndexer
from core.store.conversations import ConversationReader
from core.store.database import Database
from core.store.rate_limits import SqlCounterStore
from core.store.review_accounts import ReviewAccounts
from core.store.review_queries import ReviewQueries
from core.store.review_work import ReviewWork

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

    async def call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`method(*args, **kwargs)` in a worker thread within the time limit (else StoreUnavailable)."""
        return await self.database.in_thread(functools.partial(method, *args, **kwargs))

    def close(self) -> None:
        self.reader.close()
        self.database.close()
