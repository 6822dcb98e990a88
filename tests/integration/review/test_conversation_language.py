"""The review app shows the conversation's language: the stored `language` slot in the
transcript's facts, and each message's own language (lang attribute, "Skrevet på engelsk").
Real SQLite and PostgreSQL, the project's tracker store."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import pytest

from core.store.review.store import ReviewStore
from tests.support.databases import BACKENDS
from tests.support.review import METTE, ReviewClient, Turn, store_conversation

pytestmark = pytest.mark.parametrize("backend", BACKENDS)
SignIn = Callable[[str], Awaitable[ReviewClient]]
SENDER = "rest:english-1"


async def test_the_transcript_says_the_citizen_wrote_english(
    review_store: ReviewStore, tracker_store: Any, as_user: SignIn
) -> None:
    turn = Turn(
        "Can I bring a friend to the meeting?",
        "faq",
        "2026-11-24T10:00:00",
        0.9,
        "faq/ret_bisidder",
        replies=("Yes, you may bring a support person (bisidder).",),
        slots=(("language", "en"),),
    )
    danish = Turn("hvad er et ressourceforløb", "faq", "2026-11-24T11:00:00", 0.9, "faq/forloeb_hvad_er")
    await store_conversation(tracker_store, SENDER, [turn])
    await store_conversation(tracker_store, "rest:danish-1", [danish])
    admin = await as_user("admin")
    html = await admin.text(f"/samtale/{quote(SENDER, safe='')}")
    assert "<dt>Sprog</dt><dd>Engelsk" in html
    assert "<dt>Sprog</dt><dd>Dansk</dd>" in await admin.text(f"/samtale/{quote('rest:danish-1', safe='')}")
    assert METTE  # caseworkers see the same facts (access rules: test_access.py)
