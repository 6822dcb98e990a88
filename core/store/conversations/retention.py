"""`purge`: deletes what is older than the municipality's retention rules (`python -m bot purge`).

Three rules (data/municipality.yml, `conversation_log`):
- conversations: every Rasa event older than `retention_days` is deleted. A conversation with no
  events left is gone completely: its index row, citizen messages, review mark, comments and
  corrections go with it (ON DELETE CASCADE). A conversation that lost only its old part is
  re-indexed from what is left.
- shared preparation notes: deleted `shared_note_days_after_meeting` days after their meeting.
- the audit log: entries older than `audit_retention_days` (longer). The database lets these rows
  go only with a permit written in the same transaction (triggers, migration 0004).
Expired review sessions and old sign-in failures are removed too.

Must not: delete anything newer than its rule allows; it runs daily and is safe to run again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.clock import require_aware
from core.conversation_events import summarise
from core.review_records import PurgeReport
from core.store.cases.tables import Meeting, SharedNote
from core.store.conversations.events import ConversationReader
from core.store.conversations.index import ConversationIndexer, write_summary
from core.store.database import Database
from core.store.review.tables import (
    ReviewAudit,
    ReviewAuditPurgePermit,
    ReviewConversation,
    ReviewLoginFailure,
    ReviewSession,
)

LOGIN_FAILURES_KEPT = timedelta(days=1)


def _deleted(session: Session, statement: Any) -> int:
    """Run a bulk DELETE (no ORM bookkeeping) and say how many rows went."""
    return int(session.execute(statement.execution_options(synchronize_session=False)).rowcount or 0)


def _drop_unindexed(session: Session, cutoff: datetime) -> int:
    """Index rows of conversations whose last event is older than the cutoff (their events are gone)."""
    return _deleted(session, delete(ReviewConversation).where(ReviewConversation.last_event_at < cutoff))


def _old_notes(session: Session, before: datetime) -> int:
    old_meetings = select(Meeting.id).where(Meeting.starts_at < before)
    return _deleted(session, delete(SharedNote).where(SharedNote.meeting_id.in_(old_meetings)))


def _old_audit(session: Session, before: datetime) -> int:
    session.add(ReviewAuditPurgePermit(before=before))
    session.flush()
    deleted = _deleted(session, delete(ReviewAudit).where(ReviewAudit.at < before))
    _deleted(session, delete(ReviewAuditPurgePermit))
    return deleted


def _old_sessions(session: Session, now: datetime) -> int:
    deleted = _deleted(session, delete(ReviewSession).where(ReviewSession.expires_at <= now))
    _deleted(
        session,
        delete(ReviewLoginFailure).where(
            ReviewLoginFailure.last_failure_at < now - LOGIN_FAILURES_KEPT,
            (ReviewLoginFailure.locked_until.is_(None)) | (ReviewLoginFailure.locked_until < now),
        ),
    )
    return deleted


def purge(
    reader: ConversationReader,
    database: Database,
    now: datetime,
    *,
    conversation_days: int,
    note_days_after_meeting: int,
    audit_days: int,
) -> PurgeReport:
    """Apply the three rules at `now` (aware); what was deleted."""
    require_aware(now, "now")
    cutoff = now - timedelta(days=conversation_days)
    events_deleted, touched = reader.delete_before(cutoff.timestamp())
    remaining = reader.events_for_many(touched)
    gone = [cid for cid, events in remaining.items() if not events]
    trimmed = [cid for cid, events in remaining.items() if events]

    def index_work(session: Session) -> int:
        for conversation_id in gone:
            row = session.get(ReviewConversation, conversation_id)
            if row is not None:
                session.delete(row)
        for conversation_id in trimmed:
            write_summary(session, summarise(conversation_id, remaining[conversation_id]))
        return _drop_unindexed(session, cutoff)

    dropped = database.run(index_work)
    notes = database.run(_old_notes, now - timedelta(days=note_days_after_meeting))
    audit = database.run(_old_audit, now - timedelta(days=audit_days))
    sessions = database.run(_old_sessions, now)
    return PurgeReport(
        conversations_deleted=len(gone) + dropped,
        conversations_trimmed=len(trimmed),
        events_deleted=events_deleted,
        notes_deleted=notes,
        audit_rows_deleted=audit,
        sessions_deleted=sessions,
    )


def delete_conversation(reader: ConversationReader, database: Database, conversation_id: str) -> int:
    """Delete one conversation completely (events and everything derived); how many events went."""
    events = reader.delete_conversation(conversation_id)
    ConversationIndexer(reader, database).rebuild([conversation_id])
    return events
