"""bot/rasa_plugins/lock_store.py: Redis locks shared by two Rasa processes when LOCK_STORE_URL is set.

Against the local Redis (skipped outside CI when it is unreachable, like the other Redis tests).
"""

from __future__ import annotations

import os

import pytest
import redis
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from core.settings import get_settings

URL = "redis://127.0.0.1:6379/14"
ENDPOINT = EndpointConfig(type="bot.rasa_plugins.lock_store.ConfiguredLockStore")


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def lock_store_url(monkeypatch: pytest.MonkeyPatch):
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not reachable at 127.0.0.1:6379")
        pytest.skip("Redis is not reachable")
    monkeypatch.setenv("LOCK_STORE_URL", URL)
    get_settings.cache_clear()
    yield URL
    get_settings.cache_clear()


def test_without_a_url_the_locks_are_in_memory(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    get_settings.cache_clear()
    assert isinstance(LockStore.create(ENDPOINT), InMemoryLockStore)
    get_settings.cache_clear()


def test_with_a_url_two_processes_share_one_lock(lock_store_url: str):
    first, second = LockStore.create(ENDPOINT), LockStore.create(ENDPOINT)
    assert isinstance(first, RedisLockStore) and isinstance(second, RedisLockStore)
    conversation = "rest:lock-test"
    first.delete_lock(conversation)
    lock = first.create_lock(conversation)
    ticket = lock.issue_ticket(30)
    first.save_lock(lock)
    seen = second.get_lock(conversation)
    assert seen is not None and seen.last_issued == ticket and seen.is_someone_waiting()
    first.delete_lock(conversation)
    assert second.get_lock(conversation) is None
