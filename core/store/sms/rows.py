"""Row helpers shared by the SMS store modules: records from rows, first contact, the outbox.

Must not: be used outside `core.store` (the apps use `SmsConversations`, `SmsOutbox` and
`SmsReminders`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from core.records import SmsConversationRecord, SmsOutgoing, SmsReminderRecord
from core.store.cases.tables import Meeting
from core.store.sms.tables import SmsConversation, SmsOutbox, SmsReminder
from core.store.upsert import insert_ignoring_conflict


def conversation_record(row: SmsConversation) -> SmsConversationRecord:
    options = tuple(
        {"title": str(o["title"]), "payload": str(o["payload"])}
        for o in (row.options or ())
        if isinstance(o, dict) and "title" in o and "payload" in o
    )
    return SmsConversationRecord(
        id=row.id,
        msisdn=row.msisdn,
        opted_out=row.opted_out_at is not None,
        options=options,
        remainder=row.remainder,
        rate_notified_at=row.rate_notified_at,
    )


def ensure_conversation(session: Session, conversation_id: str, msisdn: str, now: datetime) -> None:
    """Create the conversation row on first contact (two processes may race: one wins)."""
    insert_ignoring_conflict(
        session, SmsConversation, {"id": conversation_id, "msisdn": msisdn, "created_at": now}, ["id"]
    )


def enqueue(
    session: Session,
    conversation_id: str,
    outgoing: Sequence[SmsOutgoing],
    *,
    now: datetime,
    expires_at: datetime,
    inbox_id: int | None = None,
    reminder_id: int | None = None,
) -> None:
    for message in outgoing:
        session.add(
            SmsOutbox(
                conversation_id=conversation_id,
                inbox_id=inbox_id,
                reminder_id=reminder_id,
                kind=message.kind,
                text=message.text,
                encoding=message.encoding,
                segments=message.segments,
                state="pending",
                attempts=0,
                next_attempt_at=now,
                expires_at=expires_at,
                created_at=now,
            )
        )


def reminder_record(row: SmsReminder, meeting: Meeting | None) -> SmsReminderRecord:
    return SmsReminderRecord(
        id=row.id,
        conversation_id=row.conversation_id,
        meeting_id=row.meeting_id,
        meeting_starts_at=row.meeting_starts_at,
        deliver_before=row.deliver_before,
        state=row.state,
        meeting_kind=None if meeting is None else meeting.kind,
        meeting_now_starts_at=None if meeting is None else meeting.starts_at,
        meeting_location=None if meeting is None else meeting.location,
        meeting_online=bool(meeting is not None and meeting.online),
        meeting_cancelled=bool(meeting is not None and meeting.cancelled),
    )
