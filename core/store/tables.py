"""SQLAlchemy 1.4 tables: citizens, caseworkers, cases, meetings, shared notes, SMS and review app.

The SMS tables (migration 0003, prefix `sms_`): conversations with leases, the inbox, the
reminder marks and the outbox.

The review app's tables (migration 0004, prefix `review_`) are at the end: its accounts,
sessions, sign-in failures, the append-only audit log, the conversation index derived from Rasa's
events (Rasa owns the `events` table itself; `core.store.conversations` reads it), review marks,
comments and corrections.

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
    BigInteger,
    Boolean,
    Column,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
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
    kind = Column(String(20), nullable=False)  # reply, reminder, notice, stop_confirmation, introduction
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


# --- The review app (migration 0004) -------------------------------------------------------------
class ReviewAccount(Base):
    """A caseworker or administrator who may sign in to the review app.

    `email` links a caseworker to the caseworker on the citizens' cases (`caseworkers.email`).
    `password_hash` is argon2 (None for an account that signs in only through single sign-on).
    """

    __tablename__ = "review_accounts"

    id = Column(Integer, primary_key=True, autoincrement=True)
    username = Column(String(64), nullable=False)
    role = Column(String(20), nullable=False)  # "caseworker" or "admin"
    email = Column(String(254), nullable=True)
    password_hash = Column(String(300), nullable=True)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UTCDateTime(), nullable=False)
    last_login_at = Column(UTCDateTime(), nullable=True)

    __table_args__ = (Index("ix_review_accounts_username", "username", unique=True),)


class ReviewSession(Base):
    """A signed-in browser: the SHA-256 of its cookie token (never the token), and its CSRF token."""

    __tablename__ = "review_sessions"

    token_hash = Column(String(64), primary_key=True)
    account_id = Column(Integer, ForeignKey("review_accounts.id", ondelete="CASCADE"), nullable=False)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime(), nullable=False)
    expires_at = Column(UTCDateTime(), nullable=False)

    __table_args__ = (Index("ix_review_sessions_account_id", "account_id"),)


class ReviewLoginFailure(Base):
    """Failed sign-ins per user name (also for names that do not exist), for the lockout."""

    __tablename__ = "review_login_failures"

    username = Column(String(64), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)
    last_failure_at = Column(UTCDateTime(), nullable=False)
    locked_until = Column(UTCDateTime(), nullable=True)


class ReviewAudit(Base):
    """One entry of the audit log: who did what, when, from where. Append-only (database triggers)."""

    __tablename__ = "review_audit"

    id = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    at = Column(UTCDateTime(), nullable=False)
    username = Column(String(64), nullable=False)
    role = Column(String(20), nullable=False)
    action = Column(String(40), nullable=False)
    conversation_id = Column(String(255), nullable=True)
    detail = Column(Text, nullable=False, default="")
    client = Column(String(100), nullable=False, default="")

    __table_args__ = (Index("ix_review_audit_at", "at"),)


class ReviewAuditPurgePermit(Base):
    """Written and removed inside the purge's transaction: audit rows older than `before` may go."""

    __tablename__ = "review_audit_purge_permits"

    before = Column(UTCDateTime(), primary_key=True)


class ReviewAuditSubject(Base):
    """A citizen whose data an audit entry showed (for the citizen's right of access)."""

    __tablename__ = "review_audit_subjects"

    audit_id = Column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("review_audit.id", ondelete="CASCADE"),
        primary_key=True,
    )
    citizen_id = Column(String(64), primary_key=True)

    __table_args__ = (Index("ix_review_audit_subjects_citizen_id", "citizen_id"),)


class SearchVector(TypeDecorator):
    """PostgreSQL's `tsvector` (full-text search); plain text elsewhere (SQLite searches with LIKE)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(TSVECTOR())
        return dialect.type_descriptor(Text())


# The citizens' words as a Danish full-text vector, computed and stored by PostgreSQL itself
# (migration 0004; on SQLite an empty virtual column). Never written by the application.
SEARCH_VECTOR_SQL = "to_tsvector('danish', citizen_text)"


class ReviewConversation(Base):
    """The index of one conversation (derived from Rasa's events; rebuilt by the indexer)."""

    __tablename__ = "review_conversations"

    id = Column(String(255), primary_key=True)  # Rasa's sender id
    channel = Column(String(10), nullable=False)
    started_at = Column(UTCDateTime(), nullable=False)
    last_event_at = Column(UTCDateTime(), nullable=False)
    last_event_id = Column(BigInteger().with_variant(Integer, "sqlite"), nullable=False)
    message_count = Column(Integer, nullable=False)
    citizen_id = Column(String(64), nullable=True)
    identity_mixed = Column(Boolean, nullable=False, default=False)
    flag_unsure = Column(Boolean, nullable=False, default=False)
    flag_handoff = Column(Boolean, nullable=False, default=False)
    flag_crisis = Column(Boolean, nullable=False, default=False)
    citizen_text = Column(Text, nullable=False, default="")
    citizen_tsv = Column(SearchVector(), Computed(SEARCH_VECTOR_SQL, persisted=True), nullable=True)

    __table_args__ = (
        Index("ix_review_conversations_started_at", "started_at"),
        Index("ix_review_conversations_citizen_id_started_at", "citizen_id", "started_at"),
        Index("ix_review_conversations_search", "citizen_tsv", postgresql_using="gin"),
    )


class ReviewMessage(Base):
    """One citizen message of an indexed conversation: when, and the predicted topic (no text)."""

    __tablename__ = "review_messages"

    conversation_id = Column(
        String(255), ForeignKey("review_conversations.id", ondelete="CASCADE"), primary_key=True
    )
    event_id = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    sent_at = Column(UTCDateTime(), nullable=False)
    topic = Column(String(120), nullable=True)
    confidence = Column(Float, nullable=True)

    __table_args__ = (Index("ix_review_messages_sent_at", "sent_at"),)


class ReviewIndexState(Base):
    """How far the indexer has read Rasa's events (the highest event id seen)."""

    __tablename__ = "review_index_state"

    name = Column(String(40), primary_key=True)
    last_event_id = Column(BigInteger().with_variant(Integer, "sqlite"), nullable=False)


class ReviewMark(Base):
    """A conversation marked as reviewed."""

    __tablename__ = "review_marks"

    conversation_id = Column(
        String(255), ForeignKey("review_conversations.id", ondelete="CASCADE"), primary_key=True
    )
    username = Column(String(64), nullable=False)
    marked_at = Column(UTCDateTime(), nullable=False)


class ReviewComment(Base):
    """An internal comment on a conversation (never shown to the citizen)."""

    __tablename__ = "review_comments"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(
        String(255), ForeignKey("review_conversations.id", ondelete="CASCADE"), nullable=False
    )
    username = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime(), nullable=False)
    text = Column(Text, nullable=False)

    __table_args__ = (Index("ix_review_comments_conversation_id", "conversation_id"),)


class ReviewCorrection(Base):
    """The right topic for a misunderstood citizen message: future training data."""

    __tablename__ = "review_corrections"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(
        String(255), ForeignKey("review_conversations.id", ondelete="CASCADE"), nullable=False
    )
    event_id = Column(BigInteger().with_variant(Integer, "sqlite"), nullable=False)
    message_text = Column(Text, nullable=False)  # masked, as stored in the conversation
    predicted = Column(String(120), nullable=True)
    topic = Column(String(120), nullable=False)
    username = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime(), nullable=False)

    __table_args__ = (UniqueConstraint("conversation_id", "event_id", name="uq_review_corrections_message"),)


class RateLimitCounter(Base):
    """Hits on one rate-limit key (a hash, core.rate_limit) in one fixed window (epoch seconds)."""

    __tablename__ = "rate_limit_counters"

    key = Column(String(64), primary_key=True)
    window_start = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    count = Column(Integer, nullable=False)

    __table_args__ = (Index("ix_rate_limit_counters_window_start", "window_start"),)
