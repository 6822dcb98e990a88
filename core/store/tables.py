"""SQLAlchemy 1.4 tables: citizens, caseworkers, cases, meetings and shared preparation notes.

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
