"""SQLAlchemy 1.4 tables: citizens, caseworkers, cases, meetings, shared notes and the SMS queue.

Owns the ORM classes and the `UTCDateTime` column type. Case kinds, statuses and meeting kinds are
stored as the assistant's meanings (`core.vocabulary`). It must not query anything (that is the
store's repositories) and must not create tables: the schema is created only by the Alembic
migrations in `migrations/`, which mirror these classes.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

# Deterministic constraint names, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base: Any = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every backend.

    Accepts only aware datetimes (any offset) and converts them to UTC. PostgreSQL stores them
    as `timestamptz`; backends without time zone support (SQLite) store naive UTC, and the UTC
    zone is re-attached on read. Comparisons in SQL (`starts_at > :now`) go through the same
    conversion, so they compare instants, not wall-clock readings.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime")
        value = value.astimezone(timezone.utc)
        if dialect.name == "postgresql":
            return value
        return value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Citizen(Base):
    """A citizen who may ask the assistant about their own case (id from the case system)."""

    __tablename__ = "citizens"

    id = Column(String(64), primary_key=True)
    name = Column(String(200), nullable=False)
    phone = Column(String(20), nullable=True)  # E.164

    __table_args__ = (Index("ix_citizens_phone", "phone", unique=True),)


class Caseworker(Base):
    """A municipal caseworker, identified by e-mail (case-insensitive) or else name + phone."""

    __tablename__ = "caseworkers"

    id = Column(Integer, primary_key=True, autoincrement=True)
    identity_key = Column(String(400), nullable=False)
    name = Column(String(200), nullable=False)
    phone = Column(String(20), nullable=True)
    email = Column(String(254), nullable=True)

    __table_args__ = (Index("ix_caseworkers_identity_key", "identity_key", unique=True),)


class Case(Base):
    """A ressourceforløb or jobafklaringsforløb belonging to one citizen."""

    __tablename__ = "cases"

    id = Column(String(64), primary_key=True)
    citizen_id = Column(String(64), ForeignKey("citizens.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(40), nullable=False)
    status = Column(String(40), nullable=False)
    opened_on = Column(Date, nullable=False)
    ends_on = Column(Date, nullable=True)
    caseworker_id = Column(Integer, ForeignKey("caseworkers.id", ondelete="SET NULL"), nullable=True)

    caseworker = relationship("Caseworker", lazy="joined")

    __table_args__ = (Index("ix_cases_citizen_id_opened_on", "citizen_id", "opened_on"),)


class Meeting(Base):
    """A meeting the citizen is called to (e.g. the rehabiliteringsteam)."""

    __tablename__ = "meetings"

    id = Column(String(64), primary_key=True)
    citizen_id = Column(String(64), ForeignKey("citizens.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(40), nullable=False)
    starts_at = Column(UTCDateTime(), nullable=False)
    location = Column(String(300), nullable=True)
    online = Column(Boolean, nullable=False, default=False)
    participants = Column(JSON, nullable=False, default=list)
    # Set by the case import when the municipality cancels the meeting (no reminder, not "next").
    cancelled = Column(Boolean, nullable=False, default=False, server_default="0")

    __table_args__ = (Index("ix_meetings_citizen_id_starts_at", "citizen_id", "starts_at"),)


class SharedNote(Base):
    """A preparation note the citizen chose to send to their caseworker before a meeting.

    Stored only with the citizen's explicit consent (`consented_at`, UTC), one per meeting (a new
    consent replaces the old note). Withdrawing deletes the row. Deleting the meeting or the
    citizen deletes the note.
    """

    __tablename__ = "shared_notes"

    id = Column(Integer, primary_key=True, autoincrement=True)
    citizen_id = Column(String(64), ForeignKey("citizens.id", ondelete="CASCADE"), nullable=False)
    meeting_id = Column(String(64), ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False)
    answers = Column(JSON, nullable=False)  # question key -> answer text or null (skipped)
    note_text = Column(Text, nullable=False)  # the note exactly as the citizen saw it
    consented_at = Column(UTCDateTime(), nullable=False)

    __table_args__ = (
        Index("ix_shared_notes_meeting_id", "meeting_id", unique=True),
        Index("ix_shared_notes_citizen_id", "citizen_id"),
    )


# --- SMS (issue 11): the queue, the outbox and the reminder marks (core/store/sms_*.py) --------
class SmsConversation(Base):
    """One phone number's SMS conversation: opt-out, last options, the rest of a long answer.

    `id` is the Rasa conversation id (`sms:` + HMAC pseudonym); the number itself is kept only
    here, to send to it. `lease_owner`/`lease_until` is the claim of the worker that handles the
    conversation's messages now (one at a time, in order, across processes).
    """

    __tablename__ = "sms_conversations"

    id = Column(String(40), primary_key=True)
    msisdn = Column(String(20), nullable=False)  # E.164
    created_at = Column(UTCDateTime(), nullable=False)
    opted_out_at = Column(UTCDateTime(), nullable=True)  # STOP; None after START
    options = Column(JSON, nullable=True)  # [{"title", "payload"}] of the last SMS with options
    remainder = Column(Text, nullable=True)  # what "MERE" sends next
    rate_notified_at = Column(UTCDateTime(), nullable=True)  # the one "too many messages" notice
    lease_owner = Column(String(120), nullable=True)
    lease_until = Column(UTCDateTime(), nullable=True)

    __table_args__ = (Index("ix_sms_conversations_msisdn", "msisdn", unique=True),)


class SmsInbox(Base):
    """An SMS received from a citizen, once per gateway id (`provider_id`), until handled."""

    __tablename__ = "sms_inbox"

    id = Column(Integer, primary_key=True, autoincrement=True)
    provider_id = Column(String(80), nullable=False)  # e.g. "gatewayapi:1000001"
    conversation_id = Column(
        String(40), ForeignKey("sms_conversations.id", ondelete="CASCADE"), nullable=False
    )
    text = Column(Text, nullable=True)  # None when refused as too long
    received_at = Column(UTCDateTime(), nullable=False)
    state = Column(String(20), nullable=False)  # pending, done
    outcome = Column(String(30), nullable=True)  # answered, opted_out, rate_limited, ...
    attempts = Column(Integer, nullable=False, default=0)
    processed_at = Column(UTCDateTime(), nullable=True)

    __table_args__ = (
        Index("ix_sms_inbox_provider_id", "provider_id", unique=True),
        Index("ix_sms_inbox_conversation_id_state", "conversation_id", "state"),
        Index("ix_sms_inbox_conversation_id_received_at", "conversation_id", "received_at"),
    )


class SmsReminder(Base):
    """A meeting reminder: scheduled by `send-reminders`, delivered into the conversation once.

    One row per meeting AND start time, so a moved meeting gets a new reminder.
    """

    __tablename__ = "sms_reminders"

    id = Column(Integer, primary_key=True, autoincrement=True)
    meeting_id = Column(String(64), ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False)
    meeting_starts_at = Column(UTCDateTime(), nullable=False)
    conversation_id = Column(
        String(40), ForeignKey("sms_conversations.id", ondelete="CASCADE"), nullable=False
    )
    state = Column(String(20), nullable=False)  # scheduled, delivering, delivered, skipped, expired
    outcome = Column(String(30), nullable=True)
    scheduled_at = Column(UTCDateTime(), nullable=False)
    deliver_before = Column(UTCDateTime(), nullable=False)
    delivered_at = Column(UTCDateTime(), nullable=True)

    __table_args__ = (
        Index(
            "ix_sms_reminders_meeting_id_meeting_starts_at", "meeting_id", "meeting_starts_at", unique=True
        ),
        Index("ix_sms_reminders_conversation_id_state", "conversation_id", "state"),
    )


class SmsOutbox(Base):
    """An SMS to send: retried with backoff until sent or expired, never sent twice.

    `id` is the `userref` the gateway echoes in its delivery reports.
    """

    __tablename__ = "sms_outbox"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(
        String(40), ForeignKey("sms_conversations.id", ondelete="CASCADE"), nullable=False
    )
    inbox_id = Column(Integer, ForeignKey("sms_inbox.id", ondelete="SET NULL"), nullable=True)
    reminder_id = Column(Integer, ForeignKey("sms_reminders.id", ondelete="SET NULL"), nullable=True)
    kind = Column(String(20), nullable=False)  # reply, reminder, notice, stop_confirmation
    text = Column(Text, nullable=False)
    encoding = Column(String(4), nullable=False)  # GSM or UCS2
    segments = Column(Integer, nullable=False)
    state = Column(String(20), nullable=False)  # pending, sending, unconfirmed, sent, failed, ...
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime(), nullable=False)
    expires_at = Column(UTCDateTime(), nullable=False)
    lease_owner = Column(String(120), nullable=True)
    lease_until = Column(UTCDateTime(), nullable=True)
    last_error = Column(String(200), nullable=True)  # HTTP status or error class, never a text
    created_at = Column(UTCDateTime(), nullable=False)
    sent_at = Column(UTCDateTime(), nullable=True)
    gateway_message_id = Column(String(40), nullable=True)
    delivery_status = Column(String(20), nullable=True)  # the gateway's report, e.g. DELIVERED
    delivery_error = Column(String(200), nullable=True)
    delivery_code = Column(String(20), nullable=True)
    delivery_at = Column(UTCDateTime(), nullable=True)

    __table_args__ = (
        Index("ix_sms_outbox_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_sms_outbox_conversation_id_id", "conversation_id", "id"),
    )
