"""`ConversationIndexer`: keeps the review app's conversation index in step with Rasa's events.

The index (`review_conversations`, one row per conversation, and `review_messages`, one row per
citizen message with its predicted topic) is derived from Rasa's `events` table: it is what
makes the list, its filters, the search and the overview fast. `catch_up()` reads the events
added since the last run (`review_index_state`) window by window (WINDOW_EVENTS ids along the
primary key, with an overlap of OVERLAP_EVENTS ids because PostgreSQL may commit ids out of
order), and rebuilds the summary of every conversation whose newest event changed
(`core.conversation_events.summarise`) from all its events. New conversations are written in
bulk. It is idempotent; on PostgreSQL one process at a time runs it (an advisory lock), the
others skip. The review app runs it before each list, and `python -m bot reindex` runs it until
it has read everything.

Must not: write Rasa's events, or store any citizen text but the masked `citizen_text` for search.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select, text
from sqlalchemy.orm import Session

from core.conversation_events import ConversationSummary, StoredEvent, summarise
from core.store.conversations.events import ConversationReader
from core.store.database import Database
from core.store.review.tables import ReviewConversation, ReviewIndexState, ReviewMessage

logger = logging.getLogger(__name__)

STATE_NAME = "events"
OVERLAP_EVENTS = 200
WINDOW_EVENTS = 5000
BATCH_CONVERSATIONS = 500
ADVISORY_LOCK_KEY = 712_012  # any fixed number; only this key is used


def _known(session: Session, ids: list[str]) -> dict[str, int]:
    if not ids:
        return {}
    rows = session.execute(
        select(ReviewConversation.id, ReviewConversation.last_event_id).where(ReviewConversation.id.in_(ids))
    )
    return {row.id: int(row.last_event_id) for row in rows}


def _watermark(session: Session) -> int:
    state = session.get(ReviewIndexState, STATE_NAME)
    return int(state.last_event_id) if state else 0


def _set_watermark(session: Session, value: int) -> None:
    state = session.get(ReviewIndexState, STATE_NAME)
    if state is None:
        session.add(ReviewIndexState(name=STATE_NAME, last_event_id=value))
    elif value > state.last_event_id:
        state.last_event_id = value


def write_summary(session: Session, summary: ConversationSummary) -> None:
    """Insert or replace one conversation's index row and its citizen messages."""
    row = session.get(ReviewConversation, summary.conversation_id)
    if summary.started_at is None or summary.last_event_at is None:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        row = ReviewConversation(id=summary.conversation_id)
        session.add(row)
    row.channel = summary.channel
    row.started_at = summary.started_at
    row.last_event_at = summary.last_event_at
    row.last_event_id = summary.last_event_id
    row.message_count = summary.message_count
    row.citizen_id = summary.citizen_id
    row.identity_mixed = summary.identity_mixed
    row.flag_unsure = summary.unsure
    row.flag_handoff = summary.handoff
    row.flag_crisis = summary.crisis
    row.citizen_text = summary.citizen_text
    session.flush()
    session.execute(delete(ReviewMessage).where(ReviewMessage.conversation_id == summary.conversation_id))
    session.add_all(
        ReviewMessage(
            conversation_id=summary.conversation_id,
            event_id=message.event_id,
            sent_at=message.sent_at,
            topic=(message.topic or "")[:120] or None,
            confidence=message.confidence,
        )
        for message in summary.citizen_messages
    )


def _row_values(summary: ConversationSummary) -> dict[str, Any]:
    return {
        "id": summary.conversation_id,
        "channel": summary.channel,
        "started_at": summary.started_at,
        "last_event_at": summary.last_event_at,
        "last_event_id": summary.last_event_id,
        "message_count": summary.message_count,
        "citizen_id": summary.citizen_id,
        "identity_mixed": summary.identity_mixed,
        "flag_unsure": summary.unsure,
        "flag_handoff": summary.handoff,
        "flag_crisis": summary.crisis,
        "citizen_text": summary.citizen_text,
    }


def insert_new(session: Session, summaries: list[ConversationSummary]) -> None:
    """Bulk-insert conversations that are not in the index yet (the first indexing of a store)."""
    rows = [_row_values(s) for s in summaries if s.started_at is not None and s.last_event_at is not None]
    if not rows:
        return
    session.execute(insert(ReviewConversation), rows)
    messages = [
        {
            "conversation_id": s.conversation_id,
            "event_id": m.event_id,
            "sent_at": m.sent_at,
            "topic": (m.topic or "")[:120] or None,
            "confidence": m.confidence,
        }
        for s in summaries
        if s.started_at is not None
        for m in s.citizen_messages
    ]
    if messages:
        session.execute(insert(ReviewMessage), messages)


class ConversationIndexer:
    """Index the conversations of `reader` into `database` (the case database)."""

    def __init__(self, reader: ConversationReader, database: Database) -> None:
        self.reader = reader
        self.database = database

    def rebuild(self, conversation_ids: Iterable[str]) -> int:
        """Re-summarise these conversations now (after the purge trimmed them); how many."""
        ids = list(dict.fromkeys(conversation_ids))
        for start in range(0, len(ids), BATCH_CONVERSATIONS):
            chunk = ids[start : start + BATCH_CONVERSATIONS]
            events = self.reader.events_for_many(chunk)
            self.database.run(self._write_many, events)
        return len(ids)

    @staticmethod
    def _write_many(session: Session, events: dict[str, list[StoredEvent]]) -> None:
        for conversation_id, stored in events.items():
            write_summary(session, summarise(conversation_id, stored))

    def catch_up(self, max_batches: int = 4) -> int:
        """Index what Rasa stored since the last run (at most `max_batches` batches); how many."""
        done = 0
        for _ in range(max_batches):
            indexed, more = self.database.run(self._one_batch)
            done += indexed
            if not more:
                break
        return done

    def catch_up_all(self) -> int:
        """Index everything not yet indexed (`python -m bot reindex`)."""
        done = 0
        while True:
            indexed, more = self.database.run(self._one_batch)
            done += indexed
            if not more:
                return done

    def _one_batch(self, session: Session) -> tuple[int, bool]:
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            lock = text("SELECT pg_try_advisory_xact_lock(:key)")
            if not session.execute(lock, {"key": ADVISORY_LOCK_KEY}).scalar():
                return 0, False  # another process is indexing right now
        watermark = _watermark(session)
        window = self.reader.next_events(max(0, watermark - OVERLAP_EVENTS), WINDOW_EVENTS)
        if not window:
            return 0, False
        newest: dict[str, int] = {}
        for event_id, conversation_id in window:
            newest[conversation_id] = max(event_id, newest.get(conversation_id, 0))
        known = _known(session, list(newest))
        todo = [cid for cid, last in newest.items() if known.get(cid) != last]
        for start in range(0, len(todo), BATCH_CONVERSATIONS):
            chunk = todo[start : start + BATCH_CONVERSATIONS]
            events = self.reader.events_for_many(chunk)
            summaries = [summarise(cid, events.get(cid, [])) for cid in chunk]
            insert_new(session, [s for s in summaries if s.conversation_id not in known])
            for summary in summaries:
                if summary.conversation_id in known:
                    write_summary(session, summary)
        last = window[-1][0]
        _set_watermark(session, last)
        return len(todo), len(window) == WINDOW_EVENTS and last > watermark
