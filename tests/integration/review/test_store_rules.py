"""The conversation store's rules: masking before storing, retention, the append-only audit log,
and the review commands (add-caseworker, audit-export, export-corrections, reindex, privacy-scan).

Real SQLite and PostgreSQL; conversations written through the real tracker store.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from bot.tools.cli import main as cli_main
from core.privacy import stored_event_holds_personal_numbers
from core.store.cases.notes import SharedNotes
from core.store.conversations.retention import purge
from core.store.engine import make_engine, session_scope
from core.store.review.store import ReviewStore
from core.store.tables import (
    ReviewAudit,
    ReviewAuditSubject,
    ReviewComment,
    ReviewConversation,
    ReviewCorrection,
    ReviewMark,
    ReviewMessage,
)
from tests.support.databases import BACKENDS
from tests.support.review import ANNA, Turn, store_conversation
from tests.support.servers import REPO

pytestmark = pytest.mark.parametrize("backend", BACKENDS)
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)

DIRTY = [
    Turn(
        "mit cpr er 010190-1234 og tlf +45 20 12 34 56", "faq", "2026-11-24T10:00:00", topic="faq/ret_klage"
    ),
    Turn(
        "ring på 2012 3456, jeg skylder 12345678 kr.",
        "human_handoff",
        "2026-11-24T10:01:00",
        slots=(("prep_q_practical", "Ring til min mor på 40506070 eller 0101901234"),),
    ),
]


def rows(url: str, query: Any) -> list[Any]:
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            return list(session.execute(query))
    finally:
        engine.dispose()


@pytest.fixture(autouse=True)
def conversation_store_setting(review_urls: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The commands find the conversation store through TRACKER_STORE_URL, as in production."""
    from core.settings import get_settings

    monkeypatch.setenv("TRACKER_STORE_URL", review_urls[1])
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    sys_out, sys_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = cli_main(list(args))
    finally:
        sys.stdout, sys.stderr = sys_out, sys_err
    return code, out.getvalue(), err.getvalue()


async def test_the_tracker_store_masks_cpr_and_phone_numbers_before_storing(
    review_store: ReviewStore, tracker_store: Any
) -> None:
    await store_conversation(tracker_store, "rest:dirty", DIRTY)
    stored = list(review_store.reader.scan_data())
    assert stored, "nothing was stored"
    for _event_id, data in stored:
        assert not stored_event_holds_personal_numbers(data), data
        for raw in ("010190", "20 12 34 56", "2012 3456", "40506070"):
            assert raw not in data
    everything = "\n".join(data for _, data in stored)
    assert "[CPR-nummer fjernet]" in everything and "[telefonnummer fjernet]" in everything
    assert "12345678 kr." in everything  # an amount is not a phone number
    # the tracker Rasa reads back is masked too
    tracker = await tracker_store.retrieve("rest:dirty")
    assert (
        tracker.get_slot("prep_q_practical")
        == "Ring til min mor på [telefonnummer fjernet] eller [CPR-nummer fjernet]"
    )
    code, out, _ = run_cli("privacy-scan", "--db-url", review_store.database.url)
    assert code == 0 and "0 med CPR- eller telefonnummer" in out


async def test_purge_deletes_old_conversations_completely_and_keeps_new_ones(
    review_store: ReviewStore, tracker_store: Any, conversations: dict
) -> None:
    old = [
        Turn(
            "gammel samtale om tolk", "faq", "2026-10-01T10:00:00", topic="faq/moede_min_rolle", citizen=ANNA
        )
    ]
    await store_conversation(tracker_store, "rest:old", old)
    assert review_store.indexer.catch_up_all() >= 7
    review_store.work.mark("rest:old", "mette", NOW, True)
    review_store.work.comment("rest:old", "mette", NOW, "kommentar")
    review_store.work.correct(
        "rest:old", event_id=1, message_text="x", predicted=None, topic="greet", username="mette", now=NOW
    )
    report = purge(
        review_store.reader,
        review_store.database,
        NOW,
        conversation_days=30,
        note_days_after_meeting=30,
        audit_days=730,
    )
    assert report.conversations_deleted == 1 and report.events_deleted > 0
    assert review_store.reader.events_for("rest:old") == []
    url = review_store.database.url
    for table in (ReviewConversation, ReviewMessage, ReviewMark, ReviewComment, ReviewCorrection):
        column = table.id if table is ReviewConversation else table.conversation_id
        assert rows(url, select(column).where(column == "rest:old")) == [], table.__tablename__
    assert review_store.reader.events_for("rest:anna-1")  # 9 days old: kept
    assert len(rows(url, select(ReviewConversation.id))) == len(conversations)
    # a second run finds nothing more
    again = purge(
        review_store.reader,
        review_store.database,
        NOW,
        conversation_days=30,
        note_days_after_meeting=30,
        audit_days=730,
    )
    assert again.conversations_deleted == 0 and again.events_deleted == 0


async def test_purge_trims_a_long_conversation_and_reindexes_it(
    review_store: ReviewStore, tracker_store: Any
) -> None:
    turns = [
        Turn("første besked om tolk", "faq", "2026-10-01T10:00:00", topic="faq/moede_min_rolle"),
        Turn("ny besked om ydelse", "faq", "2026-11-28T10:00:00", topic="faq/ydelse_satser"),
    ]
    await store_conversation(tracker_store, "rest:long", turns)
    review_store.indexer.catch_up_all()
    report = purge(
        review_store.reader,
        review_store.database,
        NOW,
        conversation_days=30,
        note_days_after_meeting=30,
        audit_days=730,
    )
    assert report.conversations_trimmed == 1
    texts = [
        e.data.get("text")
        for e in review_store.reader.events_for("rest:long")
        if e.data.get("event") == "user"
    ]
    assert texts == ["ny besked om ydelse"]
    (indexed,) = rows(
        review_store.database.url, select(ReviewConversation).where(ReviewConversation.id == "rest:long")
    )
    assert indexed[0].citizen_text == "ny besked om ydelse"


async def test_purge_deletes_shared_notes_after_their_meeting_and_old_audit_rows(
    review_store: ReviewStore, conversations: dict
) -> None:
    notes = SharedNotes(review_store.database)
    assert len(notes.for_citizen(ANNA)) == 1  # meeting 8 Dec 2026
    review_store.audit.append(NOW - timedelta(days=800), "mette", "caseworker", "view", citizen_ids=[ANNA])
    review_store.audit.append(NOW - timedelta(days=10), "mette", "caseworker", "view", citizen_ids=[ANNA])
    just_after_meeting = datetime(2026, 12, 20, tzinfo=timezone.utc)
    report = purge(
        review_store.reader,
        review_store.database,
        just_after_meeting,
        conversation_days=365,
        note_days_after_meeting=30,
        audit_days=730,
    )
    assert report.notes_deleted == 0 and len(notes.for_citizen(ANNA)) == 1
    assert report.audit_rows_deleted == 1  # 800 days old; the 10-day-old row stays
    report = purge(
        review_store.reader,
        review_store.database,
        datetime(2027, 1, 8, tzinfo=timezone.utc),
        conversation_days=365,
        note_days_after_meeting=30,
        audit_days=730,
    )
    assert report.notes_deleted == 1 and notes.for_citizen(ANNA) == []
    assert report.audit_rows_deleted == 0
    left = [e.at for e in review_store.audit.export(ANNA)]
    assert left == [NOW - timedelta(days=10)]


def test_the_audit_log_cannot_be_changed_or_deleted_from_the_app(review_store: ReviewStore) -> None:
    review_store.audit.append(
        NOW, "mette", "caseworker", "view", conversation_id="rest:x", citizen_ids=[ANNA]
    )
    engine = make_engine(review_store.database.url)
    try:
        for statement in (
            update(ReviewAudit).values(username="skjult"),
            delete(ReviewAudit),
            update(ReviewAuditSubject).values(citizen_id="c-9999"),
            delete(ReviewAuditSubject),
        ):
            with pytest.raises(DBAPIError):
                with session_scope(engine) as session:
                    session.execute(statement)
    finally:
        engine.dispose()
    (entry,) = list(review_store.audit.export())
    assert entry.username == "mette" and entry.citizen_ids == (ANNA,)


async def test_cli_add_caseworker_and_audit_export(
    review_store: ReviewStore, conversations: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.settings import get_settings

    url = review_store.database.url
    monkeypatch.setenv("REVIEW_PASSWORD", "en-lang-adgangskode")
    get_settings.cache_clear()
    try:
        code, out, err = run_cli(
            "add-caseworker", "Lone", "--role", "caseworker", "--email", "lone@k.dk", "--db-url", url
        )
        assert code == 0 and "Kontoen lone (sagsbehandler) er oprettet." in out, err
        assert run_cli("add-caseworker", "lone", "--role", "admin", "--db-url", url)[0] == 2  # taken
        monkeypatch.setenv("REVIEW_PASSWORD", "kort")
        get_settings.cache_clear()
        code, _, err = run_cli("add-caseworker", "kim", "--role", "admin", "--db-url", url)
        assert code == 2 and "mindst 12 tegn" in err
    finally:
        get_settings.cache_clear()
    account = review_store.accounts.get("lone")
    assert account is not None and account.email == "lone@k.dk" and account.role == "caseworker"
    review_store.audit.append(
        NOW, "mette", "caseworker", "view", conversation_id="rest:anna-1", citizen_ids=[ANNA]
    )
    review_store.audit.append(
        NOW, "sara", "caseworker", "view", conversation_id="rest:jonas-1", citizen_ids=["c-1002"]
    )
    code, out, _ = run_cli("audit-export", "--citizen", ANNA, "--db-url", url)
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].startswith("tidspunkt,bruger,rolle,handling")
    assert len(lines) == 2 and ",mette,caseworker,view,rest:anna-1,c-1001," in lines[1]
    code, out, _ = run_cli("audit-export", "--since", "2026-11-29", "--db-url", url)
    assert code == 0 and len(out.strip().splitlines()) >= 4  # incl. the account and the first export
    assert any(e.action == "audit_export" for e in review_store.audit.export())


async def test_cli_reindex_and_purge(review_store: ReviewStore, conversations: dict) -> None:
    url = review_store.database.url
    code, out, _ = run_cli("reindex", "--db-url", url)
    assert code == 0 and "6 samtaler indekseret." in out
    code, out, _ = run_cli("reindex", "--db-url", url)
    assert "0 samtaler indekseret." in out
    code, out, _ = run_cli("purge", "--db-url", url)
    assert code == 0 and out.startswith("Slettet: ")


async def test_corrections_export_is_valid_rasa_training_data(
    review_store: ReviewStore, conversations: dict, tmp_path: Path, backend: str
) -> None:
    review_store.indexer.catch_up_all()
    for event_id, (text, topic) in enumerate(
        [
            ("kan jeg få en tolk med til mødet?", "faq/moede_min_rolle"),
            ("[CPR-nummer fjernet] er mit nummer, hvornår er mødet", "ask_next_meeting"),
            ("hvad med min {løn} (før skat)", "faq/ydelse_skat"),
            ("- jeg forstår ikke: brevet", "help"),
            ("hvad er et ressourceforløb", "faq/forloeb_hvad_er"),  # already a training example
            ("noget om bisidder", "ikke_et_emne"),  # not a topic
        ],
        start=1,
    ):
        review_store.work.correct(
            "rest:anna-1",
            event_id=event_id,
            message_text=text,
            predicted="nlu_fallback",
            topic=topic,
            username="mette",
            now=NOW,
        )
    target = tmp_path / "corrections.yml"
    code, _, err = run_cli("export-corrections", "--out", str(target), "--db-url", review_store.database.url)
    assert code == 0 and "4 eksempler skrevet" in err
    exported = target.read_text(encoding="utf-8")
    assert "- intent: faq/moede_min_rolle" in exported and "ikke_et_emne" not in exported
    assert "mit cpr-nummer er mit nummer" in exported and "{" not in exported
    if backend != "sqlite":
        return  # the file is the same on both backends; validating it once is enough
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "rasa"),
            "data",
            "validate",
            "--data",
            "data/nlu",
            "data/rules",
            "data/stories",
            str(target),
            "--domain",
            "domain.yml",
            "--config",
            "config.yml",
            "--fail-on-warning",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "RASA_TELEMETRY_ENABLED": "false"},
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert json.loads(json.dumps(exported))  # plain text


async def test_the_index_follows_a_growing_conversation(
    review_store: ReviewStore, tracker_store: Any
) -> None:
    turns = [
        Turn("hvad er et ressourceforløb", "faq", "2026-11-24T10:00:00", topic="faq/forloeb_hvad_er"),
        Turn("jeg vil tale med et menneske", "human_handoff", "2026-11-24T10:05:00"),
    ]
    await store_conversation(tracker_store, "rest:grow", turns[:1])
    assert review_store.indexer.catch_up_all() == 1
    await store_conversation(tracker_store, "rest:other", turns[:1])
    await store_conversation(tracker_store, "rest:grow", turns)  # Rasa stores only the new events
    assert review_store.indexer.catch_up_all() == 2
    (row,) = rows(
        review_store.database.url, select(ReviewConversation).where(ReviewConversation.id == "rest:grow")
    )
    assert row[0].message_count == 4 and row[0].flag_handoff
    assert row[0].citizen_text == "hvad er et ressourceforløb\njeg vil tale med et menneske"
    assert review_store.indexer.catch_up_all() == 0  # nothing new
