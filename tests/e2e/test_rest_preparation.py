"""End-to-end: the meeting-preparation guide over the verified REST channel.

Real Rasa server (trained model), real action server and the seeded SQLite case database
(`servers` fixture). Each test is one conversation (its own sender id) driven message by message
the way a citizen would: button titles are typed as text, answers are free text. The stored
note is read back from the same database through the repository.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Dict, Iterator

import pytest

from actions.preparation_flow import QUESTION_SLOTS
from core.store.cases.notes import SharedNotes
from core.store.database import Database
from tests.support.citizens import ANNA, Conversation, make_token

ANSWERS = [
    "At de forstår, at jeg ikke kan arbejde fuld tid lige nu.",
    "Jeg vil gerne arbejde med dyr. Måske et par timer om ugen.",
    "Hvornår er mit næste møde? Nej, undskyld: det svære er søvn og smerter.",
    "Fysioterapi har hjulpet. Store hold har ikke.",
    "Hvad er en bisidder, og hvad sker der bagefter?",
    "Ja",
    "Stop ikke mødet uden en pause, jeg har brug for pauser.",
]


@pytest.fixture
def notes(servers: Dict[str, str]) -> Iterator[SharedNotes]:
    database = Database(servers["db_url"], timeout_s=5)
    yield SharedNotes(database)
    database.close()


def test_whole_guide_identified_with_consent_stores_the_note(
    rest_url: str, servers: Dict[str, str], notes: SharedNotes
) -> None:
    chat = Conversation(rest_url, make_token(servers["secret"]))
    notes.withdraw(ANNA, datetime.now(timezone.utc))  # a clean start
    reply = chat.say("hjælp mig med at forberede mig til mødet")
    assert "Trin 1 af 5" in reply and "Dit møde er" in reply and "lokale 2.14" in reply
    assert chat.buttons() == ["Videre", "Spring over", "Stop"]
    reply = chat.say("Videre")
    assert "Trin 2 af 5: Hvem er med?" in reply and "Mette Holm (koordinerende sagsbehandler)" in reply
    for expected in ("Trin 3 af 5", "Trin 4 af 5", "Trin 5 af 5"):
        assert expected in chat.say("Videre")
    assert "7 korte spørgsmål" in chat.say("Videre")
    assert "Spørgsmål 1 af 7" in chat.say("Ja, hjælp mig")
    for number, answer in enumerate(ANSWERS, start=2):
        reply = chat.say(answer)
        if number <= len(ANSWERS):
            assert f"Spørgsmål {number} af 7" in reply, reply
    assert reply.startswith("Mit forberedelsesnotat")
    for answer in ANSWERS:
        assert answer in reply  # every answer, exactly as written
    assert any(message.get("custom") == {"moedeklar": {"kind": "preparation_note"}} for message in chat.last)
    assert "Må jeg sende dit notat til din sagsbehandler" in chat.say("Det er fint")
    assert "Dit notat er sendt" in chat.say("Ja, send det")
    stored = notes.for_citizen(ANNA)
    assert len(stored) == 1
    assert [stored[0].answers[key] for key in QUESTION_SLOTS] == ANSWERS
    # "slet mit notat" withdraws it
    assert "Dit notat er slettet" in chat.say("slet mit notat")
    assert notes.for_citizen(ANNA) == []


def test_anonymous_guide_with_skips_stops_nothing_stored(rest_url: str) -> None:
    chat = Conversation(rest_url)
    assert "Trin 1 af 5" in chat.say("jeg er nervøs for mødet")
    assert "7 korte spørgsmål" in chat.say("Spring over")
    chat.say("ja")
    for _ in QUESTION_SLOTS:
        reply = chat.say("Spring over")
    assert reply.startswith("Mit forberedelsesnotat") and reply.count("(Ikke udfyldt)") == 7
    reply = chat.say("Det er fint")
    assert "Log ind her" in reply and "Held og lykke" in reply
    assert "Må jeg sende" not in reply


def test_pause_answer_another_question_and_resume(rest_url: str) -> None:
    chat = Conversation(rest_url)
    chat.say("hjælp mig med at forberede mig")
    chat.say("spring over")
    chat.say("ja")
    chat.say(ANSWERS[0])
    assert "Vi holder pause" in chat.say("Pause")
    assert "3 år" in chat.say("hvor længe varer et ressourceforløb?")  # an FAQ answer in between
    reply = chat.say("Fortsæt forberedelsen")
    assert "Velkommen tilbage" in reply and "Spørgsmål 2 af 7" in reply
    assert "Spørgsmål 1 af 7" in chat.say("tilbage")
    chat.say("Et nyt første svar")
    for answer in ANSWERS[1:]:
        reply = chat.say(answer)
    assert "Et nyt første svar" in reply and ANSWERS[0] not in reply


def test_stop_halfway_and_start_again_from_the_beginning(rest_url: str) -> None:
    chat = Conversation(rest_url)
    chat.say("hjælp mig med at forberede mig")
    chat.say("Videre")
    assert "Vi stopper her" in chat.say("Stop")
    assert "Trin 1 af 5" in chat.say("hjælp mig med at forberede mig")


def test_withdraw_without_login_asks_to_log_in(rest_url: str) -> None:
    assert "ikke logget ind" in Conversation(rest_url).say("slet mit notat")
