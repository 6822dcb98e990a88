"""The review app's tables (migration 0004): accounts, sessions, sign-in failures, the append-only
audit log, the conversation index derived from Rasa's events (Rasa owns its `events` table;
core.store.conversations reads it), review marks, comments and corrections.

Must not: query anything (the area's modules do) or create tables.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Computed,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from core.store.base import Base, UTCDateTime


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
