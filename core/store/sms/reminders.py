"""`SmsReminders`: which meeting reminders are due, and the marks that make them go out once.

Owns the reminder rows. `schedule` (the `send-reminders` command) finds every coming meeting,
not cancelled, of a citizen with a registered mobile number whose reminder is due now
(`core.sms.schedule`), and schedules one reminder per meeting AND start time (unique index), so
a second run changes nothing and a moved meeting gets a new reminder. Numbers that said STOP get
none. An expired reminder (not delivered in time) is scheduled again by the next run. The SMS
worker in the Rasa server delivers scheduled reminders into the conversation
(`core.store.sms.conversations`); the reminder action reads the one being delivered with
`delivering_for(conversation_id)`, which only ever matches that SMS conversation.

Must not: send anything, or log numbers, names or meeting details.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import require_aware
from core.records import SmsReminderRecord
from core.sms.schedule import ReminderPractice, deliver_before, is_due
from core.store.cases.tables import Citizen, Meeting
from core.store.database import Database, get_database
from core.store.sms.rows import ensure_conversation, reminder_record
from core.store.sms.tables import SmsConversation, SmsReminder
from core.store.upsert import insert_ignoring_conflict

SCHEDULED, DELIVERING, EXPIRED = "scheduled", "delivering", "expired"


@dataclass
class ScheduleReport:
    """What one `schedule` run did (counts only: no personal data)."""

    scheduled: int = 0
    already: int = 0  # scheduled or sent before for this meeting time
    opted_out: int = 0  # the number said STOP


def _schedule(
    session: Session,
    now: datetime,
    practice: ReminderPractice,
    conversation_for: Callable[[str], str],
) -> ScheduleReport:
    report = ScheduleReport()
    horizon = now + timedelta(days=practice.reminder_days_before + 1)
    rows = session.execute(
        select(Meeting.id, Meeting.starts_at, Citizen.phone)
        .join(Citizen, Citizen.id == Meeting.citizen_id)
        .where(
            Citizen.phone.isnot(None),
            Meeting.starts_at > now,
            Meeting.starts_at <= horizon,
            Meeting.cancelled.is_(False),
        )
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    for meeting_id, starts_at, msisdn in rows:
        if not is_due(starts_at, now, practice):
            continue
        conversation_id = conversation_for(msisdn)
        ensure_conversation(session, conversation_id, msisdn, now)
        if session.get(SmsConversation, conversation_id).opted_out_at is not None:
            report.opted_out += 1
            continue
        deadline = deliver_before(starts_at, now, practice)
        values = {
            "meeting_id": meeting_id,
            "meeting_starts_at": starts_at,
            "conversation_id": conversation_id,
            "state": SCHEDULED,
            "scheduled_at": now,
            "deliver_before": deadline,
        }
        if insert_ignoring_conflict(session, SmsReminder, values, ["meeting_id", "meeting_starts_at"]):
            report.scheduled += 1
            continue
        existing = session.execute(
            select(SmsReminder).where(
                SmsReminder.meeting_id == meeting_id, SmsReminder.meeting_starts_at == starts_at
            )
        ).scalar_one()
        if existing.state == EXPIRED:  # not delivered in time: try again in today's hours
            existing.state, existing.outcome = SCHEDULED, None
            existing.scheduled_at, existing.deliver_before = now, deadline
            existing.conversation_id = conversation_id
            report.scheduled += 1
        else:
            report.already += 1
    return report


def _delivering_for(session: Session, conversation_id: str) -> SmsReminderRecord | None:
    row = session.execute(
        select(SmsReminder, Meeting)
        .outerjoin(Meeting, Meeting.id == SmsReminder.meeting_id)
        .where(SmsReminder.conversation_id == conversation_id, SmsReminder.state == DELIVERING)
        .order_by(SmsReminder.id.desc())
        .limit(1)
    ).first()
    return None if row is None else reminder_record(row[0], row[1])


def _for_meeting(session: Session, meeting_id: str) -> list[SmsReminderRecord]:
    rows = session.execute(
        select(SmsReminder, Meeting)
        .outerjoin(Meeting, Meeting.id == SmsReminder.meeting_id)
        .where(SmsReminder.meeting_id == meeting_id)
        .order_by(SmsReminder.id)
    ).all()
    return [reminder_record(reminder, meeting) for reminder, meeting in rows]


class SmsReminders:
    """Meeting reminders in `database` (default: the process-wide one)."""

    def __init__(self, database: Database | None = None) -> None:
        self.database = database or get_database()

    def schedule(
        self, now: datetime, practice: ReminderPractice, conversation_for: Callable[[str], str]
    ) -> ScheduleReport:
        """Schedule every reminder due at `now`; `conversation_for(e164)` gives the conversation id."""
        require_aware(now, "now")
        return self.database.run(_schedule, now, practice, conversation_for)

    def delivering_for(self, conversation_id: str) -> SmsReminderRecord | None:
        """The reminder being delivered into this conversation right now, with its meeting."""
        return self.database.run(_delivering_for, conversation_id)

    def for_meeting(self, meeting_id: str) -> list[SmsReminderRecord]:
        """Every reminder of one meeting, oldest first (for tests and operators)."""
        return self.database.run(_for_meeting, meeting_id)
