"""`AuditLog`: who looked at what, when and from where, in the review app. Append-only.

Every view of a conversation, every list and search, every export and every change of accounts
is appended here with the citizens whose data it showed (`review_audit_subjects`), so a citizen
can be told who has read their conversations (`python -m bot audit-export --citizen ID`). This
module only appends and reads; the database refuses UPDATE and any DELETE but the purge's
(triggers, migration 0004), so the log cannot be edited from the app.

Must not: update or delete an entry (only `core.store.conversations.retention` deletes, with its permit).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import require_aware
from core.review_records import AuditEntry
from core.store.database import Database
from core.store.review.tables import ReviewAudit, ReviewAuditSubject

MAX_DETAIL_CHARS = 2000
EXPORT_BATCH = 1000


def _append(
    session: Session,
    at: datetime,
    *,
    username: str,
    role: str,
    action: str,
    conversation_id: str | None,
    detail: str,
    client: str,
    citizen_ids: tuple[str, ...],
) -> int:
    row = ReviewAudit(
        at=at,
        username=username[:64],
        role=role[:20],
        action=action[:40],
        conversation_id=conversation_id[:255] if conversation_id else None,
        detail=detail[:MAX_DETAIL_CHARS],
        client=client[:100],
    )
    session.add(row)
    session.flush()
    session.add_all(ReviewAuditSubject(audit_id=row.id, citizen_id=c[:64]) for c in sorted(set(citizen_ids)))
    return int(row.id)


def _entries(
    session: Session,
    citizen_id: str | None,
    since: datetime | None,
    *,
    after_id: int,
    limit: int,
    newest_first: bool,
) -> list[AuditEntry]:
    query = select(ReviewAudit)
    if citizen_id is not None:
        query = query.where(
            ReviewAudit.id.in_(
                select(ReviewAuditSubject.audit_id).where(ReviewAuditSubject.citizen_id == citizen_id)
            )
        )
    if since is not None:
        query = query.where(ReviewAudit.at >= since)
    if newest_first:
        query = query.order_by(ReviewAudit.id.desc()).offset(after_id)
    else:
        query = query.where(ReviewAudit.id > after_id).order_by(ReviewAudit.id)
    rows = list(session.execute(query.limit(limit)).scalars())
    subjects: dict[int, list[str]] = {}
    if rows:
        for audit_id, citizen in session.execute(
            select(ReviewAuditSubject.audit_id, ReviewAuditSubject.citizen_id).where(
                ReviewAuditSubject.audit_id.in_([row.id for row in rows])
            )
        ):
            subjects.setdefault(int(audit_id), []).append(citizen)
    return [
        AuditEntry(
            id=int(row.id),
            at=row.at,
            username=row.username,
            role=row.role,
            action=row.action,
            conversation_id=row.conversation_id,
            detail=row.detail,
            client=row.client,
            # Asked for one citizen: name only that citizen (the others are not theirs to see).
            citizen_ids=(citizen_id,)
            if citizen_id is not None
            else tuple(sorted(subjects.get(int(row.id), []))),
        )
        for row in rows
    ]


class AuditLog:
    """The audit log in `database` (the case database)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def append(
        self,
        at: datetime,
        username: str,
        role: str,
        action: str,
        *,
        conversation_id: str | None = None,
        detail: str = "",
        client: str = "",
        citizen_ids: Iterable[str] = (),
    ) -> int:
        """Append one entry (and the citizens it concerns); its id."""
        moment = require_aware(at, "at")
        citizens = tuple(c for c in citizen_ids if c)
        return self.database.run(
            lambda session: _append(
                session,
                moment,
                username=username,
                role=role,
                action=action,
                conversation_id=conversation_id,
                detail=detail,
                client=client,
                citizen_ids=citizens,
            )
        )

    def page(self, offset: int, limit: int, citizen_id: str | None = None) -> list[AuditEntry]:
        """Newest first, for the administrators' page."""
        return self.database.run(
            lambda session: _entries(
                session, citizen_id, None, after_id=max(0, offset), limit=limit, newest_first=True
            )
        )

    def export(self, citizen_id: str | None = None, since: datetime | None = None) -> Iterator[AuditEntry]:
        """Every matching entry, oldest first, read in batches (for CSV)."""
        after = 0
        while True:
            batch = self.database.run(
                lambda session, after=after: _entries(
                    session, citizen_id, since, after_id=after, limit=EXPORT_BATCH, newest_first=False
                )
            )
            if not batch:
                return
            yield from batch
            after = batch[-1].id
