""" "Mente du …?": the citizen's pick, answered by the action server.

Owns `action_faq_pick` (payload `/faq_pick{"topic": "faq/<key>"}`): the chosen FAQ answer, by its
response name, so the tracker shows the answer like any other (`utter_action` in the bot event).
Only a known topic is answered; every other entity in the payload is ignored. The FAQ response
itself has a variation per language (domain.yml); the one text sent from here (an unknown topic)
is data/support.yml's, in the conversation's language (the slot `language`).

The offer itself ("Mente du …?") and a miss ("Noget andet", nothing to offer) are the responses
`utter_clarify` / `utter_clarify_none`, rendered in the Rasa process (bot/rasa_plugins/clarification.py).

Must not: trust anything in a payload but a known topic, read the citizen's identity, or log
the citizen's words.
"""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.replies import language_of
from core.care import support_texts
from core.clarification import topic_from_entities

logger = logging.getLogger(__name__)


class ActionFaqPick(Action):
    """`/faq_pick{"topic": "faq/<key>"}`: the chosen FAQ answer (known topics only)."""

    def name(self) -> str:
        return "action_faq_pick"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        topic = topic_from_entities((tracker.latest_message or {}).get("entities"))
        if topic is None:
            dispatcher.utter_message(
                text=support_texts("clarification", language_of(tracker))["unknown_topic"]
            )
            return []
        dispatcher.utter_message(response=f"utter_{topic}")
        logger.info("Clarification: the citizen chose %s.", topic)
        return []
