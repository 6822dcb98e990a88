"""The demo case data as written in data/demo_cases.json (dates NOT moved: its anchor week).

DEMO_NOW is a moment in that week (Monday 2026-11-23, 09:00 in Copenhagen), so tests about
"the next meeting" read the file's dates as they stand.
"""

from __future__ import annotations

from datetime import datetime

from bot.tools.case_file import load_file, to_bundles
from core.clock import LOCAL_TZ
from core.demo_data import DEMO_FILE
from core.store.cases.importer import CaseWriter

DEMO_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=LOCAL_TZ)


def load_demo_cases(url: str) -> None:
    """Write the demo data, dates as written, into the migrated database at `url`."""
    citizens, problems = load_file(DEMO_FILE)
    assert not problems, problems
    CaseWriter(url).upsert(to_bundles(citizens))
