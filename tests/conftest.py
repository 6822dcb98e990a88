"""Fixtures shared by all test folders.

Case database part: a real, migrated SQLite file per test with `CASES_DB_URL` pointing at it (so
`get_settings()` and `get_repository()` see it), optionally filled with the demo data exactly as
written in data/demo_cases.json (dates NOT shifted: anchor week of 2026-11-23, see DEMO_NOW).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from actions.db import migrate
from actions.repository import CaseWriter, reset_repository
from bot.import_cases import DEMO_FILE, load_file, to_bundles
from bot.settings import get_settings

# A moment in the demo data's anchor week (Monday 2026-11-23, 09:00 in Copenhagen).
DEMO_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))


@pytest.fixture
def cases_db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty, migrated SQLite case database; CASES_DB_URL points at it during the test."""
    url = f"sqlite:///{tmp_path / 'var' / 'cases.db'}"
    migrate(url)
    monkeypatch.setenv("CASES_DB_URL", url)
    get_settings.cache_clear()
    reset_repository()
    yield url
    reset_repository()
    get_settings.cache_clear()


@pytest.fixture
def demo_cases_db_url(cases_db_url: str) -> str:
    """`cases_db_url` filled with data/demo_cases.json, dates as written (use DEMO_NOW)."""
    citizens, problems = load_file(DEMO_FILE)
    assert not problems, problems
    CaseWriter(cases_db_url).upsert(to_bundles(citizens))
    return cases_db_url
