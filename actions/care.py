"""Care for a citizen in distress or in crisis.

Owns:
- `action_distress_support` (intent `distress`: "jeg har det rigtig dårligt", "jeg kan ikke
  overskue det"): a warm, short answer that takes it seriously and offers what fits: the
  preparation guide, the caseworker (a verified citizen's own caseworker when their open case
  has one with a phone number, else the jobcenter's phone and hours from the municipality
  settings), asking for the meeting to be moved, the own doctor or lægevagten, and Livslinien
  for thoughts of self-harm. Also for anger at the municipality and "I don't know who to
  talk to": who to contact comes with the warm words.
  Texts and sources: data/support.yml (`distress`), in the conversation's language.
- `action_crisis_support` (intent `crisis`, after `utter_crisis_support` in domain.yml, which
  carries the crisis lines themselves so they are sent even if this server is down): inside
  the preparation guide it pauses the guide (the crisis words are never taken as an answer:
  domain.yml) and says so; otherwise it only makes sure no loop is active. The review app
  flags the conversation by its name.

Every text comes from data/support.yml (`core.care.support_texts` / `support_text`) in the
conversation's language (the slot `language`, `actions.replies.language_of`; Danish by default).

Must not: take the identity from anything but the verified metadata, log the citizen's words,
names or numbers, or let a database problem take the answer away (it falls back to the
jobcenter).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.preparation_flow import FORM_NAME, PAUSED, REQUESTED_SLOT, STATUS_SLOT
from actions.replies import language_of
from actions.who_is_asking import VerifiedCitizen, identity_of
from core import phone
from core.bilingual import DANISH
from core.care import support_text, support_texts
from core.municipality import fill
from core.records import current_caseworker
from core.sms import is_sms_channel
from core.store.cases.repository import CaseRepository
from core.store.database import call
from core.store.errors import StoreUnavailable

logger = logging.getLogger(__name__)

START_GUIDE_PAYLOAD = "/start_preparation"
HANDOFF_PAYLOAD = "/human_handoff"


async def own_caseworker_line(tracker: Tracker, texts: Mapping[str, str]) -> str | None:
    """ "Call your caseworker, <name>, on <phone>" for a verified citizen, when we know them."""
    identity = identity_of(tracker)
    if not isinstance(identity, VerifiedCitizen):
        return None
    try:
        worker = current_caseworker(await call(CaseRepository().cases_for, identity.citizen_id))
    except (StoreUnavailable, ValueError):
        logger.warning("action_distress_support: the caseworker could not be looked up")
        return None
    if worker is None or not worker.phone:
        return None
    return texts["own_caseworker"].format(name=worker.name, phone=phone.for_citizen(worker.phone))


def distress_lines(
    texts: Mapping[str, str], caseworker_line: str | None, sms: bool = False, language: str = DANISH
) -> list[str]:
    """The answer's lines; by SMS without the guide's line (its button says it), to fit one SMS."""
    lines = [texts["opening"], caseworker_line or fill(texts["caseworker"], language), texts["move"]]
    if not sms:
        lines.append(texts["guide"])
    return [*lines, texts["doctor"], texts["crisis_line"]]


class ActionDistressSupport(Action):
    """`distress`: take it seriously; the guide, the caseworker, moving the meeting."""

    def name(self) -> str:
        return "action_distress_support"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        texts = support_texts("distress", language)
        sms = is_sms_channel(tracker.get_latest_input_channel())
        lines = distress_lines(texts, await own_caseworker_line(tracker, texts), sms, language)
        dispatcher.utter_message(
            text="\n".join(lines),
            buttons=[
                {"title": texts["prepare_title"], "payload": START_GUIDE_PAYLOAD},
                {"title": texts["human_title"], "payload": HANDOFF_PAYLOAD},
            ],
        )
        logger.info("Distress support sent.")
        return []


class ActionCrisisSupport(Action):
    """`crisis`, after the crisis lines: inside the guide, pause it (the words are no answer)."""

    def name(self) -> str:
        return "action_crisis_support"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        logger.info("Crisis support sent.")
        # Always the same loop events (no loop after a crisis), so the rules stay complete.
        ended: list[EventType] = [SlotSet(REQUESTED_SLOT, None), ActiveLoop(None)]
        if (tracker.active_loop or {}).get("name") != FORM_NAME:
            return ended
        dispatcher.utter_message(text=support_text("crisis_guide_paused", language_of(tracker)))
        # The crisis words were not taken as an answer (the guide's slots ignore intent `crisis`).
        return [SlotSet(STATUS_SLOT, PAUSED), *ended]
