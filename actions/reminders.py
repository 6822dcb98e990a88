"""`action_meeting_reminder`: the text of a meeting reminder, sent into the SMS conversation.

The SMS worker in the Rasa server (bot/rasa_plugins/sms/worker.py) triggers the intent
`EXTERNAL_meeting_reminder` in the conversation `sms:<pseudonym>` while the reminder is marked
"delivering" in the database; this action reads THAT reminder (`SmsReminders.delivering_for`,
which only ever matches that SMS conversation, never a REST or web conversation that names the
intent itself) and says the day, the time and the place, and invites "Svar FORBERED" ("Reply
PREPARE"): that option starts the preparation guide in the same conversation.

The reminder goes out before the citizen has written anything in reply, so it is written in the
conversation's stored language (the slot `language`, `actions.replies.language_of`), Danish by
default. Texts: section `reminder` of data/texts/actions.yml.

Must not: take the meeting from slots, entities or text, or log anything about it.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import Button, button, language_of, place_of
from actions.wording import format_meeting_time, meeting_kind_words
from core import clock
from core.bilingual import DANISH
from core.records import SmsReminderRecord
from core.sms import CONVERSATION_PREFIX
from core.store.database import call
from core.store.errors import StoreUnavailable
from core.store.sms.reminders import SmsReminders
from core.texts import text

logger = logging.getLogger(__name__)

SECTION = "reminder"


def reminder_text(reminder: SmsReminderRecord, language: str = DANISH) -> str:
    """The reminder's text in `language` for a meeting that is still as scheduled."""
    assert reminder.meeting_kind is not None
    place = place_of(bool(reminder.meeting_online), reminder.meeting_location, language)
    return text(SECTION, "text", language).format(
        meeting=meeting_kind_words(reminder.meeting_kind, language).with_article,
        when=format_meeting_time(reminder.meeting_starts_at, clock.utc_now(), language),
        place=place,
    )


def prepare_button(language: str = DANISH) -> Button:
    """FORBERED / PREPARE: starts the guide (its payload is the greeting button's words)."""
    return button(text(SECTION, "prepare_keyword", language), text(SECTION, "prepare_payload", language))


class ActionMeetingReminder(Action):
    """Says the reminder the SMS worker is delivering into this conversation (else nothing)."""

    def name(self) -> str:
        return "action_meeting_reminder"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if not str(tracker.sender_id).startswith(CONVERSATION_PREFIX):
            return []
        try:
            reminder = await call(SmsReminders().delivering_for, tracker.sender_id)
        except StoreUnavailable:
            logger.warning("Meeting reminder: database unavailable")
            return []
        if reminder is None or reminder.meeting_kind is None:
            return []
        language = language_of(tracker)
        dispatcher.utter_message(text=reminder_text(reminder, language), buttons=[prepare_button(language)])
        return []
