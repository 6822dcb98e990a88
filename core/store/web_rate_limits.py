"""`SqlWebRateLimit`: the web apps' per-client rate limit, counted in the database.

A fixed window per bucket (table `web_rate_limits`, migration 0005), so every process of an app
(and every app on the same database) shares the counts; a restart forgets nothing. The bucket is
the SHA-256 of the caller's key (route name and client address), so no address is stored.

Must not: decide the limits (core.web_rate_limit does) or keep counts in memory.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core.clock import utc_now
from core.store.database import Database
from core.store.tables import WebRateLimit
from core.store.upsert import insert_ignoring_conflict

# About one hit in this many also deletes the counters of long-gone windows.
PURGE_EVERY = 200
KEEP_FOR = timedelta(days=1)


def bucket_of(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def _hit(session: Session, bucket: str, now: datetime, window: timedelta) -> int:
    insert_ignoring_conflict(
        session, WebRateLimit, {"bucket": bucket, "window_start": now, "hits": 0}, ["bucket"]
    )
    session.execute(
        update(WebRateLimit)
        .where(WebRateLimit.bucket == bucket, WebRateLimit.window_start <= now - window)
        .values(window_start=now, hits=0)
    )
    session.execute(
        update(WebRateLimit).where(WebRateLimit.bucket == bucket).values(hits=WebRateLimit.hits + 1)
    )
    hits = session.execute(select(WebRateLimit.hits).where(WebRateLimit.bucket == bucket)).scalar_one()
    if random.randrange(PURGE_EVERY) == 0:
        session.execute(delete(WebRateLimit).where(WebRateLimit.window_start < now - max(window, KEEP_FOR)))
    return int(hits)


class SqlWebRateLimit:
    """Counts hits per key in the database at `url` (default: CASES_DB_URL)."""

    def __init__(self, database: Database | None = None) -> None:
        self.database = database or Database()

    def hit(self, key: str, window: timedelta, now: datetime | None = None) -> int:
        """Count one hit for `key`; the number of hits in its current window, this one included."""
        return self.database.run(_hit, bucket_of(key), now or utc_now(), window)

    async def ahit(self, key: str, window: timedelta) -> int:
        return await self.database.in_thread(self.hit, key, window)

    def close(self) -> None:
        self.database.close()
