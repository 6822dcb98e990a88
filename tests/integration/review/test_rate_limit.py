"""The review app's sign-in is rate-limited per client, in the database (bot.review.rate_limit).

On SQLite and PostgreSQL: beyond the rule's attempts a client gets 429 with a Danish page, even
with the right password and before any password is checked; a second app process (its own store
on the same database) counts the same attempts; a new window starts afresh.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.review.app import create_app
from bot.review.rate_limit import TOO_MANY, RateRule, allowed
from core.store.rate_limits import SqlCounterStore
from core.store.review.store import ReviewStore
from tests.integration.review.conftest import CONFIG
from tests.support.databases import BACKENDS
from tests.support.review import METTE, ReviewClient

pytestmark = pytest.mark.parametrize("backend", BACKENDS)
LIMITED = dataclasses.replace(CONFIG, login_rate_limit=RateRule("review-login", 4, timedelta(minutes=10)))


async def test_sign_in_attempts_are_limited_per_client_across_processes(
    review_store: ReviewStore, review_urls: tuple[str, str]
) -> None:
    first = TestClient(TestServer(create_app(LIMITED, review_store)))
    other_store = ReviewStore(*review_urls)
    second = TestClient(TestServer(create_app(LIMITED, other_store)))
    await first.start_server()
    await second.start_server()
    try:
        await ReviewClient(first).login("findes-ikke-1", "forkert-adgangskode-1", expect=401)
        await ReviewClient(second).login("findes-ikke-2", "forkert-adgangskode-2", expect=401)
        await ReviewClient(first).login(METTE)  # the third attempt, a right one
        await ReviewClient(second).login("findes-ikke-3", "forkert-adgangskode-3", expect=401)
        refused = await ReviewClient(first).login(METTE, expect=429)
        assert TOO_MANY in await refused.text()
        await ReviewClient(second).login(METTE, expect=429)
    finally:
        await first.close()
        await second.close()
        other_store.close()


async def test_a_new_window_starts_afresh(review_store: ReviewStore) -> None:
    counter = SqlCounterStore(database=review_store.database)
    rule = RateRule("review-login", 2, timedelta(minutes=10))
    start = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc).timestamp()
    assert [await allowed(counter, rule, "127.0.0.1", start + i) for i in range(3)] == [True, True, False]
    assert await allowed(counter, rule, "127.0.0.2", start)  # another client counts apart
    assert await allowed(counter, rule, "127.0.0.1", start + 601)  # the next window
