"""Fixtures for the review app's integration tests, on SQLite and PostgreSQL.

- `review_urls`: (case database, conversation store). SQLite: two files, as `make run` has them;
  PostgreSQL: one database holding both, as a municipality may run it.
- `review_store`: migrated, the demo case data as written, three accounts (tests.support.review).
- `tracker_store`: the project's real tracker store on the conversation URL.
- `conversations`: a fixed set of conversations (CONVERSATIONS), stored through it, with Anna's
  shared preparation note.
- `app` / `as_user`: the app in-process (aiohttp's test server) and a client signed in as someone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.review.app import create_app
from bot.review.config import ReviewConfig
from core.records import SharedNoteRecord
from core.store.cases.notes import SharedNotes
from core.store.review.store import ReviewStore
from core.store.schema import migrate
from tests.support.databases import postgres_database
from tests.support.demo import load_demo_cases
from tests.support.review import (
    ANNA,
    JONAS,
    LARS,
    ReviewClient,
    Turn,
    add_accounts,
    store_conversation,
    tracker_store_for,
)

CONFIG = ReviewConfig(
    host="127.0.0.1",
    port=0,
    secure_cookies=False,
    session_ttl=timedelta(hours=1),
    max_failed_logins=3,
    lockout=timedelta(minutes=15),
    trust_proxy=False,
)
NOTE_TEXT = "Mit forberedelsesnotat\\n1. Det vigtigste for mig: At de lytter."
NOTE_AT = datetime(2026, 11, 20, 9, 2, 30, tzinfo=timezone.utc)

CONVERSATIONS: dict[str, list[Turn]] = {
    "rest:anna-1": [
        Turn(
            "kan jeg få en tolk med til mødet?",
            "faq",
            "2026-11-20T09:00:00",
            0.91,
            "faq/moede_min_rolle",
            ANNA,
        ),
        Turn(
            "jeg vil gerne tale med et menneske",
            "human_handoff",
            "2026-11-20T09:02:00",
            citizen=ANNA,
            actions=("action_human_handoff",),
        ),
        Turn(
            "Ja, send det",
            "affirm",
            "2026-11-20T09:03:00",
            citizen=ANNA,
            actions=("action_preparation_finish",),
        ),
    ],
    "rest:anon-1": [
        Turn(
            "hvad er et ressourceforløb <script>alert('x')</script>",
            "faq",
            "2026-11-21T10:00:00",
            0.88,
            "faq/forloeb_hvad_er",
        ),
        Turn(
            "flimflam blabla", "nlu_fallback", "2026-11-21T10:01:00", 0.31, actions=("utter_please_rephrase",)
        ),
    ],
    "rest:jonas-1": [
        Turn(
            "hvornår er mit næste møde",
            "ask_next_meeting",
            "2026-11-22T11:00:00",
            citizen=JONAS,
            actions=("action_next_meeting",),
        ),
        Turn(
            "jeg orker ikke mere",
            "crisis",
            "2026-11-22T11:01:00",
            citizen=JONAS,
            actions=("action_crisis_support",),
        ),
    ],
    "sms:Zk3pseudonym": [
        Turn(
            "ring til mig på 20 12 34 56 om min tolk",
            "human_handoff",
            "2026-11-22T12:00:00",
            channel="gatewayapi",
            actions=("action_human_handoff",),
        ),
    ],
    "rest:lars-1": [
        Turn(
            "mødet med teamet",
            "faq",
            "2026-11-23T08:00:00",
            0.5,
            "faq/moede_hvad_er_teamet",
            LARS,
            actions=("utter_clarify",),
        ),
    ],
    "rest:mixed": [
        Turn("hej", "greet", "2026-11-23T09:00:00", citizen=ANNA),
        Turn("hej igen", "greet", "2026-11-23T09:01:00", citizen=JONAS),
    ],
}


@pytest.fixture
def review_urls(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    if backend == "sqlite":
        yield (
            f"sqlite:///{tmp_path / 'var' / 'cases.db'}",
            f"sqlite:///{tmp_path / 'var' / 'conversations.db'}",
        )
        return
    with postgres_database(request.getfixturevalue("pg_admin_url")) as url:
        yield url, url


@pytest.fixture
def review_store(review_urls: tuple[str, str]) -> Iterator[ReviewStore]:
    cases_url, conversations_url = review_urls
    migrate(cases_url)
    load_demo_cases(cases_url)
    store = ReviewStore(cases_url, conversations_url)
    add_accounts(store)
    yield store
    store.close()


@pytest.fixture
def tracker_store(review_urls: tuple[str, str]) -> Iterator[Any]:
    store = tracker_store_for(review_urls[1])
    yield store
    store.engine.dispose()


@pytest.fixture
async def conversations(review_store: ReviewStore, tracker_store: Any) -> dict[str, list[Turn]]:
    for sender_id, turns in CONVERSATIONS.items():
        await store_conversation(tracker_store, sender_id, turns)
    note = SharedNoteRecord(
        meeting_id="M-1001-2",
        answers={"prep_q_priority": "At de lytter."},
        note_text=NOTE_TEXT,
        consented_at=NOTE_AT,
    )
    assert SharedNotes(review_store.database).save(ANNA, note)
    return CONVERSATIONS


@pytest.fixture
async def app(review_store: ReviewStore) -> AsyncIterator[TestClient]:
    client = TestClient(TestServer(create_app(CONFIG, review_store)))
    await client.start_server()
    yield client
    await client.close()


@pytest.fixture
async def as_user(app: TestClient) -> AsyncIterator[Callable[[str], Awaitable[ReviewClient]]]:
    """Sign in as a user, each in a browser of their own (own cookies) on the same server."""
    opened: list[TestClient] = []

    async def sign_in(username: str) -> ReviewClient:
        client = TestClient(app.server)
        await client.start_server()
        opened.append(client)
        signed = ReviewClient(client)
        await signed.login(username)
        return signed

    yield sign_in
    for client in opened:
        await client.close()
