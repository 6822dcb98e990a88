"""The stored state of a long conversation, so loading it does not read it whole.

Table `conversation_windows` (next to Rasa's `events`, in the conversation store at
TRACKER_STORE_URL): per conversation, the id of the stored event a window starts at (an
`action_listen`, a turn boundary) and the state at that point, as Rasa's serialised events (the
session start, one `slot` event per slot not at its initial value, the active form). Loading the
conversation is then that state plus the events from that id on (bot/rasa_plugins/tracker_store.py), however
long the conversation has grown; the events themselves stay complete in `events`.

Like `events` (which Rasa creates), this table belongs to the conversation store, not to the
case database's Alembic migrations: `prepare_window_table` creates it if it is missing. The
state holds slot values, which the tracker store masks like every event before they get here;
the purge (core/store/conversations/events.py) deletes a conversation's window with its events.

Must not: decide what the state is (bot/rasa_plugins/conversation_window.py does), or log its content.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, delete, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, ProgrammingError

WINDOWS = Table(
    "conversation_windows",
    MetaData(),
    Column("sender_id", String(255), primary_key=True),
    Column("from_event_id", Integer, nullable=False),
    Column("state", Text, nullable=False),
    Column("stored_at", Float, nullable=False),
)


@dataclass(frozen=True)
class StoredWindow:
    """Where a conversation's window starts (an `events` id) and the state before it."""

    from_event_id: int
    state: list[dict[str, Any]]


def prepare_window_table(engine: Any) -> None:
    """Create the table on the conversation store's engine if it is not there.

    Several Rasa processes may start at once on a new database: when another one created the
    table between the check and the CREATE, PostgreSQL refuses ours (a duplicate table or type),
    and the table is there, which is all this needs.
    """
    try:
        WINDOWS.create(engine, checkfirst=True)
    except (IntegrityError, ProgrammingError):
        if not inspect(engine).has_table(WINDOWS.name):
            raise


def _connection(session_or_connection: Any) -> Any:
    connection = getattr(session_or_connection, "connection", None)
    return connection() if callable(connection) else session_or_connection


def read_window(session: Any, sender_id: str) -> StoredWindow | None:
    """The stored window of one conversation, or None (none stored, or unreadable)."""
    row = (
        _connection(session)
        .execute(select(WINDOWS.c.from_event_id, WINDOWS.c.state).where(WINDOWS.c.sender_id == sender_id))
        .first()
    )
    if row is None:
        return None
    try:
        state = json.loads(row.state)
    except ValueError:
        return None
    if not isinstance(state, list) or not all(isinstance(e, dict) for e in state):
        return None
    return StoredWindow(int(row.from_event_id), state)


_UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def write_window(session: Any, sender_id: str, window: StoredWindow, stored_at: float) -> None:
    """Replace the conversation's window (in the caller's transaction).

    One statement (INSERT … ON CONFLICT DO UPDATE) on PostgreSQL and SQLite, so two processes
    saving the same conversation at once (no shared lock store configured) cannot collide on the
    key; the last one wins, and either state is a correct one.
    """
    connection = _connection(session)
    values = {
        "sender_id": sender_id,
        "from_event_id": window.from_event_id,
        "state": json.dumps(window.state),
        "stored_at": stored_at,
    }
    upsert = _UPSERTS.get(connection.dialect.name)
    if upsert is None:  # another database: replace it in two steps
        connection.execute(delete(WINDOWS).where(WINDOWS.c.sender_id == sender_id))
        connection.execute(WINDOWS.insert().values(**values))
        return
    statement = upsert(WINDOWS).values(**values)
    changed = {key: statement.excluded[key] for key in ("from_event_id", "state", "stored_at")}
    connection.execute(statement.on_conflict_do_update(index_elements=[WINDOWS.c.sender_id], set_=changed))


def delete_windows(connection: Any, sender_ids: Sequence[str]) -> int:
    """Forget the windows of these conversations (the purge); how many went."""
    connection = _connection(connection)
    if not sender_ids or not inspect(connection).has_table(WINDOWS.name):
        return 0
    deleted = 0
    for start in range(0, len(sender_ids), 500):
        chunk = list(sender_ids[start : start + 500])
        deleted += connection.execute(delete(WINDOWS).where(WINDOWS.c.sender_id.in_(chunk))).rowcount or 0
    return int(deleted)
