"""The demo case data (data/demo_cases.json), moved so that its meetings stay upcoming.

The meeting times in the demo file are written relative to the anchor date DEMO_ANCHOR
(2026-11-23, a Monday). Before seeding, every meeting's `starts_at` is moved forward by the same
whole number of weeks, so that the anchor's week becomes the current week. Whole weeks keep every
weekday, and meeting clock times are kept in Copenhagen local time (the UTC offset is recomputed,
so a 10:00 meeting stays at 10:00 across a summer-time switch).

The cases keep their dates: the demo ressourceforløb started before 1 February 2026 (no new
ones are granted from then, FACTS-review-2026-11.md 1b), and moving them forward would make them
start after it.

Also the list of demo citizens the web site's dev-only MitID picker offers (`demo_citizens`),
read with the standard library only.

Must not: write to the database (the CLI seeds through `core.store.cases.importer`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from core.clock import LOCAL_TZ
from core.records import CitizenBundle
from core.settings import DATA_DIR

DEMO_FILE = DATA_DIR / "demo_cases.json"
DEMO_ANCHOR = date(2026, 11, 23)


def demo_shift_weeks(today: date, anchor: date = DEMO_ANCHOR) -> int:
    """Whole weeks from the anchor's week (Monday) to the week of `today`."""
    this_monday = today - timedelta(days=today.weekday())
    anchor_monday = anchor - timedelta(days=anchor.weekday())
    return (this_monday - anchor_monday).days // 7


def shift_local(moment: datetime, weeks: int) -> datetime:
    """Move an aware datetime by whole weeks, keeping the Copenhagen wall-clock time."""
    local = moment.astimezone(LOCAL_TZ).replace(tzinfo=None) + timedelta(weeks=weeks)
    return local.replace(tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def shift_bundles(bundles: list[CitizenBundle], weeks: int) -> list[CitizenBundle]:
    """Every meeting in the bundles moved by `weeks` whole weeks; cases keep their dates."""
    return [
        replace(
            bundle,
            meetings=tuple(replace(m, starts_at=shift_local(m.starts_at, weeks)) for m in bundle.meetings),
        )
        for bundle in bundles
    ]


@lru_cache(maxsize=1)
def demo_citizens() -> tuple[tuple[str, str], ...]:
    """(citizen id, name) of every demo citizen in data/demo_cases.json."""
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    return tuple((str(c["id"]), str(c["name"])) for c in data["citizens"])


@lru_cache(maxsize=1)
def demo_phones() -> tuple[tuple[str, str], ...]:
    """(name, mobile number as written) of every demo citizen with one (the SMS phone page)."""
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    return tuple((str(c["name"]), str(c["phone"])) for c in data["citizens"] if c.get("phone"))
