"""Real databases for the tests: SQLite files and PostgreSQL databases on 127.0.0.1:5432.

`find_pg_admin_url()` finds a superuser login (user `postgres`, else `root`; trust auth);
`require_pg_admin_url()` skips a test when there is none, except when `CI=true`, where it fails:
CI must never pass by silently testing less. `postgres_database()` creates a uniquely named
database and drops it afterwards; `exclusive_lock()` makes every read of the case tables wait.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USERS = ("postgres", "root")
PG_MAINTENANCE_DBS = ("test", "postgres")
BACKENDS = ("sqlite", "postgresql")


def _admin_engine(url: str) -> Any:
    return create_engine(
        url, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"connect_timeout": 3}
    )


def find_pg_admin_url() -> str | None:
    for user in PG_USERS:
        for database in PG_MAINTENANCE_DBS:
            url = f"postgresql+psycopg2://{user}@{PG_HOST}:{PG_PORT}/{database}"
            engine = _admin_engine(url)
            try:
                with engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                return url
            except OperationalError:
                continue
            finally:
                engine.dispose()
    return None


def require_pg_admin_url() -> str:
    """A superuser URL for the local PostgreSQL; skip (or fail under CI=true) if unreachable."""
    url = find_pg_admin_url()
    if url is None:
        reason = f"PostgreSQL not reachable on {PG_HOST}:{PG_PORT} as {' or '.join(PG_USERS)}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the PostgreSQL tests are required)")
        pytest.skip(reason)
    return url


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """Create a uniquely named, empty database; drop it (even with open connections) afterwards."""
    name = f"moedeklar_test_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine(admin_url)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@contextmanager
def exclusive_lock(url: str) -> Iterator[None]:
    """Hold a lock that makes every read of the case tables wait (a 'slow query')."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connection = sqlite3.connect(str(parsed.database), isolation_level=None)
        try:
            connection.execute("BEGIN EXCLUSIVE")
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            connection.execute(
                text("LOCK TABLE citizens, caseworkers, cases, meetings IN ACCESS EXCLUSIVE MODE")
            )
            try:
                yield
            finally:
                transaction.rollback()
    finally:
        engine.dispose()
