"""Fixtures for the case-database integration tests: real SQLite files and real PostgreSQL databases.

`empty_db_url` / `db_url` are parametrised over both backends. For PostgreSQL a uniquely named
database is created on 127.0.0.1:5432 (user `postgres`, else `root`; trust auth) and dropped
afterwards. If PostgreSQL cannot be reached the PostgreSQL cases are skipped, except when
`CI=true`, where they fail: CI must never pass by silently testing less.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from actions.db import migrate
from actions.repository import CaseRepository

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USERS = ("postgres", "root")
PG_MAINTENANCE_DBS = ("test", "postgres")
BACKENDS = ("sqlite", "postgresql")


def _admin_engine(url: str) -> Any:
    return create_engine(
        url, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"connect_timeout": 3}
    )


def _find_pg_admin_url() -> str | None:
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


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A superuser URL for the local PostgreSQL; skip (or fail under CI=true) if unreachable."""
    url = _find_pg_admin_url()
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


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A URL to an empty database (no schema). SQLite: a file in a `var/` folder not yet made."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'cases.db'}"
        return
    admin_url = request.getfixturevalue("pg_admin_url")
    with postgres_database(admin_url) as url:
        yield url


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    """A migrated, empty case database on the parametrised backend."""
    migrate(empty_db_url)
    return empty_db_url


@pytest.fixture
def make_repo(db_url: str) -> Iterator[Callable[..., CaseRepository]]:
    """Factory for repositories on `db_url`; all of them are closed after the test."""
    made: list[CaseRepository] = []

    def factory(url: str | None = None, timeout_s: float = 5.0) -> CaseRepository:
        repository = CaseRepository(url or db_url, timeout_s=timeout_s)
        made.append(repository)
        return repository

    yield factory
    for repository in made:
        repository.close()


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[[Any, str], Path]:
    """Write a document as UTF-8 JSON under tmp_path and return the path."""

    def write(document: Any, name: str = "cases.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
        return path

    return write


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
