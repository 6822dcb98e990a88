"""`Database`: one lazily connected handle per database, and the one per process.

Owns running a unit of work against the database: `run(work, *args)` calls `work(session, *args)`
inside one session (commit on success, roll back on error) and turns any database failure into
`StoreUnavailable`; `arun` does the same in a small thread pool under `asyncio.wait_for`, so an
async caller (an action, a channel) never blocks its event loop and never waits longer than
`timeout_s`. `get_database()` is the handle for `CASES_DB_URL` that a whole process shares.

Must not: contain queries (the repositories pass them in) or log URLs, SQL or parameters.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from core.settings import get_settings
from core.store.engine import make_engine, session_scope
from core.store.errors import StoreUnavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The server-side limit (SQLite busy timeout, PostgreSQL statement_timeout) is a little longer
# than the asyncio timeout, so the async caller gives up first and the worker thread is freed
# shortly after by the server instead of hanging on a lock forever.
SERVER_GRACE_S = 1.0
EXECUTOR_WORKERS = 4


def dialect_of(url: str) -> str:
    """The backend name of a SQLAlchemy URL; ValueError (without the URL) when it is not one."""
    try:
        return make_url(url).get_backend_name()
    except ArgumentError:
        # The URL may hold a password: never echo it.
        raise ValueError("CASES_DB_URL is not a valid SQLAlchemy URL") from None


class Database:
    """A database at `url` (default CASES_DB_URL) with a per-call time limit of `timeout_s`.

    The engine and the worker threads are created on first use; `close()` releases both.
    """

    def __init__(self, url: str | None = None, timeout_s: float | None = None) -> None:
        settings = get_settings()
        self.url: str = url or settings.cases_db_url
        self.timeout_s: float = float(timeout_s if timeout_s is not None else settings.cases_db_timeout_s)
        self.dialect: str = dialect_of(self.url)
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._executor: ThreadPoolExecutor | None = None

    def __repr__(self) -> str:  # no URL: it may carry a password
        return f"Database(dialect={self.dialect!r}, timeout_s={self.timeout_s})"

    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = make_engine(self.url, timeout_s=self.timeout_s + SERVER_GRACE_S)
            return self._engine

    def _threads(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=EXECUTOR_WORKERS, thread_name_prefix="store")
            return self._executor

    def unavailable(self, reason: str) -> StoreUnavailable:
        logger.warning("Database unavailable: %s (dialect=%s)", reason, self.dialect)
        return StoreUnavailable(reason, self.dialect)

    def run(self, work: Callable[..., T], *args: Any) -> T:
        """`work(session, *args)` in one unit of work; StoreUnavailable when the database fails."""
        try:
            with session_scope(self.engine()) as session:
                return work(session, *args)
        except (DBAPIError, PoolTimeoutError) as exc:
            # `from None`: the original message holds SQL parameters (personal data).
            raise self.unavailable(type(exc).__name__) from None

    async def call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Any blocking `method(*args, **kwargs)` in a worker thread, bounded by `timeout_s`
        (else StoreUnavailable). Async code reaches the store only this way (see `call`)."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._threads(), functools.partial(method, *args, **kwargs))
        try:
            return await asyncio.wait_for(future, timeout=self.timeout_s)
        except asyncio.TimeoutError:
            raise self.unavailable("TimeoutError") from None

    def close(self) -> None:
        """Dispose the connection pool and stop the worker threads (tests, shutdown)."""
        with self._lock:
            engine, self._engine = self._engine, None
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        if engine is not None:
            engine.dispose()


_process_wide: dict[str, Database] = {}
_process_wide_lock = threading.Lock()


async def call(method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`await call(repository.cases_for, citizen_id)`: a store method from async code, run in its
    object's database thread pool within the time limit. The one way async code uses the store:
    every store object has a `database`, and `call` is `Database.call` on it (other blocking work
    that belongs with a store, a password hash, say, goes through `store.database.call` itself)."""
    database = getattr(getattr(method, "__self__", None), "database", None)
    if not isinstance(database, Database):
        raise TypeError("call() takes a method of a store object (one with a `database`)")
    return await database.call(method, *args, **kwargs)


def get_database() -> Database:
    """The process-wide handle for CASES_DB_URL, built on first use (ValueError: bad URL)."""
    with _process_wide_lock:
        if "database" not in _process_wide:
            _process_wide["database"] = Database()
        return _process_wide["database"]


def reset_database() -> None:
    """Close and forget the process-wide handle (after settings change, in tests)."""
    with _process_wide_lock:
        database = _process_wide.pop("database", None)
    if database is not None:
        database.close()
