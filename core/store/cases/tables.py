"""The case area's tables: citizens, caseworkers, cases, meetings and the shared preparation notes.

Case kinds, statuses and meeting kinds are stored as the assistant's meanings (`core.vocabulary`).
Must not: query anything (the area's repository, importer and notes do) or create tables.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import relationship

from core.store.base import Base, UTCDateTime


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
    # The note as the caseworker reads it: Danish headings, the answers as written (migration
    # 0006; before it, the note as the citizen saw it, which was then always Danish).
    note_text = Column(Text, nullable=False)
    consented_at = Column(UTCDateTime(), nullable=False)
    # The language the citizen used the guide in ("da", "en"); rows from before 0006 are "da".
    language = Column(String(8), nullable=False, default="da", server_default="da")
    # The note exactly as the citizen saw it, when that was not Danish (NULL: note_text is it).
    citizen_text = Column(Text, nullable=True)

    __table_args__ = (
        Index("ix_shared_notes_meeting_id", "meeting_id", unique=True),
        Index("ix_shared_notes_citizen_id", "citizen_id"),
    )
