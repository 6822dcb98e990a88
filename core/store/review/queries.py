"""`ReviewQueries`: what the review app reads from the conversation index and the case data.

Owns who may see what, in SQL: an administrator sees every conversation; a caseworker sees
anonymous conversations and those of their own citizens: citizens with a case that is not closed
whose caseworker has the account's e-mail (`caseworkers.identity_key`). A conversation in which
more than one verified citizen wrote is shown to administrators only. Every query is built with
SQLAlchemy expressions (parameterised); the search uses PostgreSQL's Danish full-text vector
(`citizen_tsv`, stored and GIN-indexed, migration 0004) and a LIKE per word on SQLite.

Must not: write anything, or decide what to audit (the review app does, with `AuditLog`).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, exists, false, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from core.clock import LOCAL_TZ, require_aware
from core.conversation_events import FLAG_CRISIS, FLAG_HANDOFF, FLAG_NOTE, FLAG_UNSURE
from core.records import caseworker_identity_key
from core.review_records import (
    ConversationFilter,
    ConversationPage,
    ConversationRow,
    DayStats,
    Overview,
    Reader,
    SharedNoteView,
    UpcomingMeeting,
)
from core.store.cases.tables import Case, Caseworker, Citizen, Meeting, SharedNote
from core.store.database import Database
from core.store.review.tables import ReviewConversation, ReviewMark, ReviewMessage
from core.vocabulary import STATUS_AFSLUTTET

RC = ReviewConversation
MAX_SEARCH_WORDS = 8
_WORD = re.compile(r"[0-9A-Za-zÆØÅæøåÄÖÜäöüÉéÈèÁáÍíÓóÚú]+")


def search_words(query: str | None) -> list[str]:
    """The words of a search (letters and digits only), at most MAX_SEARCH_WORDS."""
    return _WORD.findall(query or "")[:MAX_SEARCH_WORDS]


def own_citizens(reader: Reader) -> Any:
    """SELECT of the citizen ids of a caseworker's open cases (empty without an e-mail)."""
    if not reader.email:
        return select(Case.citizen_id).where(false())
    key = caseworker_identity_key("", None, reader.email)
    return (
        select(Case.citizen_id)
        .join(Caseworker, Case.caseworker_id == Caseworker.id)
        .where(Caseworker.identity_key == key, Case.status != STATUS_AFSLUTTET)
    )


def visible_to(reader: Reader) -> ColumnElement[bool] | None:
    """The WHERE clause of the conversations `reader` may see (None: all)."""
    if reader.is_admin:
        return None
    anonymous = and_(RC.citizen_id.is_(None), RC.identity_mixed.is_(False))
    return or_(anonymous, RC.citizen_id.in_(own_citizens(reader)))


def note_shared() -> ColumnElement[bool]:
    """A preparation note the conversation's citizen shared during the conversation."""
    return exists().where(
        SharedNote.citizen_id == RC.citizen_id,
        SharedNote.consented_at >= RC.started_at,
        SharedNote.consented_at <= RC.last_event_at,
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def _search_clause(session: Session, words: list[str]) -> ColumnElement[bool]:
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = " & ".join(f"{word}:*" for word in words)  # words are letters and digits only
        return RC.citizen_tsv.op("@@")(func.to_tsquery("danish", query))
    clauses = []
    for word in words:
        clauses.append(RC.citizen_text.ilike(f"%{word}%"))
    return and_(*clauses)


def _filtered(session: Session, reader: Reader, wanted: ConversationFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    visibility = visible_to(reader)
    if visibility is not None:
        where.append(visibility)
    flag_columns = {FLAG_UNSURE: RC.flag_unsure, FLAG_HANDOFF: RC.flag_handoff, FLAG_CRISIS: RC.flag_crisis}
    for flag in sorted(wanted.flags):
        if flag == FLAG_NOTE:
            where.append(note_shared())
        elif flag in flag_columns:
            where.append(flag_columns[flag].is_(True))
    if wanted.channel:
        where.append(RC.channel == wanted.channel)
    if wanted.date_from:
        where.append(RC.started_at >= _day_start(wanted.date_from))
    if wanted.date_to:
        where.append(RC.started_at < _day_start(wanted.date_to + timedelta(days=1)))
    if wanted.identified is True:
        where.append(or_(RC.citizen_id.is_not(None), RC.identity_mixed.is_(True)))
    elif wanted.identified is False:
        where.append(and_(RC.citizen_id.is_(None), RC.identity_mixed.is_(False)))
    marked = exists().where(ReviewMark.conversation_id == RC.id)
    if wanted.reviewed is True:
        where.append(marked)
    elif wanted.reviewed is False:
        where.append(~marked)
    words = search_words(wanted.search)
    if words:
        where.append(_search_clause(session, words))
    return where


def _row(row: Any) -> ConversationRow:
    conversation = row[0]
    return ConversationRow(
        id=conversation.id,
        channel=conversation.channel,
        started_at=conversation.started_at,
        last_event_at=conversation.last_event_at,
        message_count=conversation.message_count,
        citizen_id=conversation.citizen_id,
        citizen_name=row.citizen_name,
        identity_mixed=bool(conversation.identity_mixed),
        unsure=bool(conversation.flag_unsure),
        handoff=bool(conversation.flag_handoff),
        crisis=bool(conversation.flag_crisis),
        note_shared=bool(row.note_shared),
        reviewed=bool(row.reviewed),
    )


def _columns() -> tuple[Any, ...]:
    return (
        RC,
        Citizen.name.label("citizen_name"),
        note_shared().label("note_shared"),
        exists().where(ReviewMark.conversation_id == RC.id).label("reviewed"),
    )


def _list(
    session: Session, reader: Reader, wanted: ConversationFilter, page: int, per_page: int
) -> ConversationPage:
    query = (
        select(*_columns())
        .outerjoin(Citizen, Citizen.id == RC.citizen_id)
        .where(*_filtered(session, reader, wanted))
        .order_by(RC.started_at.desc(), RC.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    )
    rows = [_row(row) for row in session.execute(query)]
    return ConversationPage(tuple(rows[:per_page]), page, per_page, has_next=len(rows) > per_page)


def _one(session: Session, reader: Reader, conversation_id: str) -> ConversationRow | None:
    where = [RC.id == conversation_id]
    visibility = visible_to(reader)
    if visibility is not None:
        where.append(visibility)
    row = session.execute(
        select(*_columns()).outerjoin(Citizen, Citizen.id == RC.citizen_id).where(*where)
    ).first()
    return None if row is None else _row(row)


def _exists(session: Session, conversation_id: str) -> bool:
    return session.get(RC, conversation_id) is not None


def _notes_during(session: Session, conversation_id: str) -> list[SharedNoteView]:
    conversation = session.get(RC, conversation_id)
    if conversation is None or conversation.citizen_id is None:
        return []
    rows = session.execute(
        select(SharedNote, Meeting)
        .join(Meeting, Meeting.id == SharedNote.meeting_id)
        .where(
            SharedNote.citizen_id == conversation.citizen_id,
            SharedNote.consented_at >= conversation.started_at,
            SharedNote.consented_at <= conversation.last_event_at,
        )
        .order_by(SharedNote.consented_at)
    )
    return [_note_view(note, meeting) for note, meeting in rows]


def _note_view(note: SharedNote, meeting: Meeting) -> SharedNoteView:
    return SharedNoteView(
        meeting_id=meeting.id,
        meeting_starts_at=meeting.starts_at,
        meeting_kind=meeting.kind,
        note_text=note.note_text,
        consented_at=note.consented_at,
        language=note.language or "da",
    )


def _upcoming(session: Session, reader: Reader, now: datetime, limit: int) -> list[UpcomingMeeting]:
    query = (
        select(Meeting, Citizen.name, SharedNote)
        .join(Citizen, Citizen.id == Meeting.citizen_id)
        .outerjoin(SharedNote, SharedNote.meeting_id == Meeting.id)
        .where(Meeting.starts_at > now)
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(limit)
    )
    if not reader.is_admin:
        query = query.where(Meeting.citizen_id.in_(own_citizens(reader)))
    return [
        UpcomingMeeting(
            citizen_id=meeting.citizen_id,
            citizen_name=name,
            meeting_id=meeting.id,
            kind=meeting.kind,
            starts_at=meeting.starts_at,
            location=meeting.location,
            online=bool(meeting.online),
            note=None if note is None else _note_view(note, meeting),
        )
        for meeting, name, note in session.execute(query)
    ]


def _overview(session: Session, first: date, last: date, top: int) -> Overview:
    start, end = _day_start(first), _day_start(last + timedelta(days=1))
    rows = session.execute(
        select(RC.started_at, RC.flag_unsure, RC.flag_handoff).where(
            RC.started_at >= start, RC.started_at < end
        )
    )
    counts: dict[date, list[int]] = {}
    for started_at, unsure, handoff in rows:
        day = started_at.astimezone(LOCAL_TZ).date()
        bucket = counts.setdefault(day, [0, 0, 0])
        bucket[0] += 1
        bucket[1] += int(bool(unsure))
        bucket[2] += int(bool(handoff))
    days = []
    day = first
    while day <= last:
        total, unsure_count, handoffs = counts.get(day, [0, 0, 0])
        days.append(DayStats(day, total, unsure_count, handoffs))
        day += timedelta(days=1)
    number = func.count().label("number")
    topic_rows = session.execute(
        select(ReviewMessage.topic, number)
        .where(ReviewMessage.sent_at >= start, ReviewMessage.sent_at < end, ReviewMessage.topic.is_not(None))
        .group_by(ReviewMessage.topic)
        .order_by(number.desc(), ReviewMessage.topic)
        .limit(top)
    )
    return Overview(tuple(days), tuple((str(topic), int(n)) for topic, n in topic_rows))


def _caseworker_phones(session: Session) -> frozenset[str]:
    rows = session.execute(select(Caseworker.phone).where(Caseworker.phone.is_not(None)))
    return frozenset(str(phone) for (phone,) in rows)


class ReviewQueries:
    """Read-only queries of the review app on the case database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def conversations(
        self, reader: Reader, wanted: ConversationFilter, page: int = 1, per_page: int = 50
    ) -> ConversationPage:
        """One page of the conversations `reader` may see, newest first."""
        return self.database.run(_list, reader, wanted, max(1, page), max(1, per_page))

    def conversation(self, reader: Reader, conversation_id: str) -> ConversationRow | None:
        """The conversation when `reader` may see it, else None (also when it does not exist)."""
        return self.database.run(_one, reader, conversation_id)

    def exists(self, conversation_id: str) -> bool:
        return self.database.run(_exists, conversation_id)

    def notes_during(self, conversation_id: str) -> list[SharedNoteView]:
        """The preparation notes the conversation's citizen shared during it."""
        return self.database.run(_notes_during, conversation_id)

    def upcoming_meetings(self, reader: Reader, now: datetime, limit: int = 200) -> list[UpcomingMeeting]:
        """The coming meetings of the reader's citizens (all for an administrator), with shared notes."""
        return self.database.run(_upcoming, reader, require_aware(now, "now"), limit)

    def caseworker_phones(self) -> frozenset[str]:
        """The caseworkers' work numbers (E.164): the assistant gives them to their citizens."""
        return self.database.run(_caseworker_phones)

    def overview(self, first: date, last: date, top: int = 10) -> Overview:
        """Conversations, unsure and hand-offs per Copenhagen day, and the most asked topics."""
        return self.database.run(_overview, first, last, top)
