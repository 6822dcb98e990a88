"""`SqlCounterStore`: the rate-limit counters (core.rate_limit) in the case database.

Table `rate_limit_counters` (migration 0005): one row per (key, window start) with its count,
bumped with one atomic INSERT … ON CONFLICT DO UPDATE and read back in the same transaction
(SQLite and PostgreSQL), so several Rasa processes share the counts. Old windows are deleted
now and then by the same calls.

Must not: store a conversation id, an address or a citizen id in clear (callers pass hashes).
"""

from __future__ import annotations

import random

from sqlalchemy import BigInteger, Column, Index, Integer, String, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.store.base import Base
from core.store.database import Database

# About one call in this many also deletes windows that have ended.
CLEANUP_ONE_IN = 200
RATE_LIMIT_DB_TIMEOUT_S = 0.5


class RateLimitCounter(Base):
    """Hits on one rate-limit key (a hash, core.rate_limit) in one fixed window (epoch seconds)."""

    __tablename__ = "rate_limit_counters"

    key = Column(String(64), primary_key=True)
    window_start = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    count = Column(Integer, nullable=False)

    __table_args__ = (Index("ix_rate_limit_counters_window_start", "window_start"),)


def _hit(session: Session, key: str, window_start: int, now_window: int, cleanup: bool) -> int:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = RateLimitCounter.__table__
    statement = (
        insert(table)
        .values(key=key, window_start=window_start, count=1)
        .on_conflict_do_update(index_elements=["key", "window_start"], set_={"count": table.c.count + 1})
    )
    session.execute(statement)  # the row stays locked by this transaction until the commit
    count = session.execute(
        select(table.c.count).where(table.c.key == key, table.c.window_start == window_start)
    ).scalar_one()
    if cleanup:
        session.execute(delete(table).where(table.c.window_start < now_window))
    return int(count)


class SqlCounterStore:
    """Counters in a table of the case database (or of the database at `url`)."""

    def __init__(self, url: str | None = None, database: Database | None = None) -> None:
        self.database = database or Database(url, timeout_s=RATE_LIMIT_DB_TIMEOUT_S)

    async def hit(self, key: str, window_start: int, window_s: int) -> int:
        cleanup = random.randrange(CLEANUP_ONE_IN) == 0  # noqa: S311 - not security
        return await self.database.call(
            self.database.run, _hit, key, window_start, window_start - window_s, cleanup
        )

    def close(self) -> None:
        self.database.close()
