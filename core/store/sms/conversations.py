"""`SmsConversations`: received SMS, one conversation at a time, in order, across processes.

Owns the inbox and the conversation rows:
- `receive` (the webhook): the conversation row (created on first contact) and the message,
  once per gateway id: a retried webhook changes nothing.
- `claim` (a worker): leases up to N conversations that have pending messages or reminders and
  no live lease. PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED`, so two processes never wait on
  or take the same row; SQLite: the conditional UPDATE below is the lock (one writer at a time).
  A lease runs out after `lease_s` unless renewed, so a dead process's conversations are taken
  over; `release_owner` frees a restarted process's own leases at once.
- `next_message` / `next_reminder`: the oldest pending work of a claimed conversation.
- `complete`: ONE transaction that marks the message (or reminder) handled, puts the replies in
  the outbox and updates opt-out, options and "MERE" text, and only while the lease is still
  ours (`SmsLeaseLost` otherwise, nothing written). STOP cancels everything not yet sent.

Sync methods plus async `a<name>` forms, as in `CaseRepository`.

Must not: talk to the gateway or to Rasa, or log numbers or texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Sequence

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session

from core.clock import require_aware
from core.records import (
    SmsConversationRecord,
    SmsIncomingRecord,
    SmsOutgoing,
    SmsReceived,
    SmsReminderRecord,
)
from core.store.cases.tables import Meeting
from core.store.database import Database, get_database
from core.store.errors import SmsLeaseLost
from core.store.sms.rows import conversation_record, enqueue, ensure_conversation, reminder_record
from core.store.sms.tables import SmsConversation, SmsInbox, SmsOutbox, SmsReminder
from core.store.upsert import insert_ignoring_conflict

PENDING, DONE = "pending", "done"
SCHEDULED, DELIVERING = "scheduled", "delivering"
OPEN_OUTBOX_STATES = ("pending", "sending", "unconfirmed")
# An SMS not handed to the gateway within this time is given up (state "expired").
OUTBOX_EXPIRY = timedelta(hours=24)
STOP_CONFIRMATION = "stop_confirmation"

_UNCHANGED: Any = object()


@dataclass(frozen=True)
class TurnResult:
    """What handling one message (or reminder) came to, written by `complete` in one go."""

    outcome: str  # answered, opted_out, opted_in, more, rate_limited, too_long, ignored, ...
    outgoing: Sequence[SmsOutgoing] = ()
    options: Any = _UNCHANGED  # tuple of {"title", "payload"} dicts; () clears
    remainder: Any = _UNCHANGED  # str or None
    opt_out: bool | None = None  # True: STOP, False: START, None: unchanged
    rate_notified: bool = False
    expires_at: datetime | None = None  # default: now + OUTBOX_EXPIRY
    reminder_state: str = "delivered"  # for a reminder: delivered, skipped, expired
    inbox_id: int | None = None  # the message handled, or ...
    reminder_id: int | None = None  # ... the reminder delivered


def _lease_free(now: datetime) -> Any:
    return or_(SmsConversation.lease_until.is_(None), SmsConversation.lease_until < now)


def _has_work() -> Any:
    pending = exists().where(SmsInbox.conversation_id == SmsConversation.id, SmsInbox.state == PENDING)
    reminder = exists().where(
        SmsReminder.conversation_id == SmsConversation.id, SmsReminder.state.in_((SCHEDULED, DELIVERING))
    )
    return or_(pending, reminder)


# --- Units of work ---------------------------------------------------------------------------------
def _receive(session: Session, message: SmsReceived) -> bool:
    ensure_conversation(session, message.conversation_id, message.msisdn, message.received_at)
    values = {
        "provider_id": message.provider_id,
        "conversation_id": message.conversation_id,
        "text": message.text,
        "received_at": message.received_at,
        "state": PENDING,
        "attempts": 0,
    }
    return insert_ignoring_conflict(session, SmsInbox, values, ["provider_id"])


def _claim(session: Session, owner: str, now: datetime, until: datetime, limit: int) -> list[str]:
    candidates = (
        session.execute(
            select(SmsConversation.id)
            .where(_lease_free(now), _has_work())
            .order_by(SmsConversation.lease_until.nullsfirst(), SmsConversation.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=SmsConversation)
        )
        .scalars()
        .all()
    )
    claimed = []
    for conversation_id in candidates:
        result = session.execute(
            update(SmsConversation)
            .where(SmsConversation.id == conversation_id, _lease_free(now))
            .values(lease_owner=owner, lease_until=until)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(conversation_id)
    return claimed


def _renew(session: Session, conversation_id: str, owner: str, now: datetime, until: datetime) -> bool:
    result = session.execute(
        update(SmsConversation)
        .where(
            SmsConversation.id == conversation_id,
            SmsConversation.lease_owner == owner,
            SmsConversation.lease_until >= now,
        )
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _release(session: Session, conversation_id: str, owner: str) -> None:
    session.execute(
        update(SmsConversation)
        .where(SmsConversation.id == conversation_id, SmsConversation.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )


def _release_owner(session: Session, owner: str) -> int:
    result = session.execute(
        update(SmsConversation)
        .where(SmsConversation.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def _get(session: Session, conversation_id: str) -> SmsConversationRecord | None:
    row = session.get(SmsConversation, conversation_id)
    return None if row is None else conversation_record(row)


def _next_message(session: Session, conversation_id: str) -> SmsIncomingRecord | None:
    row = session.execute(
        select(SmsInbox)
        .where(SmsInbox.conversation_id == conversation_id, SmsInbox.state == PENDING)
        .order_by(SmsInbox.id)
        .limit(1)
    ).scalar_one_or_none()
    if row is None:
        return None
    return SmsIncomingRecord(row.id, row.conversation_id, row.text, row.received_at, row.attempts)


def _next_reminder(session: Session, conversation_id: str) -> SmsReminderRecord | None:
    row = session.execute(
        select(SmsReminder, Meeting)
        .outerjoin(Meeting, Meeting.id == SmsReminder.meeting_id)
        .where(SmsReminder.conversation_id == conversation_id, SmsReminder.state.in_((SCHEDULED, DELIVERING)))
        .order_by(SmsReminder.id)
        .limit(1)
    ).first()
    return None if row is None else reminder_record(row[0], row[1])


def _received_since(session: Session, conversation_id: str, since: datetime, up_to_id: int) -> int:
    return int(
        session.execute(
            select(func.count(SmsInbox.id)).where(
                SmsInbox.conversation_id == conversation_id,
                SmsInbox.received_at > since,
                SmsInbox.id <= up_to_id,
            )
        ).scalar_one()
    )


def _start_reminder(session: Session, reminder_id: int) -> None:
    session.execute(
        update(SmsReminder)
        .where(SmsReminder.id == reminder_id, SmsReminder.state.in_((SCHEDULED, DELIVERING)))
        .values(state=DELIVERING)
        .execution_options(synchronize_session=False)
    )


def _failed_attempt(session: Session, inbox_id: int, max_attempts: int, now: datetime) -> bool:
    """Count a failed attempt; True when the message is given up (state done, outcome failed)."""
    row = session.get(SmsInbox, inbox_id)
    if row is None or row.state != PENDING:
        return False
    row.attempts = (row.attempts or 0) + 1
    if row.attempts >= max_attempts:
        row.state, row.outcome, row.processed_at = DONE, "failed", now
        return True
    return False


def _complete(session: Session, conversation_id: str, owner: str, now: datetime, result: TurnResult) -> None:
    inbox_id, reminder_id = result.inbox_id, result.reminder_id
    conversation = session.execute(
        select(SmsConversation).where(SmsConversation.id == conversation_id).with_for_update()
    ).scalar_one()
    if (
        conversation.lease_owner != owner
        or conversation.lease_until is None
        or conversation.lease_until < now
    ):
        raise SmsLeaseLost(conversation_id)
    if inbox_id is not None:
        message = session.get(SmsInbox, inbox_id)
        if message is None or message.state != PENDING:
            raise SmsLeaseLost(conversation_id)
        message.state, message.outcome, message.processed_at = DONE, result.outcome, now
    if reminder_id is not None:
        reminder = session.get(SmsReminder, reminder_id)
        if reminder is None or reminder.state not in (SCHEDULED, DELIVERING):
            raise SmsLeaseLost(conversation_id)
        reminder.state, reminder.outcome = result.reminder_state, result.outcome
        reminder.delivered_at = now if result.reminder_state == "delivered" else None
    if result.opt_out is True:
        conversation.opted_out_at = now
        session.execute(
            update(SmsOutbox)
            .where(
                SmsOutbox.conversation_id == conversation_id,
                SmsOutbox.state.in_(("pending", "unconfirmed")),
            )
            .values(state="cancelled", lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
    elif result.opt_out is False:
        conversation.opted_out_at = None
    if result.options is not _UNCHANGED:
        conversation.options = [dict(option) for option in result.options] or None
    if result.remainder is not _UNCHANGED:
        conversation.remainder = result.remainder
    if result.rate_notified:
        conversation.rate_notified_at = now
    expires_at = result.expires_at or now + OUTBOX_EXPIRY
    enqueue(
        session,
        conversation_id,
        result.outgoing,
        now=now,
        expires_at=expires_at,
        inbox_id=inbox_id,
        reminder_id=reminder_id,
    )


class SmsConversations:
    """The SMS inbox and conversations in `database` (default: the process-wide one)."""

    def __init__(self, database: Database | None = None) -> None:
        self.database = database or get_database()

    def receive(self, message: SmsReceived) -> bool:
        """Store a received SMS once per `provider_id`; False when it was already stored."""
        require_aware(message.received_at, "received_at")
        return self.database.run(_receive, message)

    def claim(self, owner: str, now: datetime, lease_s: float, limit: int = 4) -> list[str]:
        """Lease up to `limit` conversations with work and no live lease; their ids."""
        require_aware(now, "now")
        return self.database.run(_claim, owner, now, now + timedelta(seconds=lease_s), limit)

    def renew(self, conversation_id: str, owner: str, now: datetime, lease_s: float) -> bool:
        """Extend our lease; False when it is no longer ours."""
        return self.database.run(_renew, conversation_id, owner, now, now + timedelta(seconds=lease_s))

    def release(self, conversation_id: str, owner: str) -> None:
        self.database.run(_release, conversation_id, owner)

    def release_owner(self, owner: str) -> int:
        """Free every lease `owner` holds (a restarted process frees its predecessor's)."""
        return self.database.run(_release_owner, owner)

    def get(self, conversation_id: str) -> SmsConversationRecord | None:
        return self.database.run(_get, conversation_id)

    def next_message(self, conversation_id: str) -> SmsIncomingRecord | None:
        return self.database.run(_next_message, conversation_id)

    def next_reminder(self, conversation_id: str) -> SmsReminderRecord | None:
        return self.database.run(_next_reminder, conversation_id)

    def received_since(self, conversation_id: str, since: datetime, up_to_id: int) -> int:
        """How many SMS the conversation received after `since`, up to message `up_to_id`."""
        return self.database.run(_received_since, conversation_id, since, up_to_id)

    def start_reminder(self, reminder_id: int) -> None:
        """Mark a reminder as being delivered (the reminder action looks it up by conversation)."""
        self.database.run(_start_reminder, reminder_id)

    def failed_attempt(self, inbox_id: int, max_attempts: int, now: datetime) -> bool:
        return self.database.run(_failed_attempt, inbox_id, max_attempts, now)

    def complete(self, conversation_id: str, owner: str, now: datetime, result: TurnResult) -> None:
        """Write the outcome of one message or reminder (see module docstring); SmsLeaseLost."""
        require_aware(now, "now")
        self.database.run(_complete, conversation_id, owner, now, result)

    # -- async forms (the webhook and the worker run on Rasa's event loop) --


__all__ = ["STOP_CONFIRMATION", "SmsConversations", "SmsLeaseLost", "TurnResult"]
