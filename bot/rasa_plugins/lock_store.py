"""Rasa's conversation locks: Redis when several Rasa processes run, in memory for one.

Rasa locks a conversation while it handles one of its messages, so that two messages of the
same conversation are never handled at once. With several Rasa processes (production) the
locks must be shared: `LOCK_STORE_URL=redis://[:password@]host:port/db` (`rediss://` for TLS)
gives Rasa's `RedisLockStore`; without it (`make run`, one process) Rasa's `InMemoryLockStore`.
endpoints.yml names `ConfiguredLockStore`, which reads the setting from core/settings.py (a
`${VAR}` in endpoints.yml would make the variable mandatory).

Must not: log the URL (it may hold a password).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote, urlsplit

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

from core.settings import get_settings

logger = logging.getLogger(__name__)

REDIS_SCHEMES = ("redis", "rediss")


def redis_lock_store(url: str) -> RedisLockStore:
    """Rasa's RedisLockStore for a redis:// or rediss:// URL."""
    parts = urlsplit(url)
    if parts.scheme not in REDIS_SCHEMES or not parts.hostname:
        raise ValueError("LOCK_STORE_URL must be redis://host:port/db or rediss://…")
    database = parts.path.strip("/") or "1"
    return RedisLockStore(
        host=parts.hostname,
        port=parts.port or 6379,
        db=int(database),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_ssl=parts.scheme == "rediss",
        key_prefix="moedeklar",
    )


class ConfiguredLockStore(LockStore):
    """The lock store LOCK_STORE_URL asks for (Rasa builds it from endpoints.yml)."""

    def __new__(cls, endpoint_config: Any = None) -> LockStore:  # type: ignore[misc]
        url = get_settings().lock_store_url
        if url:
            logger.info("Conversation locks in Redis (LOCK_STORE_URL).")
            return redis_lock_store(url)
        logger.info("Conversation locks in memory: set LOCK_STORE_URL when several Rasa processes run.")
        return InMemoryLockStore()
