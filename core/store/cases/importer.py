"""`CaseWriter`: the importer's writes, all in one transaction (all or nothing).

Owns the upsert of citizens, caseworkers, cases and meetings from validated records
(`bot.tools.case_file` builds them). Rows are matched by id; caseworkers by
`caseworker_identity_key` (e-mail, else name + phone). Nothing is deleted. Any database error
rolls everything back and raises `CaseImportFailed` (class name and dialect only).

Must not: validate the file (that is `bot.tools.case_file`) or read anything for the assistant.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Callable, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session

from core.clock import require_aware
from core.records import (
    ENTITIES,
    CaseworkerRecord,
    CitizenBundle,
    EntityCounts,
    caseworker_identity_key,
)
from core.settings import get_settings
from core.store.cases.tables import Case, Caseworker, Citizen, Meeting
from core.store.database import dialect_of
from core.store.engine import make_engine, session_scope
from core.store.errors import CaseImportFailed

logger = logging.getLogger(__name__)

T = TypeVar("T")


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
        session, Citizen, citizen.id, {"name": citizen.name, "phone": citizen.phone}, counts["citizens"]
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
        require_aware(meeting.starts_at, "starts_at")
        values = {
            "citizen_id": citizen.id,
            "kind": meeting.kind,
            "starts_at": meeting.starts_at,
            "location": meeting.location,
            "online": meeting.online,
            "participants": list(meeting.participants),
            "cancelled": meeting.cancelled,
        }
        _upsert_by_id(session, Meeting, meeting.id, values, counts["meetings"])


class CaseWriter:
    """Write access for the importer: upserts in one all-or-nothing transaction."""

    def __init__(self, url: str | None = None) -> None:
        self.url: str = url or get_settings().cases_db_url
        self.dialect: str = dialect_of(self.url)

    def _failed(self, exc: Exception) -> CaseImportFailed:
        orig = getattr(exc, "orig", None)
        reason = type(orig).__name__ if orig is not None else type(exc).__name__
        if isinstance(exc, IntegrityError):  # the same word on every backend (psycopg2: UniqueViolation)
            reason = "IntegrityError"
        logger.warning("Case import failed: %s (dialect=%s)", reason, self.dialect)
        return CaseImportFailed(reason, self.dialect)

    def _transaction(self, work: Callable[[Session], T]) -> T:
        engine = make_engine(self.url)
        try:
            with session_scope(engine) as session:
                return work(session)
        except (DBAPIError, PoolTimeoutError) as exc:
            raise self._failed(exc) from None
        finally:
            engine.dispose()

    def count_citizens(self) -> int:
        """How many citizens the database holds."""
        return self._transaction(
            lambda session: int(session.execute(select(func.count(Citizen.id))).scalar_one())
        )

    def citizen_ids(self) -> set[str]:
        """The ids of every citizen the database holds."""
        return self._transaction(lambda session: set(session.execute(select(Citizen.id)).scalars()))

    def upsert(self, bundles: Sequence[CitizenBundle]) -> dict[str, EntityCounts]:
        """Create or update everything in `bundles` in ONE transaction; counts per entity."""

        def work(session: Session) -> dict[str, EntityCounts]:
            counts = {name: EntityCounts() for name in ENTITIES}
            seen: dict[str, Caseworker] = {}
            for bundle in bundles:
                _upsert_bundle(session, bundle, seen, counts)
            session.flush()
            return counts

        return self._transaction(work)
