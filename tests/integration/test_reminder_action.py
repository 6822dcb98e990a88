"""The SMS meeting reminder (actions/reminders.py) in the conversation's stored language.

Run for real against the demo case database (SQLite, data/demo_cases.json): Anna's reminder for
her meeting Tuesday 8 December 2026 10:00 is scheduled and marked "delivering" as the SMS worker
does, then `action_meeting_reminder` runs in her SMS conversation. The reminder goes out before
the citizen has written anything, so its language is the conversation's stored one (the slot
`language`), Danish by default.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.reminders import ActionMeetingReminder
from bot.rasa_plugins.sms.formatting import options_block, options_from
from core import clock
from core.clock import LOCAL_TZ
from core.municipality import SmsPractice
from core.store.sms.conversations import SmsConversations
from core.store.sms.reminders import SmsReminders
from tests.support.trackers import latest_message, sdk_tracker

CONVERSATION = "sms:test-anna"
NOW = datetime(2026, 12, 5, 9, 0, tzinfo=LOCAL_TZ)  # Anna's reminder is due from 5 Dec 9.00

DANISH = (
    "Husk: Du har et møde med rehabiliteringsteamet tirsdag den 8. december kl. 10.00. "
    "Sted: Jobcentret, lokale 2.14. Vil du forberede dig? Svar FORBERED. "
    "Skriv STOP, hvis du ikke vil have SMS fra os."
)
ENGLISH = (
    "Reminder: You have a meeting with the rehabilitation team (rehabiliteringsteam) on Tuesday "
    "8 December at 10:00. Place: Jobcentret, lokale 2.14. Do you want to prepare? Reply PREPARE. "
    "Write STOP if you do not want texts from us."
)


@pytest.fixture
def delivering(demo_cases_db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Anna's reminder, scheduled and being delivered into CONVERSATION."""
    monkeypatch.setattr(clock, "utc_now", lambda: NOW)
    assert SmsReminders().schedule(NOW, SmsPractice(), lambda e164: CONVERSATION).scheduled == 1
    conversations = SmsConversations()
    reminder = conversations.next_reminder(CONVERSATION)
    assert reminder is not None
    conversations.start_reminder(reminder.id)
    return CONVERSATION


def remind(sender_id: str, slots: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    latest = latest_message("", "EXTERNAL_meeting_reminder")
    tracker = sdk_tracker(latest, sender_id=sender_id, slots=slots, channel="gatewayapi")
    dispatcher = CollectingDispatcher()
    assert asyncio.run(ActionMeetingReminder().run(dispatcher, tracker, {})) == []
    return dispatcher.messages


def test_the_reminder_is_danish_by_default(delivering: str) -> None:
    for slots in (None, {"language": "da"}, {"language": "xx"}):
        [message] = remind(delivering, slots)
        assert message["text"] == DANISH
        assert message["buttons"] == [
            {"title": "FORBERED", "payload": "Hjælp mig med at forberede mig til mødet"}
        ]


def test_the_reminder_goes_out_in_the_conversations_stored_language(delivering: str) -> None:
    [message] = remind(delivering, {"language": "en"})
    assert message["text"] == ENGLISH
    assert message["buttons"] == [{"title": "PREPARE", "payload": "Help me prepare for the meeting"}]


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_reminder_names_its_option_so_no_list_is_added_by_sms(delivering: str, language: str) -> None:
    messages = remind(delivering, {"language": language})
    assert options_block(options_from(messages), messages[0]["text"]) == ""


def test_no_reminder_outside_its_sms_conversation(delivering: str) -> None:
    assert remind("rest:anna", {"language": "en"}) == []
    assert remind("sms:someone-else", {"language": "en"}) == []
