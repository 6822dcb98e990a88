"""`ReviewWork`: what caseworkers add to a conversation: reviewed marks, comments, corrections.

A correction names the right topic for one misunderstood citizen message; its (masked) text is
copied from the conversation so that `python -m bot export-corrections` can write training data.
All of it belongs to the conversation and goes with it (ON DELETE CASCADE in the purge).

Must not: check who may do this (the review app asks `ReviewQueries.conversation` first).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.clock import require_aware
from core.review_records import Comment, Correction, ReviewState
from core.store.database import Database
from core.store.review.tables import ReviewComment, ReviewCorrection, ReviewMark

MAX_COMMENT_CHARS = 2000


def _state(session: Session, conversation_id: str) -> ReviewState:
    mark = session.get(ReviewMark, conversation_id)
    comments = session.execute(
        select(ReviewComment)
        .where(ReviewComment.conversation_id == conversation_id)
        .order_by(ReviewComment.created_at, ReviewComment.id)
    ).scalars()
    corrections = session.execute(
        select(ReviewCorrection)
        .where(ReviewCorrection.conversation_id == conversation_id)
        .order_by(ReviewCorrection.event_id)
    ).scalars()
    return ReviewState(
        reviewed_by=mark.username if mark else None,
        reviewed_at=mark.marked_at if mark else None,
        comments=tuple(Comment(c.username, c.created_at, c.text) for c in comments),
        corrections=tuple(_correction(c) for c in corrections),
    )


def _correction(row: ReviewCorrection) -> Correction:
    return Correction(row.event_id, row.message_text, row.predicted, row.topic, row.username, row.created_at)


def _mark(session: Session, conversation_id: str, username: str, now: datetime, reviewed: bool) -> None:
    row = session.get(ReviewMark, conversation_id)
    if not reviewed:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(ReviewMark(conversation_id=conversation_id, username=username, marked_at=now))


def _comment(session: Session, conversation_id: str, username: str, now: datetime, text: str) -> None:
    session.add(ReviewComment(conversation_id=conversation_id, username=username, created_at=now, text=text))


def _correct(
    session: Session,
    conversation_id: str,
    *,
    event_id: int,
    message_text: str,
    predicted: str | None,
    topic: str,
    username: str,
    now: datetime,
) -> None:
    session.execute(
        delete(ReviewCorrection).where(
            ReviewCorrection.conversation_id == conversation_id, ReviewCorrection.event_id == event_id
        )
    )
    session.add(
        ReviewCorrection(
            conversation_id=conversation_id,
            event_id=event_id,
            message_text=message_text,
            predicted=predicted,
            topic=topic,
            username=username,
            created_at=now,
        )
    )


def _all_corrections(session: Session) -> list[Correction]:
    rows = session.execute(
        select(ReviewCorrection).order_by(ReviewCorrection.topic, ReviewCorrection.id)
    ).scalars()
    return [_correction(row) for row in rows]


class ReviewWork:
    """Marks, comments and corrections in `database` (the case database)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def state(self, conversation_id: str) -> ReviewState:
        return self.database.run(_state, conversation_id)

    def mark(self, conversation_id: str, username: str, now: datetime, reviewed: bool = True) -> None:
        self.database.run(_mark, conversation_id, username, require_aware(now), reviewed)

    def comment(self, conversation_id: str, username: str, now: datetime, text: str) -> None:
        if not text.strip() or len(text) > MAX_COMMENT_CHARS:
            raise ValueError("comment must be 1-2000 characters")
        self.database.run(_comment, conversation_id, username, require_aware(now), text.strip())

    def correct(
        self,
        conversation_id: str,
        *,
        event_id: int,
        message_text: str,
        predicted: str | None,
        topic: str,
        username: str,
        now: datetime,
    ) -> None:
        """Store (or replace) the right topic for one citizen message."""
        moment = require_aware(now)
        self.database.run(
            lambda session: _correct(
                session,
                conversation_id,
                event_id=event_id,
                message_text=message_text,
                predicted=predicted,
                topic=topic,
                username=username,
                now=moment,
            )
        )

    def all_corrections(self) -> list[Correction]:
        return self.database.run(_all_corrections)
