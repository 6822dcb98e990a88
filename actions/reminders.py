"""`action_meeting_reminder`: the text of a meeting reminder, sent into the SMS conversation.

The SMS worker in the Rasa server (bot/rasa_plugins/sms/worker.py) triggers the intent
`EXTERNAL_meeting_reminder` in the conversation `sms:<pseudonym>` while the reminder is marked
"delivering" in the database; this action reads THAT reminder (`SmsReminders.delivering_for`,
which only ever matches that SMS conversation, never a REST or web conversation that names the
intent itself) and says the day, the time and the place, and invites "Svar FORBERED": the
FORBERED option starts the preparation guide in the same conversation.

Must not: take the meeting from slots, entities or text, or log anything about it.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.danish import format_meeting_time, meeting_kind_words
from actions.replies import place_of
from core import clock
from core.records import SmsReminderRecord
from core.sms import CONVERSATION_PREFIX
from core.store.database import call
from core.store.errors import StoreUnavailable
from core.store.sms.reminders import SmsReminders

logger = logging.getLogger(__name__)

REMINDER = (
    "Husk: Du har {meeting} {when}. Sted: {place}. Vil du forberede dig? Svar FORBERED. "
    "Skriv STOP, hvis du ikke vil have SMS fra os."
)
PREPARE_KEYWORD = "FORBERED"
# The same words as the greeting's "Forbered mig til mødet" button (domain.yml).
PREPARE_PAYLOAD = "Hjælp mig med at forberede mig til mødet"


def reminder_text(reminder: SmsReminderRecord) -> str:
    """The reminder's text for a meeting that is still as scheduled."""
    assert reminder.meeting_kind is not None
    place = place_of(bool(reminder.meeting_online), reminder.meeting_location)
    return REMINDER.format(
        meeting=meeting_kind_words(reminder.meeting_kind).with_article,
        when=format_meeting_time(reminder.meeting_starts_at, clock.utc_now()),
        place=place,
    )


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
        dispatcher.utter_message(
            text=reminder_text(reminder),
            buttons=[{"title": PREPARE_KEYWORD, "payload": PREPARE_PAYLOAD}],
        )
        return []
