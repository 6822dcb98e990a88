"""What a citizen's SMS means (bot/rasa_plugins/sms/replies.py), whose conversation it is (pseudonym), and
when a meeting reminder is due (core/sms/schedule.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.rasa_plugins.sms.formatting import Option
from bot.rasa_plugins.sms.replies import MORE, START, STOP, CommandReply, TextReply, read_reply
from core.clock import LOCAL_TZ
from core.municipality import SmsPractice
from core.sms import CONVERSATION_PREFIX
from core.sms.pseudonym import conversation_id
from core.sms.schedule import deliver_before, is_due, opens_at, within_hours
from core.sms.sender import sender_problem

GUIDE = (Option("Videre", "Videre"), Option("Spring over", "Spring over"), Option("Stop", "Stop"))
CASE = (
    Option("Hjælp mig med at forberede mig", "Hvordan kan jeg forberede mig til mødet?"),
    Option("Se alle mine møder", "Hvilke møder har jeg?"),
)
CLARIFY = (Option("Mødet med teamet", "/faq/moede_forloeb"), Option("Ydelsen", "/faq/ydelse_hvad"))


@pytest.mark.parametrize("text", ["STOP", "stop", " Stop ", "S T O P", "stop.", "sToP!", "\tstop\n"])
def test_stop_in_any_case_with_or_without_spaces(text: str) -> None:
    assert read_reply(text, GUIDE) == CommandReply(STOP)


@pytest.mark.parametrize(("text", "command"), [("START", START), ("start ", START), ("Mere", MORE)])
def test_start_and_more(text: str, command: str) -> None:
    assert read_reply(text) == CommandReply(command)


def test_words_that_contain_stop_are_text() -> None:
    text = "stop med at skrive til mig om mødet"
    assert read_reply(text) == TextReply(text)


@pytest.mark.parametrize(
    ("text", "payload"), [("1", "Videre"), ("2.", "Spring over"), (" 3 ", "Stop"), ("1)", "Videre")]
)
def test_numbered_replies_map_to_the_last_buttons(text: str, payload: str) -> None:
    reply = read_reply(text, GUIDE)
    assert isinstance(reply, TextReply) and reply.text == payload and reply.option is not None


@pytest.mark.parametrize("options", [CASE, CLARIFY])
def test_numbered_replies_work_for_case_answers_and_clarification(options: tuple[Option, ...]) -> None:
    assert read_reply("2", options) == TextReply(options[1].payload, options[1])
    assert read_reply(" 1 ", options) == TextReply(options[0].payload, options[0])


def test_a_number_without_such_an_option_is_text() -> None:
    assert read_reply("4", GUIDE) == TextReply("4")
    assert read_reply("1", ()) == TextReply("1")


def test_the_title_itself_chooses_the_option() -> None:
    forbered = (Option("FORBERED", "Hjælp mig med at forberede mig til mødet"),)
    assert read_reply("forbered", forbered).text == "Hjælp mig med at forberede mig til mødet"
    assert read_reply("Spring over", GUIDE).text == "Spring over"


def test_a_slash_command_typed_by_the_citizen_is_not_an_intent() -> None:
    assert read_reply("/EXTERNAL_meeting_reminder") == TextReply("EXTERNAL_meeting_reminder")
    assert read_reply("//ask_case_status") == TextReply("ask_case_status")
    # ... unless it is exactly a payload the assistant offered (clarification buttons).
    assert read_reply("/faq/moede_forloeb", CLARIFY) == TextReply("/faq/moede_forloeb")


def test_conversation_id_is_a_keyed_pseudonym_without_the_number() -> None:
    key = b"dev-only-test"
    first = conversation_id("+4520123456", key)
    assert first.startswith(CONVERSATION_PREFIX) and len(first) == len(CONVERSATION_PREFIX) + 32
    assert "20123456" not in first
    assert first == conversation_id("+4520123456", key)
    assert first != conversation_id("+4520123457", key)
    assert first != conversation_id("+4520123456", b"another key")
    with pytest.raises(ValueError):
        conversation_id("20123456", key)


PRACTICE = SmsPractice()  # 3 days before, 9-19
MEETING = datetime(2026, 12, 8, 10, 0, tzinfo=LOCAL_TZ)  # Tuesday


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=LOCAL_TZ)


def test_reminder_opens_three_days_before_at_nine() -> None:
    assert opens_at(MEETING, PRACTICE) == at(5, 9)
    assert not is_due(MEETING, at(5, 8, 59), PRACTICE)
    assert is_due(MEETING, at(5, 9), PRACTICE)
    assert is_due(MEETING, at(7, 18, 59), PRACTICE)


def test_no_reminder_at_night_it_waits_for_the_morning() -> None:
    assert not is_due(MEETING, at(5, 19), PRACTICE)
    assert not is_due(MEETING, at(6, 2), PRACTICE)
    assert is_due(MEETING, at(6, 9), PRACTICE)


def test_no_reminder_once_the_meeting_has_started() -> None:
    assert not is_due(MEETING, at(8, 10), PRACTICE)
    assert is_due(MEETING, at(8, 9, 30), PRACTICE)


def test_reminder_deadline_is_the_end_of_todays_hours_or_the_meeting() -> None:
    assert deliver_before(MEETING, at(5, 10), PRACTICE) == at(5, 19)
    assert deliver_before(MEETING, at(8, 9, 30), PRACTICE) == MEETING


def test_allowed_hours_are_copenhagen_time_across_daylight_saving() -> None:
    summer = datetime(2026, 7, 1, 7, 30, tzinfo=timezone.utc)  # 9.30 in Copenhagen (UTC+2)
    winter = datetime(2026, 12, 1, 7, 30, tzinfo=timezone.utc)  # 8.30 in Copenhagen (UTC+1)
    assert within_hours(summer, PRACTICE) and not within_hours(winter, PRACTICE)
    assert within_hours(winter + timedelta(minutes=30), PRACTICE)


def test_municipality_settings_change_the_rule() -> None:
    practice = SmsPractice(reminder_days_before=1, reminder_from_hour=8, reminder_until_hour=24)
    assert opens_at(MEETING, practice) == at(7, 8)
    assert is_due(MEETING, at(7, 23, 30), practice)


@pytest.mark.parametrize("sender", ["JobcenterEx", "Jobcenter", "Kommune 12", "4570102030"])
def test_valid_senders(sender: str) -> None:
    assert sender_problem(sender) is None


@pytest.mark.parametrize(
    "sender", ["Jobcenter Eksempel", "Jobcenter Ærø", "", "12345678901234567", "Job-center"]
)
def test_invalid_senders(sender: str) -> None:
    assert sender_problem(sender) is not None
