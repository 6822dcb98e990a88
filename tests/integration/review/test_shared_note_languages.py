"""A preparation note shared by a citizen who used the guide in English, in the caseworker's view.

The note is built and stored as the action server does it (actions.preparation.shared_note_record,
core.store.cases.notes): the caseworker's view (`/moeder`, and the review queries behind it)
shows Danish headings, the citizen's answers exactly as written, and says that the citizen used
English; the citizen's own English rendering is kept beside it. Real SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

import pytest

from actions.preparation import shared_note_record
from actions.preparation_content import get_guide
from core.review_records import Reader
from core.store.cases.notes import SharedNotes
from core.store.review.store import ReviewStore
from tests.support.databases import BACKENDS
from tests.support.review import ANNA, METTE, ReviewClient

pytestmark = pytest.mark.parametrize("backend", BACKENDS)
SignIn = Callable[[str], Awaitable[ReviewClient]]

CONSENTED = datetime(2026, 11, 20, 9, 2, 30, tzinfo=timezone.utc)
MEETING = {
    "id": "M-1001-2",
    "kind": "rehabiliteringsteam",
    "starts_at": "2026-12-08T09:00:00+00:00",
    "online": False,
    "location": "Jobcentret, lokale 2.14",
    "participants": [],
}
ANSWERS = {
    "prep_q_priority": "That they listen to me.",
    "prep_q_goal": "Work with animals.",
    "prep_q_hard": "__skipped__",
}
LANGUAGE_NOTICE = "Borgeren brugte forberedelsen på engelsk."


def english_note() -> Any:
    record, _ = shared_note_record(ANSWERS, MEETING, "en", CONSENTED)
    return record


async def test_the_meetings_page_shows_an_english_note_with_danish_headings(
    review_store: ReviewStore, as_user: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.demo import DEMO_NOW

    assert SharedNotes(review_store.database).save(ANNA, english_note())
    monkeypatch.setattr("bot.review.meetings.utc_now", lambda: DEMO_NOW)
    html = await (await as_user(METTE)).text("/moeder")
    assert "1. Det vigtigste for mig på mødet\nThat they listen to me." in html
    assert "Mit forberedelsesnotat" in html and "(Ikke udfyldt)" in html and "Husk:" in html
    assert LANGUAGE_NOTICE in html
    english = get_guide("en")
    assert english.question("prep_q_priority").heading not in html
    assert "My preparation note" not in html


async def test_the_review_queries_give_the_danish_view_and_the_language(review_store: ReviewStore) -> None:
    from tests.support.demo import DEMO_NOW

    assert SharedNotes(review_store.database).save(ANNA, english_note())
    admin = Reader(username="admin", role="admin", email=None)
    meetings = review_store.queries.upcoming_meetings(admin, DEMO_NOW)
    [note] = [m.note for m in meetings if m.meeting_id == "M-1001-2"]
    assert note is not None and note.language == "en"
    assert note.note_text.startswith(
        "Mit forberedelsesnotat\nTil møde med rehabiliteringsteamet tirsdag den 8. december kl. 10.00."
    )
    [stored] = SharedNotes(review_store.database).for_citizen(ANNA)
    assert stored.citizen_text is not None and stored.citizen_text.startswith("My preparation note\n")
    assert stored.answers["prep_q_priority"] == "That they listen to me."  # as written
    assert stored.answers["prep_q_hard"] is None  # skipped


async def test_a_danish_note_has_no_language_notice(
    review_store: ReviewStore, as_user: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.demo import DEMO_NOW

    record, _ = shared_note_record({"prep_q_priority": "At de lytter."}, MEETING, "da", CONSENTED)
    assert record.citizen_text is None and record.language == "da"
    assert SharedNotes(review_store.database).save(ANNA, record)
    monkeypatch.setattr("bot.review.meetings.utc_now", lambda: DEMO_NOW)
    html = await (await as_user(METTE)).text("/moeder")
    assert "1. Det vigtigste for mig på mødet\nAt de lytter." in html
    assert LANGUAGE_NOTICE not in html
