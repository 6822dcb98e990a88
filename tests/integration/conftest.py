"""Fixtures for the store's integration tests: real SQLite files and real PostgreSQL databases.

`empty_db_url` / `db_url` are parametrised over both backends (tests/support/databases.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.store.cases.repository import CaseRepository
from core.store.database import Database
from core.store.schema import migrate
from tests.support.databases import BACKENDS, postgres_database, require_pg_admin_url


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    return require_pg_admin_url()


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
    """Factory for repositories on `db_url`; their databases are closed after the test."""
    made: list[Database] = []

    def factory(url: str | None = None, timeout_s: float = 5.0) -> CaseRepository:
        database = Database(url or db_url, timeout_s=timeout_s)
        made.append(database)
        return CaseRepository(database)

    yield factory
    for database in made:
        database.close()


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[[Any, str], Path]:
    """Write a document as UTF-8 JSON under tmp_path and return the path."""

    def write(document: Any, name: str = "cases.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
        return path

    return write
