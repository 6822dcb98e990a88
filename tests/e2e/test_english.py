"""End-to-end in English: REST, socket.io and SMS against the real servers.

A citizen who writes English gets the FAQ answer, her own next meeting (English date, Europe/
Copenhagen), the preparation guide with its note, and the crisis lines in English; "in English"
/ "på dansk" (ENGLISH / DANSK by SMS) switch mid-conversation, and a button payload (no words to
read) keeps the conversation's language. A Danish message is answered as before, and a message
in another language gets the fixed reply in that language.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timezone
from typing import Dict, Iterator

import pytest
import requests

from actions.wording import format_meeting_time
from bot.rasa_plugins.sms import messages
from core.municipality import get_municipality
from core.records import MeetingRecord
from core.store.cases.repository import CaseRepository
from core.store.database import Database
from tests.support.citizens import ANNA, Conversation, make_token
from tests.support.sms import RunningSimulator
from tests.support.widget_client import WidgetClient

FRIEND_QUESTION = "Can I bring a friend to the meeting?"
BISIDDER_ANSWER = "support person (bisidder)"
CRISIS_LINES = ("Livslinien", "70 201 201", "112")


@pytest.fixture(scope="module")
def annas_meeting(servers: Dict[str, str]) -> Iterator[tuple[MeetingRecord, datetime]]:
    database = Database(servers["db_url"], timeout_s=10)
    now = datetime.now(timezone.utc)
    meeting = CaseRepository(database).next_meeting(ANNA, now)
    database.close()
    assert meeting is not None and meeting.location
    yield meeting, now


# --- REST ---------------------------------------------------------------------------------------
def test_a_faq_answer_in_english(rest_url: str) -> None:
    chat = Conversation(rest_url)
    reply = chat.say(FRIEND_QUESTION)
    assert BISIDDER_ANSWER in reply and "bisidder med" not in reply
    assert chat.say("hvor længe varer et ressourceforløb?").count("3 år") == 1  # Danish again


def test_a_danish_message_is_answered_as_before(rest_url: str) -> None:
    reply = Conversation(rest_url).say("må jeg tage en bisidder med til mødet?")
    assert "bisidder" in reply and "support person" not in reply


def test_a_logged_in_citizen_gets_her_next_meeting_in_english(
    rest_url: str, servers: Dict[str, str], annas_meeting: tuple[MeetingRecord, datetime]
) -> None:
    meeting, now = annas_meeting
    reply = Conversation(rest_url, make_token(servers["secret"], ANNA)).say("When is my next meeting?")
    assert "Your next meeting" in reply
    assert format_meeting_time(meeting.starts_at, now, "en") in reply  # e.g. "Tuesday 8 December at 10:00"
    assert meeting.location in reply  # imported data shown as imported
    assert "Dit næste møde" not in reply


def test_crisis_words_in_english_get_the_crisis_lines_in_english(rest_url: str) -> None:
    reply = Conversation(rest_url).say("i cant do this anymore, i want to kill myself")
    assert all(line in reply for line in CRISIS_LINES)
    assert "Ring til Livslinien" not in reply


def test_switching_language_mid_conversation(rest_url: str, servers: Dict[str, str]) -> None:
    chat = Conversation(rest_url, make_token(servers["secret"], ANNA))
    assert "Dit næste møde" in chat.say("hvornår er mit næste møde?")
    assert "I will write in English" in chat.say("in English please")
    # a button's payload has no words to read: the conversation's language answers it
    assert "Your next meeting" in chat.say("/ask_next_meeting")
    assert "jeg skriver på dansk" in chat.say("på dansk tak")
    assert "Dit næste møde" in chat.say("/ask_next_meeting")


def test_a_message_in_another_language_gets_the_fixed_reply_in_that_language(rest_url: str) -> None:
    phone = get_municipality().phone
    reply = Conversation(rest_url).say("مرحبا، هل يمكنني الحصول على مساعدة بخصوص الاجتماع؟")
    assert "الدنماركية" in reply and phone in reply  # "Danish" in Arabic, and the jobcenter's number
    crisis = Conversation(rest_url).say("أريد أن أنتحر")
    assert all(line in crisis for line in ("112", "70 201 201"))


def test_the_guide_to_its_note_in_english(rest_url: str, servers: Dict[str, str]) -> None:
    chat = Conversation(rest_url, make_token(servers["secret"], ANNA))
    reply = chat.say("Help me prepare for my meeting")
    assert "Step 1 of 5" in reply, reply
    for _ in range(4):
        assert "Step" in chat.say("next")
    assert "questions" in chat.say("next")
    reply = chat.say("Yes, help me")
    answers = [
        "That they understand I cannot work full time right now.",
        "I would like to work with animals, a few hours a week.",
        "Sleep and pain are the hard part.",
        "Physiotherapy helped.",
        "What happens after the meeting?",
        "Yes",
        "I need breaks during the meeting.",
    ]
    for answer in answers:
        reply = chat.say(answer)
    assert reply.startswith("My preparation note"), reply
    for answer in answers:
        assert answer in reply  # the citizen's own words, as written
    assert "Mit forberedelsesnotat" not in reply


# --- socket.io (the web widget) -----------------------------------------------------------------
async def test_socketio_answers_in_english_and_says_so(servers: Dict[str, str]) -> None:
    client = WidgetClient()
    await client.sio.connect(servers["rasa"], socketio_path="/socket.io", transports=["polling"])
    try:
        await client.request_session()
        answer = await client.ask(FRIEND_QUESTION)
        assert BISIDDER_ANSWER in answer
        assert {part.get("lang") for part in client.last if part.get("text")} == {"en"}
        danish = await client.ask("hvor længe varer et ressourceforløb?")
        assert "3 år" in danish and {part.get("lang") for part in client.last if part.get("text")} == {"da"}
        await client.ask('/switch_language{"language":"en"}')  # the widget's language button
        assert {part.get("lang") for part in client.last if part.get("text")} == {"en"}
    finally:
        await client.sio.disconnect()


async def test_socketio_logged_in_next_meeting_in_english(
    servers: Dict[str, str], annas_meeting: tuple[MeetingRecord, datetime]
) -> None:
    meeting, now = annas_meeting
    client = WidgetClient(make_token(servers["secret"], ANNA))
    await client.sio.connect(servers["rasa"], socketio_path="/socket.io", transports=["polling"])
    try:
        await client.request_session()
        answer = await client.ask("when is my next meeting")
    finally:
        await client.sio.disconnect()
    assert format_meeting_time(meeting.starts_at, now, "en") in answer and meeting.location in answer


# --- SMS ----------------------------------------------------------------------------------------
ANNAS_NUMBER = "+4520123456"  # demo citizen c-1001
_numbers = itertools.count(1)
INTRODUCTIONS = {messages.text(messages.INTRODUCTION, language) for language in ("da", "en")}


def _new_number() -> str:
    return f"+454020{next(_numbers):04d}"


def _answer(sim: RunningSimulator, msisdn: str, text: str) -> str:
    before = len(sim.sent(msisdn))
    status, _ = sim.send_mo(msisdn, text)
    assert status == 200
    received = sim.wait_for(msisdn, 1, since=before)
    assert received, f"no answer to {text!r}"
    if received[-1].text in INTRODUCTIONS:  # a number's first SMS: the answer comes after it
        received = sim.wait_for(msisdn, 2, since=before)
    return received[-1].text


def test_sms_in_english(sim: RunningSimulator) -> None:
    number = _new_number()
    status, _ = sim.send_mo(number, FRIEND_QUESTION)
    assert status == 200
    introduction, reply = sim.wait_for(number, 2)[:2]  # the first SMS says who is writing
    assert "digital assistant" in introduction.text and BISIDDER_ANSWER in reply.text
    reply = _answer(sim, number, "i want to die")
    assert all(line in reply for line in CRISIS_LINES)
    assert "I will write in English" in _answer(sim, number, "ENGLISH")
    assert "jeg skriver på dansk" in _answer(sim, number, "DANSK")
    assert "Du er nu afmeldt" in _answer(sim, number, "STOP")


def test_sms_next_meeting_in_english_and_stop_in_the_conversation_language(
    sim: RunningSimulator, annas_meeting: tuple[MeetingRecord, datetime]
) -> None:
    meeting, now = annas_meeting
    number = ANNAS_NUMBER
    reply = _answer(sim, number, "when is my next meeting?")
    assert format_meeting_time(meeting.starts_at, now, "en") in reply
    assert "You are now unsubscribed" in _answer(sim, number, "STOP")
    assert "Welcome back" in _answer(sim, number, "START")
    assert "Dit næste møde" in _answer(sim, number, "hvornår er mit næste møde?")


def test_the_language_is_stored_with_the_conversation(servers: Dict[str, str], rest_url: str) -> None:
    """The conversation's language is stored with it (the `language` slot; the review app shows
    it: tests/integration/review/test_conversation_language.py)."""
    chat = Conversation(rest_url)
    chat.say(FRIEND_QUESTION)
    events = requests.get(
        f"{servers['rasa']}/conversations/rest:{chat.sender}/tracker",
        params={"token": servers["rasa_api_token"]},
        timeout=10,
    ).json()["events"]
    slots = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == "language"]
    assert slots and slots[-1] == "en"
