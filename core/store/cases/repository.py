"""`CaseRepository`: reading the citizen's own case, meetings and caseworker.

Owns every SELECT on the case tables and hands out records (`core.records`). Each method has
a sync form and an async `a<name>` form that runs in the database's thread pool under its time
limit. Any database failure or timeout becomes `StoreUnavailable`.

Must not: write anything (the importer writes through `case_import`, notes through `notes`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case as sql_case
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import phone
from core.clock import require_aware
from core.records import CaseRecord, CaseworkerRecord, CitizenRecord, MeetingRecord
from core.store.cases.tables import Case, Caseworker, Citizen, Meeting
from core.store.database import Database, get_database
from core.vocabulary import STATUS_AFSLUTTET


def caseworker_record(row: Caseworker | None) -> CaseworkerRecord | None:
    if row is None:
        return None
    return CaseworkerRecord(name=row.name, phone=row.phone, email=row.email)


def citizen_record(row: Citizen | None) -> CitizenRecord | None:
    if row is None:
        return None
    return CitizenRecord(id=row.id, name=row.name, phone=row.phone)


def case_record(row: Case) -> CaseRecord:
    return CaseRecord(
        id=row.id,
        kind=row.kind,
        status=row.status,
        opened_on=row.opened_on,
        ends_on=row.ends_on,
        caseworker=caseworker_record(row.caseworker),
    )


def meeting_record(row: Meeting) -> MeetingRecord:
    return MeetingRecord(
        id=row.id,
        kind=row.kind,
        starts_at=row.starts_at,
        location=row.location,
        online=bool(row.online),
        participants=tuple(str(p) for p in (row.participants or ())),
        cancelled=bool(row.cancelled),
    )


# --- Queries (one function per lookup; each runs inside one session) ---------------------------
def _get_citizen(session: Session, citizen_id: str) -> CitizenRecord | None:
    return citizen_record(session.get(Citizen, citizen_id))


def _citizen_by_phone(session: Session, e164: str) -> CitizenRecord | None:
    row = session.execute(select(Citizen).where(Citizen.phone == e164)).scalar_one_or_none()
    return citizen_record(row)


def _cases_for(session: Session, citizen_id: str) -> list[CaseRecord]:
    rows = session.execute(
        select(Case).where(Case.citizen_id == citizen_id).order_by(Case.opened_on.desc(), Case.id.desc())
    ).scalars()
    return [case_record(row) for row in rows]


def _upcoming(session: Session, citizen_id: str, now: datetime, limit: int) -> list[MeetingRecord]:
    rows = session.execute(
        select(Meeting)
        .where(Meeting.citizen_id == citizen_id, Meeting.starts_at > now, Meeting.cancelled.is_(False))
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(limit)
    ).scalars()
    return [meeting_record(row) for row in rows]


def _caseworker_for(session: Session, citizen_id: str) -> CaseworkerRecord | None:
    closed_last = sql_case((Case.status == STATUS_AFSLUTTET, 1), else_=0)
    row = session.execute(
        select(Case)
        .where(Case.citizen_id == citizen_id)
        .order_by(closed_last, Case.opened_on.desc(), Case.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return None if row is None else caseworker_record(row.caseworker)


class CaseRepository:
    """Read access to the case data in `database` (default: the process-wide one)."""

    def __init__(self, database: Database | None = None) -> None:
        self.database = database or get_database()

    def __repr__(self) -> str:
        return f"CaseRepository({self.database!r})"

    # -- sync API --
    def get_citizen(self, citizen_id: str) -> CitizenRecord | None:
        """The citizen with this id, or None."""
        return self.database.run(_get_citizen, citizen_id)

    def find_citizen_by_phone(self, number: str) -> CitizenRecord | None:
        """The citizen with this phone number (any Danish spelling, compared in E.164), or None."""
        normalised = phone.to_e164(number)
        if normalised is None:
            return None
        return self.database.run(_citizen_by_phone, normalised)

    def cases_for(self, citizen_id: str) -> list[CaseRecord]:
        """All the citizen's cases, newest (latest `opened_on`) first."""
        return self.database.run(_cases_for, citizen_id)

    def upcoming_meetings(self, citizen_id: str, now: datetime, limit: int = 10) -> list[MeetingRecord]:
        """Meetings with `starts_at > now` (aware) that are not cancelled, soonest first."""
        require_aware(now, "now")
        return self.database.run(_upcoming, citizen_id, now, limit)

    def next_meeting(self, citizen_id: str, now: datetime) -> MeetingRecord | None:
        """The first meeting strictly after `now` (aware); never a past one."""
        upcoming = self.upcoming_meetings(citizen_id, now, limit=1)
        return upcoming[0] if upcoming else None

    def caseworker_for(self, citizen_id: str) -> CaseworkerRecord | None:
        """Caseworker of the newest open case, else of the newest case; None if none."""
        return self.database.run(_caseworker_for, citizen_id)

    # -- async API (same semantics, never blocks the event loop, bounded by the time limit) --
