"""Is this Rasa process alive, can it answer, and which of its parts are degraded?

- `readiness(agent)`: ready when the model is loaded and the conversation store answers a
  trivial query. Nothing else: a dead action server, Redis or SMS gateway leaves the process in
  the proxy's pool, because the FAQ answers need none of them (the channels answer politely when
  a part is missing).
- `parts(agent)`: each part's state (`ok`, `down` or `not_used`) for /health's body and the
  `moedeklar_part_up` metric: action server (its /health), Redis (PING on LOCK_STORE_URL or
  RATE_LIMIT_STORE_URL), the SMS gateway (any HTTP answer from GATEWAYAPI_URL), the store.

Checks are bounded by CHECK_TIMEOUT_S and cached for CACHE_S, so /health cannot be used to load
the parts behind it.

Must not: report a URL or a password (a part is named, never its address).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.rasa_plugins.metrics import PART_UP
from core.settings import get_settings
from core.store.engine import reachable

CHECK_TIMEOUT_S = 1.0
CACHE_S = 3.0
OK, DOWN, NOT_USED = "ok", "down", "not_used"

_cache: dict[str, tuple[float, str]] = {}


def _engine_of(agent: Any) -> Any:
    store = getattr(agent, "tracker_store", None)
    # Rasa 3.6 wraps the configured store (AwaitableTrackerStore, FailSafeTrackerStore).
    for _ in range(3):
        if store is None or hasattr(store, "engine"):
            break
        store = getattr(store, "_tracker_store", None)
    return getattr(store, "engine", None)


async def store_reachable(agent: Any) -> bool:
    engine = _engine_of(agent)
    if engine is None:
        return False
    try:
        return await asyncio.wait_for(asyncio.to_thread(reachable, engine), CHECK_TIMEOUT_S * 2)
    except asyncio.TimeoutError:
        return False


async def readiness(agent: Any) -> dict[str, bool]:
    is_ready = getattr(agent, "is_ready", None)
    model = bool(callable(is_ready) and is_ready())
    store = False
    if agent is not None:
        store = await _cached_bool("conversation_store", lambda: store_reachable(agent))
    return {"model_loaded": model, "conversation_store": store}


async def _cached_bool(name: str, check: Any) -> bool:
    return (await _cached(name, check)) == OK


async def _cached(name: str, check: Any) -> str:
    now = time.monotonic()
    hit = _cache.get(name)
    if hit is not None and now - hit[0] < CACHE_S:
        return hit[1]
    try:
        result = await check()
        state = result if isinstance(result, str) else (OK if result else DOWN)
    except Exception:  # noqa: BLE001 (a failing check is a part that is down)
        state = DOWN
    _cache[name] = (now, state)
    if state != NOT_USED:
        PART_UP.labels(name).set(1 if state == OK else 0)
    return state


async def _http_answers(url: str, must_be_ok: bool) -> bool:
    timeout = aiohttp.ClientTimeout(total=CHECK_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.get(url, allow_redirects=False) as answer:
            return answer.status < 400 if must_be_ok else True


async def _action_server() -> str:
    endpoint = get_settings().action_endpoint_url
    if not endpoint:
        return NOT_USED
    parts = urlsplit(endpoint)
    return OK if await _http_answers(f"{parts.scheme}://{parts.netloc}/health", True) else DOWN


async def _redis() -> str:
    settings = get_settings()
    url = settings.lock_store_url or settings.rate_limit_store_url
    if not url or not url.startswith(("redis://", "rediss://")):
        return NOT_USED
    import redis.asyncio as aioredis  # installed with Rasa

    client = aioredis.from_url(url, socket_timeout=CHECK_TIMEOUT_S, socket_connect_timeout=CHECK_TIMEOUT_S)
    try:
        return OK if await client.ping() else DOWN
    finally:
        await client.close()


async def _gateway() -> str:
    settings = get_settings()
    if not settings.gatewayapi_token:
        return NOT_USED
    return OK if await _http_answers(settings.gatewayapi_url, False) else DOWN


async def parts(agent: Any) -> dict[str, str]:
    names = ("action_server", "redis", "gateway", "conversation_store")
    checks = (_action_server, _redis, _gateway, lambda: store_reachable(agent))
    states = await asyncio.gather(*(_cached(name, check) for name, check in zip(names, checks, strict=True)))
    return dict(zip(names, states, strict=True))
