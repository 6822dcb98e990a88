"""Rate limits shared by every Rasa process: fixed-window counters behind a small interface.

`RateLimiter.check(keys)` counts one hit on each key (e.g. `conv:<conversation id>` and
`client:<ip or citizen>`) and says whether all are within their limit, and if not, when to try
again. The counters live outside the process (production runs several Rasa processes):
- `RedisCounterStore` (RATE_LIMIT_STORE_URL=redis://…): INCR + EXPIRE in one MULTI per key;
- `core.store.rate_limits.SqlCounterStore` (the default): a table in the case database
  (SQLite or PostgreSQL), one atomic upsert per key.
`rate_limiter()` builds the process's limiter from core/settings.py.

Fail open: when the store cannot be reached the message is let through (and a warning logged)
— a broken Redis must not silence the assistant; the admission control
(bot/rasa_plugins/channels/admission.py) still bounds the work.

Must not: import SQLAlchemy (the SQL store is in core/store/) or keep counts in memory.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Protocol, Sequence

from core.settings import get_settings

logger = logging.getLogger(__name__)


class CounterStore(Protocol):
    """Counts hits per (key, window); shared by every process that uses the same store."""

    async def hit(self, key: str, window_start: int, window_s: int) -> int:
        """Add one hit to `key` in the window starting at `window_start`; the new count."""


@dataclass(frozen=True)
class Limit:
    """At most `count` hits per `window_s` seconds on keys starting with `prefix`."""

    prefix: str
    count: int
    window_s: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_s: int = 0
    limit: str = ""  # the prefix of the limit that was hit


ALLOW = Decision(True)


def hashed(value: str) -> str:
    """A short, stable key part for an id or an address (no personal data in the store)."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class RateLimiter:
    def __init__(self, store: CounterStore, limits: Sequence[Limit], clock=time.time) -> None:
        self.store = store
        self.limits = {limit.prefix: limit for limit in limits}
        self._clock = clock

    async def check(self, keys: dict[str, str]) -> Decision:
        """Count one hit for each `prefix -> value` in `keys`; refused when any is over its limit."""
        now = self._clock()
        for prefix, value in keys.items():
            limit = self.limits.get(prefix)
            if limit is None or not value:
                continue
            window_start = int(now // limit.window_s) * limit.window_s
            try:
                count = await self.store.hit(f"{prefix}:{hashed(value)}", window_start, limit.window_s)
            except Exception as exc:  # noqa: BLE001 - fail open, see the module docstring
                logger.warning("Rate-limit store unavailable (%s); message let through.", type(exc).__name__)
                return ALLOW
            if count > limit.count:
                retry = max(1, int(window_start + limit.window_s - now + 0.999))
                return Decision(False, retry, prefix)
        return ALLOW


class RedisCounterStore:
    """Counters in Redis (RATE_LIMIT_STORE_URL=redis://…); a key expires with its window."""

    def __init__(self, url: str, timeout_s: float = 0.5) -> None:
        import redis.asyncio as aioredis  # installed with Rasa

        self._redis = aioredis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)

    async def hit(self, key: str, window_start: int, window_s: int) -> int:
        name = f"moedeklar:rl:{key}:{window_start}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window_s + 5)
            count, _ = await pipe.execute()
        return int(count)

    async def close(self) -> None:
        await self._redis.close()


CONVERSATION = "conv"
CLIENT = "client"


def default_limits() -> list[Limit]:
    settings = get_settings()
    window = settings.rate_limit_window_s
    return [
        Limit(CONVERSATION, settings.rate_limit_per_conversation, window),
        Limit(CLIENT, settings.rate_limit_per_client, window),
    ]


def make_counter_store(url: str | None) -> CounterStore:
    """Redis for a redis:// URL; otherwise the SQL table in the case database (or at `url`)."""
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        return RedisCounterStore(url)
    from core.store.rate_limits import SqlCounterStore  # core.store: the only SQLAlchemy user

    return SqlCounterStore(url)


_limiter: dict[str, RateLimiter] = {}


def set_rate_limiter(limiter: RateLimiter | None) -> None:
    """Use `limiter` in this process (tests; None: build it from the settings again)."""
    _limiter.pop("limiter", None)
    if limiter is not None:
        _limiter["limiter"] = limiter


def rate_limiter() -> RateLimiter:
    """The process's limiter (store from RATE_LIMIT_STORE_URL, limits from RATE_LIMIT_*)."""
    if "limiter" not in _limiter:
        _limiter["limiter"] = RateLimiter(
            make_counter_store(get_settings().rate_limit_store_url), default_limits()
        )
    return _limiter["limiter"]
