"""Fixtures shared by all test folders: a real, migrated SQLite case database per test.

`cases_db_url` points CASES_DB_URL at it (so `get_settings()` and the process-wide
`get_database()` see it); `demo_cases_db_url` fills it with the demo data exactly as written
(use `tests.support.demo.DEMO_NOW`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.municipality import get_municipality
from core.settings import get_settings
from core.store.database import reset_database
from core.store.schema import migrate
from tests.support.demo import load_demo_cases


@pytest.fixture
def cases_db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty, migrated SQLite case database; CASES_DB_URL points at it during the test."""
    url = f"sqlite:///{tmp_path / 'var' / 'cases.db'}"
    migrate(url)
    monkeypatch.setenv("CASES_DB_URL", url)
    get_settings.cache_clear()
    get_municipality.cache_clear()
    reset_database()
    yield url
    reset_database()
    get_settings.cache_clear()
    get_municipality.cache_clear()


@pytest.fixture
def demo_cases_db_url(cases_db_url: str) -> str:
    """`cases_db_url` filled with data/demo_cases.json, dates as written (use DEMO_NOW)."""
    load_demo_cases(cases_db_url)
    return cases_db_url
