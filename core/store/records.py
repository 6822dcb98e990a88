"""The plain records the store hands out and takes in: frozen dataclasses, never ORM objects.

Case kinds, statuses and meeting kinds are the assistant's meanings (`core.vocabulary`); times
are timezone-aware UTC; phone numbers are E.164.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class CitizenRecord:
    id: str
    name: str
    phone: str | None  # E.164, e.g. "+4520123456"


@dataclass(frozen=True)
class CaseworkerRecord:
    name: str
    phone: str | None  # E.164
    email: str | None


@dataclass(frozen=True)
class CaseRecord:
    id: str
    kind: str  # one of core.vocabulary.CASE_KINDS
    status: str  # one of core.vocabulary.CASE_STATUSES
    opened_on: date
    ends_on: date | None
    caseworker: CaseworkerRecord | None


@dataclass(frozen=True)
class MeetingRecord:
    id: str
    kind: str  # one of core.vocabulary.MEETING_KINDS
    starts_at: datetime  # timezone-aware, UTC
    location: str | None
    online: bool
    participants: tuple[str, ...]


@dataclass(frozen=True)
class SharedNoteRecord:
    """A preparation note the citizen consented to share (also what `SharedNotes.save` stores)."""

    meeting_id: str
    answers: dict[str, Any]
    note_text: str
    consented_at: datetime


@dataclass(frozen=True)
class CitizenBundle:
    """One citizen with their cases and meetings, as the importer writes them."""

    citizen: CitizenRecord
    cases: tuple[CaseRecord, ...] = ()
    meetings: tuple[MeetingRecord, ...] = ()


ENTITIES: tuple[str, ...] = ("citizens", "caseworkers", "cases", "meetings")


@dataclass
class EntityCounts:
    """What an import did to one kind of entity."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def caseworker_identity_key(name: str, phone: str | None, email: str | None) -> str:
    """E-mail (case-insensitive) identifies a caseworker; without one, name + phone does."""
    if email:
        return "email:" + email.strip().casefold()
    return "name-phone:" + " ".join(name.split()).casefold() + "|" + (phone or "")
