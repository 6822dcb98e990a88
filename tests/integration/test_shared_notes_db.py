"""Shared preparation notes in the case database, on SQLite and the local PostgreSQL.

Storing needs the meeting to be the citizen's own and not started; a new consent replaces the
note; withdrawal deletes only notes for meetings that have not started; deleting the meeting
deletes its note (ON DELETE CASCADE); the consent time round-trips as an aware UTC instant.
A note in English keeps its language and both renderings (the caseworker's with Danish headings,
the citizen's own); a note stored before migration 0006 reads as Danish.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, text

from core.records import SharedNoteRecord
from core.store.cases.notes import SharedNotes
from core.store.database import Database
from core.store.engine import make_engine, session_scope
from core.store.schema import migrate, schema_revision
from core.store.tables import Meeting
from tests.support.databases import BACKENDS
from tests.support.demo import DEMO_NOW, load_demo_cases

ANNA, IDA = "c-1001", "c-1006"
REHAB = "M-1001-2"  # Tue 8 Dec 2026 10:00 Copenhagen
PAST = "M-1001-1"  # 13 Oct 2026
NOW = DEMO_NOW.astimezone(timezone.utc)

pytestmark = pytest.mark.parametrize("backend", BACKENDS)


@pytest.fixture
def repo(db_url: str) -> Iterator[SharedNotes]:
    load_demo_cases(db_url)
    database = Database(db_url, timeout_s=5)
    yield SharedNotes(database)
    database.close()


def note(
    meeting_id: str = REHAB, consented_at: datetime = NOW, goal: str = "Arbejde med dyr."
) -> SharedNoteRecord:
    return SharedNoteRecord(
        meeting_id=meeting_id,
        answers={"prep_q_goal": goal, "prep_q_hard": None},
        note_text=f"Mit forberedelsesnotat\n{goal}",
        consented_at=consented_at,
    )


def test_store_replace_and_read_back(repo: SharedNotes) -> None:
    assert repo.save(ANNA, note()) is True
    later = NOW + timedelta(minutes=5)
    assert repo.save(ANNA, note(consented_at=later, goal="Butik.")) is True
    stored = repo.for_citizen(ANNA)
    assert len(stored) == 1
    assert stored[0].answers == {"prep_q_goal": "Butik.", "prep_q_hard": None}
    assert stored[0].consented_at == later and stored[0].consented_at.tzinfo is not None


def test_only_own_meetings_that_have_not_started(repo: SharedNotes) -> None:
    assert repo.save(IDA, note()) is False  # Anna's meeting
    assert repo.save(ANNA, note(meeting_id=PAST)) is False
    assert repo.save(ANNA, note(meeting_id="M-does-not-exist")) is False
    assert repo.save(ANNA, note(consented_at=datetime(2026, 12, 8, 9, 0, tzinfo=timezone.utc))) is False
    assert repo.for_citizen(ANNA) == [] and repo.for_citizen(IDA) == []


def test_withdraw_deletes_only_notes_for_meetings_ahead(repo: SharedNotes) -> None:
    repo.save(ANNA, note())
    after_meeting = datetime(2026, 12, 9, tzinfo=timezone.utc)
    assert repo.withdraw(ANNA, after_meeting) == (0, 1)
    assert repo.withdraw(IDA, NOW) == (0, 0)
    assert repo.withdraw(ANNA, NOW) == (1, 0)
    assert repo.for_citizen(ANNA) == []


def test_deleting_the_meeting_deletes_its_note(repo: SharedNotes, db_url: str) -> None:
    repo.save(ANNA, note())
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            session.execute(delete(Meeting).where(Meeting.id == REHAB))
    finally:
        engine.dispose()
    assert repo.for_citizen(ANNA) == []


def test_an_english_note_keeps_its_language_and_both_renderings(repo: SharedNotes) -> None:
    english = SharedNoteRecord(
        meeting_id=REHAB,
        answers={"prep_q_goal": "Work with animals.", "prep_q_hard": None},
        note_text="Mit forberedelsesnotat\n2. Mit mål eller ønske\nWork with animals.",
        consented_at=NOW,
        language="en",
        citizen_text="My preparation note\n2. My goal or wish\nWork with animals.",
    )
    assert repo.save(ANNA, english) is True
    assert repo.for_citizen(ANNA) == [english]
    # A new consent in Danish replaces it, language and all.
    danish = note(consented_at=NOW + timedelta(minutes=1))
    assert repo.save(ANNA, danish) is True
    [stored] = repo.for_citizen(ANNA)
    assert stored.language == "da" and stored.citizen_text is None
    assert stored.note_text == danish.note_text


def test_a_note_stored_before_0006_reads_as_danish(empty_db_url: str) -> None:
    migrate(empty_db_url, "0005")
    load_demo_cases(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        with session_scope(engine) as session:
            session.execute(
                text(
                    "INSERT INTO shared_notes (citizen_id, meeting_id, answers, note_text, consented_at) "
                    "VALUES (:citizen, :meeting, :answers, :note, :at)"
                ),
                {
                    "citizen": ANNA,
                    "meeting": REHAB,
                    "answers": '{"prep_q_goal": "Arbejde med dyr."}',
                    "note": "Mit forberedelsesnotat\nArbejde med dyr.",
                    "at": NOW.replace(tzinfo=None) if engine.dialect.name == "sqlite" else NOW,
                },
            )
    finally:
        engine.dispose()
    migrate(empty_db_url)
    assert schema_revision(empty_db_url) == "0006"
    database = Database(empty_db_url, timeout_s=5)
    try:
        [old] = SharedNotes(database).for_citizen(ANNA)
    finally:
        database.close()
    assert old.language == "da" and old.citizen_text is None
    assert old.note_text == "Mit forberedelsesnotat\nArbejde med dyr."
    assert old.answers == {"prep_q_goal": "Arbejde med dyr."}
