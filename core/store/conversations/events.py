"""`ConversationReader`: reading (and, for the purge, deleting) Rasa's stored conversations.

Rasa's SQL tracker store owns the `events` table (it creates it and decides its columns: id,
sender_id, type_name, timestamp, intent_name, action_name, data). This module declares the columns
it reads as a plain Table of its own metadata, so the table is never migrated or created here.
A conversation is all events of one sender id (Rasa's conversation id), in id order.

The purge also deletes the conversations' stored windows (core/store/conversations/windows.py).

Also owns `prepare_conversation_database(url)`: the folder of a SQLite file, and WAL mode so the
review app can read while Rasa writes; `resilient_engine(url)`, the tracker store's engine with
pre-ping; and `database_unavailable(error)`, which of SQLAlchemy's errors mean "not reachable".

Must not: change an event (the tracker store writes them), or log an event's data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, delete, func, inspect, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import sessionmaker

from core.conversation_events import StoredEvent
from core.settings import get_settings
from core.store.conversations.windows import delete_windows
from core.store.database import Database
from core.store.engine import make_engine, sqlite_file

EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


def resilient_engine(url: str) -> tuple[Any, Any]:
    """An engine and session factory for Rasa's tracker store that survive a database restart.

    Rasa's own engine has no pre-ping: after PostgreSQL restarts, each pooled connection fails
    once. This one (core.store.engine.make_engine) tests a connection before it is used.
    """
    engine = make_engine(url, create_dirs=True)
    return engine, sessionmaker(bind=engine)


def database_unavailable(error: BaseException) -> bool:
    """True when `error` says the database could not be reached or dropped the connection."""
    return isinstance(error, (OperationalError, InterfaceError, DisconnectionError, PoolTimeout))


def prepare_conversation_database(url: str) -> None:
    """Create a SQLite file's folder and switch it to WAL (readers do not block Rasa's writes)."""
    sa_url = make_url(url)
    if sa_url.get_backend_name() != "sqlite":
        return
    path = sqlite_file(sa_url)
    if path is None:
        return
    engine = make_engine(url, create_dirs=True)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
    finally:
        engine.dispose()


def _decode(row: Any) -> StoredEvent:
    try:
        data = json.loads(row.data) if row.data else {}
    except ValueError:
        data = {}
    return StoredEvent(
        id=int(row.id), type_name=str(row.type_name), data=data if isinstance(data, dict) else {}
    )


class ConversationReader:
    """Rasa's events at `database` (default: TRACKER_STORE_URL)."""

    def __init__(self, database: Database | None = None) -> None:
        self.database = database or Database(get_settings().tracker_store_url)

    def _has_events(self, connection: Connection) -> bool:
        return inspect(connection).has_table("events")

    def _with_connection(self, work: Any, *args: Any, default: Any = None) -> Any:
        def run(session: Any) -> Any:
            connection = session.connection()
            if not self._has_events(connection):  # Rasa has not stored anything yet
                return default
            return work(connection, *args)

        return self.database.run(run)

    # --- reading ---------------------------------------------------------------------------------
    def events_for(self, conversation_id: str) -> list[StoredEvent]:
        """Every stored event of one conversation, in order."""

        def work(connection: Connection) -> list[StoredEvent]:
            rows = connection.execute(
                select(EVENTS.c.id, EVENTS.c.type_name, EVENTS.c.data)
                .where(EVENTS.c.sender_id == conversation_id)
                .order_by(EVENTS.c.id)
            )
            return [_decode(row) for row in rows]

        return self._with_connection(work, default=[])

    def events_for_many(self, conversation_ids: Sequence[str]) -> dict[str, list[StoredEvent]]:
        """Every stored event of several conversations (for the indexer), each in order."""

        def work(connection: Connection) -> dict[str, list[StoredEvent]]:
            found: dict[str, list[StoredEvent]] = {cid: [] for cid in conversation_ids}
            rows = connection.execute(
                select(EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.data)
                .where(EVENTS.c.sender_id.in_(list(conversation_ids)))
                .order_by(EVENTS.c.id)
            )
            for row in rows:
                found[row.sender_id].append(_decode(row))
            return found

        if not conversation_ids:
            return {}
        return self._with_connection(work, default={cid: [] for cid in conversation_ids})

    def next_events(self, after: int, limit: int) -> list[tuple[int, str]]:
        """(event id, conversation id) of the next `limit` events after `after`, in id order.

        Walks the primary key, so reading the next window costs the same however many events
        there are (the indexer reads Rasa's events window by window).
        """

        def work(connection: Connection) -> list[tuple[int, str]]:
            rows = connection.execute(
                select(EVENTS.c.id, EVENTS.c.sender_id)
                .where(EVENTS.c.id > after)
                .order_by(EVENTS.c.id)
                .limit(limit)
            )
            return [(int(row.id), str(row.sender_id)) for row in rows]

        return self._with_connection(work, default=[])

    def newest_event_id(self) -> int:
        def work(connection: Connection) -> int:
            return int(connection.execute(select(func.max(EVENTS.c.id))).scalar() or 0)

        return self._with_connection(work, default=0)

    def conversation_ids(self) -> list[str]:
        def work(connection: Connection) -> list[str]:
            return [row[0] for row in connection.execute(select(EVENTS.c.sender_id).distinct())]

        return self._with_connection(work, default=[])

    def scan_data(self, batch: int = 1000) -> Iterator[tuple[int, str]]:
        """(id, raw JSON) of every stored event, in id order (for the privacy scan)."""
        last = 0
        while True:
            rows: list[tuple[int, str]] = self._with_connection(self._page, last, batch, default=[])
            if not rows:
                return
            yield from rows
            last = rows[-1][0]

    @staticmethod
    def _page(connection: Connection, after: int, batch: int) -> list[tuple[int, str]]:
        rows = connection.execute(
            select(EVENTS.c.id, EVENTS.c.data).where(EVENTS.c.id > after).order_by(EVENTS.c.id).limit(batch)
        )
        return [(int(row.id), str(row.data or "")) for row in rows]

    # --- the purge -------------------------------------------------------------------------------
    def delete_before(self, timestamp: float) -> tuple[int, list[str]]:
        """Delete every event older than `timestamp` (seconds since the epoch).

        Returns how many events went and which conversations lost events.
        """

        def work(connection: Connection) -> tuple[int, list[str]]:
            old = EVENTS.c.timestamp < timestamp
            touched = [row[0] for row in connection.execute(select(EVENTS.c.sender_id).where(old).distinct())]
            deleted = connection.execute(delete(EVENTS).where(old)).rowcount or 0
            delete_windows(connection, touched)  # their stored state may come from deleted events
            return int(deleted), touched

        return self._with_connection(work, default=(0, []))

    def delete_conversation(self, conversation_id: str) -> int:
        """Delete every event of one conversation; how many went."""

        def work(connection: Connection) -> int:
            delete_windows(connection, [conversation_id])
            return int(
                connection.execute(delete(EVENTS).where(EVENTS.c.sender_id == conversation_id)).rowcount or 0
            )

        return self._with_connection(work, default=0)

    def close(self) -> None:
        self.database.close()
