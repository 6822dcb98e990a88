"""The only module that queries the case database (the citizen's own case, meetings, caseworker).

Owns every SELECT and every write against the case tables and hands out plain frozen dataclasses,
never ORM objects. Reads go through `CaseRepository` (sync methods plus `a<name>` async
counterparts that run in a thread pool under `asyncio.wait_for`, so actions never block the event
loop); the importer writes through `CaseWriter.upsert`. Any database failure or timeout becomes
`CaseDataUnavailable` (or `CaseImportFailed` for writes) and is logged with the error class and
the database dialect only: never names, ids, phone numbers or SQL parameters.

Besides reads, `CaseRepository` makes the only writes the action server does: a preparation note
the citizen consented to share (`asave_shared_note`) and its withdrawal (`awithdraw_shared_notes`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Sequence, TypeVar

import phonenumbers
from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session

from actions.db import make_engine, session_scope
from actions.models import (
    CASE_KINDS,
    CASE_STATUSES,
    MEETING_KINDS,
    OPEN_STATUSES,
    STATUS_AFSLUTTET,
    Case,
    Caseworker,
    Citizen,
    Meeting,
    SharedNote,
)
from bot.settings import get_settings

__all__ = [
    "CASE_KINDS",
    "CASE_STATUSES",
    "MEETING_KINDS",
    "OPEN_STATUSES",
    "CaseDataError",
    "CaseDataUnavailable",
    "CaseImportFailed",
    "CitizenRecord",
    "CaseworkerRecord",
    "CaseRecord",
    "MeetingRecord",
    "SharedNoteRecord",
    "CitizenBundle",
    "EntityCounts",
    "ENTITIES",
    "CaseRepository",
    "CaseWriter",
    "get_repository",
    "reset_repository",
    "to_e164",
    "caseworker_identity_key",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The server-side limit (SQLite busy timeout, PostgreSQL statement_timeout) is a little longer
# than the asyncio timeout, so the async caller gives up first and the worker thread is freed
# shortly after by the server instead of hanging on a lock forever.
SERVER_GRACE_S = 1.0
EXECUTOR_WORKERS = 4
ENTITIES: tuple[str, ...] = ("citizens", "caseworkers", "cases", "meetings")


# --- Errors ---------------------------------------------------------------------------------
class CaseDataError(Exception):
    """Base class. `reason` is an exception class name, `dialect` the database dialect."""

    def __init__(self, message: str, reason: str, dialect: str) -> None:
        super().__init__(f"{message} ({reason}, dialect={dialect})")
        self.reason = reason
        self.dialect = dialect


class CaseDataUnavailable(CaseDataError):
    """The case database could not answer (down, unreachable, locked, too slow, no schema)."""

    def __init__(self, reason: str, dialect: str) -> None:
        super().__init__("case database unavailable", reason, dialect)


class CaseImportFailed(CaseDataError):
    """A write (import) failed and was rolled back as a whole."""

    def __init__(self, reason: str, dialect: str) -> None:
        super().__init__("case import failed and was rolled back", reason, dialect)


# --- Records (what callers get; never ORM objects) ------------------------------------------
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
    kind: str  # one of CASE_KINDS
    status: str  # one of CASE_STATUSES
    opened_on: date
    ends_on: date | None
    caseworker: CaseworkerRecord | None


@dataclass(frozen=True)
class MeetingRecord:
    id: str
    kind: str  # one of MEETING_KINDS
    starts_at: datetime  # timezone-aware, UTC
    location: str | None
    online: bool
    participants: tuple[str, ...]


@dataclass(frozen=True)
class SharedNoteRecord:
    """A note the citizen consented to share (also what `save_shared_note` stores)."""

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


@dataclass
class EntityCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


# --- Small helpers ---------------------------------------------------------------------------
def to_e164(raw: str, region: str = "DK") -> str | None:
    """Normalise a phone number to E.164 (`+4520123456`); None if it is not a valid number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def caseworker_identity_key(name: str, phone: str | None, email: str | None) -> str:
    """E-mail (case-insensitive) identifies a caseworker; without one, name + phone does."""
    if email:
        return "email:" + email.strip().casefold()
    return "name-phone:" + " ".join(name.split()).casefold() + "|" + (phone or "")


def _dialect_of(url: str) -> str:
    try:
        return make_url(url).get_backend_name()
    except ArgumentError:
        # The URL may hold a password: never echo it.
        raise ValueError("CASES_DB_URL is not a valid SQLAlchemy URL") from None


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be a timezone-aware datetime")


def _caseworker_record(row: Caseworker | None) -> CaseworkerRecord | None:
    if row is None:
        return None
    return CaseworkerRecord(name=row.name, phone=row.phone, email=row.email)


def _citizen_record(row: Citizen | None) -> CitizenRecord | None:
    if row is None:
        return None
    return CitizenRecord(id=row.id, name=row.name, phone=row.phone)


def _case_record(row: Case) -> CaseRecord:
    return CaseRecord(
        id=row.id,
        kind=row.kind,
        status=row.status,
        opened_on=row.opened_on,
        ends_on=row.ends_on,
        caseworker=_caseworker_record(row.caseworker),
    )


def _meeting_record(row: Meeting) -> MeetingRecord:
    return MeetingRecord(
        id=row.id,
        kind=row.kind,
        starts_at=row.starts_at,
        location=row.location,
        online=bool(row.online),
        participants=tuple(str(p) for p in (row.participants or ())),
    )


# --- Read queries (one function per lookup; each runs inside one session) --------------------
def _q_get_citizen(session: Session, citizen_id: str) -> CitizenRecord | None:
    return _citizen_record(session.get(Citizen, citizen_id))


def _q_citizen_by_phone(session: Session, e164: str) -> CitizenRecord | None:
    row = session.execute(select(Citizen).where(Citizen.phone == e164)).scalar_one_or_none()
    return _citizen_record(row)


def _q_cases_for(session: Session, citizen_id: str) -> list[CaseRecord]:
    rows = session.execute(
        select(Case).where(Case.citizen_id == citizen_id).order_by(Case.opened_on.desc(), Case.id.desc())
    ).scalars()
    return [_case_record(row) for row in rows]


def _q_upcoming(session: Session, citizen_id: str, now: datetime, limit: int) -> list[MeetingRecord]:
    rows = session.execute(
        select(Meeting)
        .where(Meeting.citizen_id == citizen_id, Meeting.starts_at > now)
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(limit)
    ).scalars()
    return [_meeting_record(row) for row in rows]


def _q_caseworker_for(session: Session, citizen_id: str) -> CaseworkerRecord | None:
    closed_last = sql_case((Case.status == STATUS_AFSLUTTET, 1), else_=0)
    row = session.execute(
        select(Case)
        .where(Case.citizen_id == citizen_id)
        .order_by(closed_last, Case.opened_on.desc(), Case.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return None if row is None else _caseworker_record(row.caseworker)


def _q_shared_notes_for(session: Session, citizen_id: str) -> list[SharedNoteRecord]:
    rows = session.execute(
        select(SharedNote).where(SharedNote.citizen_id == citizen_id).order_by(SharedNote.consented_at)
    ).scalars()
    return [
        SharedNoteRecord(
            meeting_id=row.meeting_id,
            answers=dict(row.answers or {}),
            note_text=row.note_text,
            consented_at=row.consented_at,
        )
        for row in rows
    ]


def _q_save_shared_note(session: Session, citizen_id: str, note: SharedNoteRecord) -> bool:
    meeting = session.get(Meeting, note.meeting_id)
    if meeting is None or meeting.citizen_id != citizen_id or meeting.starts_at <= note.consented_at:
        return False
    row = session.execute(
        select(SharedNote).where(SharedNote.meeting_id == note.meeting_id)
    ).scalar_one_or_none()
    if row is None:
        row = SharedNote(citizen_id=citizen_id, meeting_id=note.meeting_id)
        session.add(row)
    row.answers = dict(note.answers)
    row.note_text = note.note_text
    row.consented_at = note.consented_at
    return True


def _q_withdraw_shared_notes(session: Session, citizen_id: str, now: datetime) -> tuple[int, int]:
    rows = session.execute(
        select(SharedNote, Meeting.starts_at)
        .join(Meeting, Meeting.id == SharedNote.meeting_id)
        .where(SharedNote.citizen_id == citizen_id)
    ).all()
    deleted = kept = 0
    for note, starts_at in rows:
        if starts_at > now:
            session.delete(note)
            deleted += 1
        else:
            kept += 1
    return deleted, kept


class CaseRepository:
    """Read access to the case database.

    `url` defaults to `CASES_DB_URL` and `timeout_s` to `CASES_DB_TIMEOUT` (bot.settings). The
    engine is created lazily on first use; one instance is meant to live for the whole process
    (see `get_repository()`). Every method raises `CaseDataUnavailable` when the database
    cannot answer; the async methods also when it takes longer than `timeout_s`.
    """

    def __init__(self, url: str | None = None, timeout_s: float | None = None) -> None:
        settings = get_settings()
        self.url: str = url or settings.cases_db_url
        self.timeout_s: float = float(timeout_s if timeout_s is not None else settings.cases_db_timeout_s)
        self.dialect: str = _dialect_of(self.url)
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._executor: ThreadPoolExecutor | None = None

    def __repr__(self) -> str:  # no URL: it may carry a password
        return f"CaseRepository(dialect={self.dialect!r}, timeout_s={self.timeout_s})"

    # -- plumbing --
    def _get_engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = make_engine(self.url, timeout_s=self.timeout_s + SERVER_GRACE_S)
            return self._engine

    def _get_executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=EXECUTOR_WORKERS, thread_name_prefix="case-db"
                )
            return self._executor

    def _unavailable(self, reason: str) -> CaseDataUnavailable:
        logger.warning("Case database unavailable: %s (dialect=%s)", reason, self.dialect)
        return CaseDataUnavailable(reason, self.dialect)

    def _read(self, query: Callable[..., T], *args: Any) -> T:
        try:
            with session_scope(self._get_engine()) as session:
                return query(session, *args)
        except (DBAPIError, PoolTimeoutError) as exc:
            # `from None`: the original message holds SQL parameters (personal data).
            raise self._unavailable(type(exc).__name__) from None

    async def _in_thread(self, method: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._get_executor(), functools.partial(method, *args))
        try:
            return await asyncio.wait_for(future, timeout=self.timeout_s)
        except asyncio.TimeoutError:
            raise self._unavailable("TimeoutError") from None

    def close(self) -> None:
        """Dispose the connection pool and stop the worker threads (tests, shutdown)."""
        with self._lock:
            engine, self._engine = self._engine, None
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        if engine is not None:
            engine.dispose()

    # -- sync API --
    def get_citizen(self, citizen_id: str) -> CitizenRecord | None:
        """The citizen with this id, or None."""
        return self._read(_q_get_citizen, citizen_id)

    def find_citizen_by_phone(self, e164: str) -> CitizenRecord | None:
        """The citizen with this phone number (normalised to E.164, region DK), or None."""
        normalised = to_e164(e164)
        if normalised is None:
            return None
        return self._read(_q_citizen_by_phone, normalised)

    def cases_for(self, citizen_id: str) -> list[CaseRecord]:
        """All the citizen's cases, newest (latest `opened_on`) first."""
        return self._read(_q_cases_for, citizen_id)

    def upcoming_meetings(self, citizen_id: str, now: datetime, limit: int = 10) -> list[MeetingRecord]:
        """Meetings with `starts_at > now` (aware), soonest first, at most `limit`."""
        _require_aware(now)
        return self._read(_q_upcoming, citizen_id, now, limit)

    def next_meeting(self, citizen_id: str, now: datetime) -> MeetingRecord | None:
        """The first meeting strictly after `now` (aware); never a past one."""
        upcoming = self.upcoming_meetings(citizen_id, now, limit=1)
        return upcoming[0] if upcoming else None

    def caseworker_for(self, citizen_id: str) -> CaseworkerRecord | None:
        """Caseworker of the newest open case, else of the newest case; None if none."""
        return self._read(_q_caseworker_for, citizen_id)

    def shared_notes_for(self, citizen_id: str) -> list[SharedNoteRecord]:
        """The notes this citizen has shared, oldest consent first."""
        return self._read(_q_shared_notes_for, citizen_id)

    def save_shared_note(self, citizen_id: str, note: SharedNoteRecord) -> bool:
        """Store (or replace) the citizen's note for one of THEIR meetings that has not started.

        Returns False, storing nothing, when the meeting is not the citizen's or has started
        by `note.consented_at`.
        """
        _require_aware(note.consented_at)
        return self._read(_q_save_shared_note, citizen_id, note)

    def withdraw_shared_notes(self, citizen_id: str, now: datetime) -> tuple[int, int]:
        """Delete the citizen's notes for meetings after `now`: (deleted, kept for past meetings)."""
        _require_aware(now)
        return self._read(_q_withdraw_shared_notes, citizen_id, now)

    # -- async API (same semantics, never blocks the event loop, bounded by timeout_s) --
    async def aget_citizen(self, citizen_id: str) -> CitizenRecord | None:
        return await self._in_thread(self.get_citizen, citizen_id)

    async def afind_citizen_by_phone(self, e164: str) -> CitizenRecord | None:
        return await self._in_thread(self.find_citizen_by_phone, e164)

    async def acases_for(self, citizen_id: str) -> list[CaseRecord]:
        return await self._in_thread(self.cases_for, citizen_id)

    async def aupcoming_meetings(
        self, citizen_id: str, now: datetime, limit: int = 10
    ) -> list[MeetingRecord]:
        return await self._in_thread(self.upcoming_meetings, citizen_id, now, limit)

    async def anext_meeting(self, citizen_id: str, now: datetime) -> MeetingRecord | None:
        return await self._in_thread(self.next_meeting, citizen_id, now)

    async def acaseworker_for(self, citizen_id: str) -> CaseworkerRecord | None:
        return await self._in_thread(self.caseworker_for, citizen_id)


    async def ashared_notes_for(self, citizen_id: str) -> list[SharedNoteRecord]:
        return await self._in_thread(self.shared_notes_for, citizen_id)

    async def asave_shared_note(self, citizen_id: str, note: SharedNoteRecord) -> bool:
        return await self._in_thread(self.save_shared_note, citizen_id, note)

    async def awithdraw_shared_notes(self, citizen_id: str, now: datetime) -> tuple[int, int]:
        return await self._in_thread(self.withdraw_shared_notes, citizen_id, now)

_process_wide: dict[str, CaseRepository] = {}
_process_wide_lock = threading.Lock()


def get_repository() -> CaseRepository:
    """The process-wide repository, built from `bot.settings` on first use."""
    with _process_wide_lock:
        if "repository" not in _process_wide:
            _process_wide["repository"] = CaseRepository()
        return _process_wide["repository"]


def reset_repository() -> None:
    """Close and forget the process-wide repository (after settings change, in tests)."""
    with _process_wide_lock:
        repository = _process_wide.pop("repository", None)
    if repository is not None:
        repository.close()


# --- Writes (used by the importer; one transaction for everything) ---------------------------
def _apply(row: Any, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def _upsert_by_id(
    session: Session, model: Any, row_id: str, values: dict[str, Any], counts: EntityCounts
) -> None:
    row = session.get(model, row_id)
    if row is None:
        session.add(model(id=row_id, **values))
        counts.created += 1
    elif _apply(row, values):
        counts.updated += 1
    else:
        counts.unchanged += 1


def _upsert_caseworker(
    session: Session,
    record: CaseworkerRecord,
    seen: dict[str, Caseworker],
    counts: EntityCounts,
) -> Caseworker:
    key = caseworker_identity_key(record.name, record.phone, record.email)
    if key in seen:
        return seen[key]
    values = {"name": record.name, "phone": record.phone, "email": record.email}
    row = session.execute(select(Caseworker).where(Caseworker.identity_key == key)).scalar_one_or_none()
    if row is None:
        row = Caseworker(identity_key=key, **values)
        session.add(row)
        session.flush()  # assigns row.id for the cases that point at it
        counts.created += 1
    elif _apply(row, values):
        counts.updated += 1
    else:
        counts.unchanged += 1
    seen[key] = row
    return row


def _upsert_bundle(
    session: Session,
    bundle: CitizenBundle,
    seen: dict[str, Caseworker],
    counts: dict[str, EntityCounts],
) -> None:
    citizen = bundle.citizen
    _upsert_by_id(
        session,
        Citizen,
        citizen.id,
        {"name": citizen.name, "phone": citizen.phone},
        counts["citizens"],
    )
    for case in bundle.cases:
        worker = None
        if case.caseworker is not None:
            worker = _upsert_caseworker(session, case.caseworker, seen, counts["caseworkers"])
        values = {
            "citizen_id": citizen.id,
            "kind": case.kind,
            "status": case.status,
            "opened_on": case.opened_on,
            "ends_on": case.ends_on,
            "caseworker_id": None if worker is None else worker.id,
        }
        _upsert_by_id(session, Case, case.id, values, counts["cases"])
    for meeting in bundle.meetings:
        _require_aware(meeting.starts_at)
        values = {
            "citizen_id": citizen.id,
            "kind": meeting.kind,
            "starts_at": meeting.starts_at,
            "location": meeting.location,
            "online": meeting.online,
            "participants": list(meeting.participants),
        }
        _upsert_by_id(session, Meeting, meeting.id, values, counts["meetings"])


class CaseWriter:
    """Write access for the importer: upserts in one all-or-nothing transaction."""

    def __init__(self, url: str | None = None) -> None:
        self.url: str = url or get_settings().cases_db_url
        self.dialect: str = _dialect_of(self.url)

    def _failed(self, exc: DBAPIError) -> CaseImportFailed:
        reason = type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__
        logger.warning("Case import failed: %s (dialect=%s)", reason, self.dialect)
        return CaseImportFailed(reason, self.dialect)

    def _transaction(self, work: Callable[[Session], T]) -> T:
        engine = make_engine(self.url)
        try:
            with session_scope(engine) as session:
                return work(session)
        except (DBAPIError, PoolTimeoutError) as exc:
            if isinstance(exc, DBAPIError):
                raise self._failed(exc) from None
            raise CaseImportFailed(type(exc).__name__, self.dialect) from None
        finally:
            engine.dispose()

    def count_citizens(self) -> int:
        """How many citizens the database holds."""
        return self._transaction(
            lambda session: int(session.execute(select(func.count(Citizen.id))).scalar_one())
        )

    def upsert(self, bundles: Sequence[CitizenBundle]) -> dict[str, EntityCounts]:
        """Create or update everything in `bundles` in ONE transaction; counts per entity.

        Rows are matched by id (citizens, cases, meetings) and caseworkers by
        `caseworker_identity_key`. Nothing is deleted. Any database error rolls back all of it
        and raises `CaseImportFailed`.
        """

        def work(session: Session) -> dict[str, EntityCounts]:
            counts = {name: EntityCounts() for name in ENTITIES}
            seen: dict[str, Caseworker] = {}
            for bundle in bundles:
                _upsert_bundle(session, bundle, seen, counts)
            session.flush()
            return counts

        return self._transaction(work)
