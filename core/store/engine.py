"""How we connect to the database: engine factory and one session per unit of work.

Owns pool settings that survive a database restart, SQLite thread and busy settings, PostgreSQL
connect/statement timeouts, `session_scope()` and `reachable()` (a readiness probe). Must not
contain queries (those are in the store's repositories) and must never call `create_all`: the
schema exists only through the Alembic migrations (`core.store.schema`).
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

# Recycle pooled connections before typical server/firewall idle limits; together with
# pool_pre_ping this lets the bot survive a database restart without a process restart.
POOL_RECYCLE_S = 1800
# Lock/statement wait used when the caller gives no timeout (migrations, imports).
DEFAULT_STATEMENT_TIMEOUT_S = 30.0
DEFAULT_CONNECT_TIMEOUT_S = 10.0


def sqlite_file(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _sqlite_engine(url: URL, timeout_s: float | None, create_dirs: bool) -> Engine:
    path = sqlite_file(url)
    if create_dirs and path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    busy_timeout = timeout_s if timeout_s is not None else DEFAULT_STATEMENT_TIMEOUT_S
    engine = create_engine(
        url,
        future=True,
        pool_pre_ping=True,
        pool_recycle=POOL_RECYCLE_S,
        connect_args={"check_same_thread": False, "timeout": busy_timeout},
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def _server_connect_args(url: URL, timeout_s: float | None) -> dict[str, Any]:
    if url.get_backend_name() != "postgresql" or url.get_driver_name() != "psycopg2":
        return {}
    connect_timeout = timeout_s if timeout_s is not None else DEFAULT_CONNECT_TIMEOUT_S
    args: dict[str, Any] = {
        "connect_timeout": max(2, math.ceil(connect_timeout)),
        "application_name": "moedeklar",
    }
    if timeout_s is not None:
        args["options"] = f"-c statement_timeout={max(1, int(timeout_s * 1000))}"
    return args


def make_engine(url: str, *, timeout_s: float | None = None, create_dirs: bool = False) -> Engine:
    """Build an Engine for `url`.

    `timeout_s` bounds how long one statement may wait or run on the server side (SQLite busy
    timeout, PostgreSQL statement_timeout and connect_timeout); None means the generous
    defaults used for migrations and imports. `create_dirs` creates the folder of a SQLite
    file (e.g. `var/`); readers leave it False so a wrong path fails instead of creating it.
    """
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        return _sqlite_engine(sa_url, timeout_s, create_dirs)
    return create_engine(
        sa_url,
        future=True,
        pool_pre_ping=True,
        pool_recycle=POOL_RECYCLE_S,
        connect_args=_server_connect_args(sa_url, timeout_s),
    )


def reachable(engine: Engine) -> bool:
    """True when the database behind `engine` answers `SELECT 1` (for readiness checks)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except DBAPIError:
        return False


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One session per unit of work: commit on success, roll back on error, always close."""
    session = Session(bind=engine, future=True, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
