"""`SharedNotes`: preparation notes a citizen chose to share with their caseworker.

Owns the only writes the action server makes: storing a note with the citizen's consent (one per
meeting, for one of THEIR meetings that has not started; a new consent replaces the old note),
withdrawing notes before the meeting, and reading a citizen's notes. Sync methods plus async
`a<name>` forms, as in `CaseRepository`.

A note is stored in two renderings of the same answers: `note_text` as the caseworker reads it
(Danish headings, whatever language the citizen used) and, for a citizen who used the guide in
another language, `citizen_text` as they saw it; `language` says which. Rows stored before
English existed (migration 0006) read as Danish with no `citizen_text`: their `note_text` was
then the citizen's own Danish note, which is also the caseworker's view.

Must not: store a note without `consented_at`, or for another citizen's meeting.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import require_aware
from core.records import SharedNoteRecord
from core.store.cases.tables import Meeting, SharedNote
from core.store.database import Database, get_database


def _for_citizen(session: Session, citizen_id: str) -> list[SharedNoteRecord]:
    rows = session.execute(
        select(SharedNote).where(SharedNote.citizen_id == citizen_id).order_by(SharedNote.consented_at)
    ).scalars()
    return [
        SharedNoteRecord(
            meeting_id=row.meeting_id,
            answers=dict(row.answers or {}),
            note_text=row.note_text,
            consented_at=row.consented_at,
            language=row.language or "da",
            citizen_text=row.citizen_text,
        )
        for row in rows
    ]


def _save(session: Session, citizen_id: str, note: SharedNoteRecord) -> bool:
    meeting = session.get(Meeting, note.meeting_id)
    if meeting is None or meeting.citizen_id != citizen_id or meeting.starts_at <= note.consented_at:
        return False
    row = session.execute(
        select(SharedNote).where(SharedNote.meeting_id == note.meeting_id)
    ).scalar_one_or_none()
    if row is None:
        row = SharedNote(citizen_id=citizen_id, meeting_id=note.meeting_id)
        session.add(row)
    row.answers = dict(note.answers)
    row.note_text = note.note_text
    row.consented_at = note.consented_at
    row.language = note.language
    row.citizen_text = note.citizen_text
    return True


def _withdraw(session: Session, citizen_id: str, now: datetime) -> tuple[int, int]:
    rows = session.execute(
        select(SharedNote, Meeting.starts_at)
        .join(Meeting, Meeting.id == SharedNote.meeting_id)
        .where(SharedNote.citizen_id == citizen_id)
    ).all()
    deleted = kept = 0
    for note, starts_at in rows:
        if starts_at > now:
            session.delete(note)
            deleted += 1
        else:
            kept += 1
    return deleted, kept


class SharedNotes:
    """The shared notes in `database` (default: the process-wide one)."""

    def __init__(self, database: Database | None = None) -> None:
        self.database = database or get_database()

    def for_citizen(self, citizen_id: str) -> list[SharedNoteRecord]:
        """The notes this citizen has shared, oldest consent first."""
        return self.database.run(_for_citizen, citizen_id)

    def save(self, citizen_id: str, note: SharedNoteRecord) -> bool:
        """Store (or replace) the citizen's note for one of THEIR meetings that has not started.

        Returns False, storing nothing, when the meeting is not the citizen's or has started by
        `note.consented_at`.
        """
        require_aware(note.consented_at, "consented_at")
        return self.database.run(_save, citizen_id, note)

    def withdraw(self, citizen_id: str, now: datetime) -> tuple[int, int]:
        """Delete the citizen's notes for meetings after `now`: (deleted, kept for past meetings)."""
        require_aware(now, "now")
        return self.database.run(_withdraw, citizen_id, now)
