"""Shared preparation notes in the case database, on SQLite and the local PostgreSQL.

Storing needs the meeting to be the citizen's own and not started; a new consent replaces the
note; withdrawal deletes only notes for meetings that have not started; deleting the meeting
deletes its note (ON DELETE CASCADE); the consent time round-trips as an aware UTC instant.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest
from sqlalchemy import delete

from actions.db import make_engine, session_scope
from actions.models import Meeting
from actions.repository import CaseRepository, CaseWriter, SharedNoteRecord
from bot.import_cases import DEMO_FILE, load_file, to_bundles
from tests.conftest import DEMO_NOW
from tests.integration.conftest import BACKENDS

ANNA, IDA = "c-1001", "c-1006"
REHAB = "M-1001-2"  # Tue 8 Dec 2026 10:00 Copenhagen
PAST = "M-1001-1"  # 13 Oct 2026
NOW = DEMO_NOW.astimezone(timezone.utc)

pytestmark = pytest.mark.parametrize("backend", BACKENDS)


@pytest.fixture
def repo(db_url: str, make_repo: Callable[..., CaseRepository]) -> CaseRepository:
    citizens, problems = load_file(DEMO_FILE)
    assert not problems
    CaseWriter(db_url).upsert(to_bundles(citizens))
    return make_repo()


def note(
    meeting_id: str = REHAB, consented_at: datetime = NOW, goal: str = "Arbejde med dyr."
) -> SharedNoteRecord:
    return SharedNoteRecord(
        meeting_id=meeting_id,
        answers={"prep_q_goal": goal, "prep_q_hard": None},
        note_text=f"Mit forberedelsesnotat\n{goal}",
        consented_at=consented_at,
    )


def test_store_replace_and_read_back(repo: CaseRepository) -> None:
    assert repo.save_shared_note(ANNA, note()) is True
    later = NOW + timedelta(minutes=5)
    assert repo.save_shared_note(ANNA, note(consented_at=later, goal="Butik.")) is True
    stored = repo.shared_notes_for(ANNA)
    assert len(stored) == 1
    assert stored[0].answers == {"prep_q_goal": "Butik.", "prep_q_hard": None}
    assert stored[0].consented_at == later and stored[0].consented_at.tzinfo is not None


def test_only_own_meetings_that_have_not_started(repo: CaseRepository) -> None:
    assert repo.save_shared_note(IDA, note()) is False  # Anna's meeting
    assert repo.save_shared_note(ANNA, note(meeting_id=PAST)) is False
    assert repo.save_shared_note(ANNA, note(meeting_id="M-does-not-exist")) is False
    assert (
        repo.save_shared_note(ANNA, note(consented_at=datetime(2026, 12, 8, 9, 0, tzinfo=timezone.utc)))
        is False
    )
    assert repo.shared_notes_for(ANNA) == [] and repo.shared_notes_for(IDA) == []


def test_withdraw_deletes_only_notes_for_meetings_ahead(repo: CaseRepository) -> None:
    repo.save_shared_note(ANNA, note())
    after_meeting = datetime(2026, 12, 9, tzinfo=timezone.utc)
    assert repo.withdraw_shared_notes(ANNA, after_meeting) == (0, 1)
    assert repo.withdraw_shared_notes(IDA, NOW) == (0, 0)
    assert repo.withdraw_shared_notes(ANNA, NOW) == (1, 0)
    assert repo.shared_notes_for(ANNA) == []


def test_deleting_the_meeting_deletes_its_note(repo: CaseRepository, db_url: str) -> None:
    repo.save_shared_note(ANNA, note())
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            session.execute(delete(Meeting).where(Meeting.id == REHAB))
    finally:
        engine.dispose()
    assert repo.shared_notes_for(ANNA) == []
