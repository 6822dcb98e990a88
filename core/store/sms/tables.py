"""The SMS area's tables (migration 0003): conversations with leases, the inbox, the reminder marks
and the outbox.

Must not: query anything (the area's modules do) or create tables.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)

from core.store.base import Base, UTCDateTime


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
