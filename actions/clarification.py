""" "Mente du …?": the actions that turn an unsure moment into a one-tap choice, never a dead end.

Owns:
- `action_clarify` (rule: intent `nlu_fallback`): the best 2–3 candidate topics as buttons
  (`core.clarification`), plus "Noget andet" and "Tal med et menneske". With nothing worth
  offering it counts as a miss. A message with words of distress as well gets the distress
  opening first ("Det lyder rigtig svært …"; bot/nlu/crisis.py leaves it unsure for this).
- `action_faq_pick` (payload `/faq_pick{"topic": "faq/<key>"}`): the chosen FAQ answer, by its
  response name, so the tracker shows the answer like any other (`utter_action` in the bot
  event). Only a known topic is answered; every other entity in the payload is ignored.
- `action_clarify_none` (payload `/clarify_none`, "Noget andet"): a miss.

A miss asks the citizen to rephrase the first time; a second miss in a row (counted over the
turns since the assistant last answered) offers a human instead: the jobcenter's phone and
hours and the hand-off button (`action_human_handoff`). The slot `clarify_step` records what
each turn did ("offered", "rephrase", "handoff"); it never steers the dialogue policies.

Texts: data/support.yml (`clarification`), titles: data/topic_titles.yml.

Must not: trust anything in a payload but a known topic, read the citizen's identity, or log
the citizen's words.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.preparation import written_text
from core.care import distress_in, support_texts
from core.clarification import HANDOFF_INTENT, NONE_INTENT, button_for, candidates, topic_from_entities
from core.municipality import fill

logger = logging.getLogger(__name__)

STEP_SLOT = "clarify_step"
OFFERED, REPHRASE, HANDOFF = "offered", "rephrase", "handoff"
MISSES = frozenset({REPHRASE, HANDOFF})
HELP_PAYLOAD = "/help"
HELP_TITLE = "Hvad kan du hjælpe med?"


def _texts() -> Mapping[str, str]:
    return support_texts("clarification")


def _human_button() -> dict[str, str]:
    return {"title": _texts()["human_title"], "payload": f"/{HANDOFF_INTENT}"}


def misses_in_a_row(events: Sequence[Mapping[str, Any]]) -> int:
    """How many of the turns before the latest message were misses, since the last answered one.

    A turn belongs to the streak when one of these actions set `clarify_step` in it; a turn
    without it (an answer, the guide, small talk) ends the streak.
    """
    turns: list[list[Mapping[str, Any]]] = [[]]
    for event in events:
        if event.get("event") == "user":
            turns.append([])
        else:
            turns[-1].append(event)
    misses = 0
    for turn in reversed(turns[:-1]):  # the last "turn" is the current one
        steps = [e.get("value") for e in turn if e.get("event") == "slot" and e.get("name") == STEP_SLOT]
        steps = [s for s in steps if s is not None]
        if not steps:
            break
        misses += steps[-1] in MISSES
    return misses


def miss(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Nothing fits: rephrase-ask the first time, offer a human the second time in a row."""
    if misses_in_a_row(tracker.events or []) >= 1:
        dispatcher.utter_message(
            text=fill(_texts()["handoff_offer"].strip()),
            buttons=[_human_button(), {"title": HELP_TITLE, "payload": HELP_PAYLOAD}],
        )
        logger.info("Clarification: second miss in a row, a human is offered.")
        return [SlotSet(STEP_SLOT, HANDOFF)]
    dispatcher.utter_message(
        text=_texts()["rephrase"].strip(),
        buttons=[{"title": HELP_TITLE, "payload": HELP_PAYLOAD}, _human_button()],
    )
    return [SlotSet(STEP_SLOT, REPHRASE)]


class ActionClarify(Action):
    """`nlu_fallback`: "Mente du …?" with the best candidates, or a miss when there are none."""

    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        found = candidates(tracker.latest_message)
        if not found:
            return miss(dispatcher, tracker)
        question = _texts()["question" if len(found) > 1 else "question_one"]
        if distress_in(written_text(tracker), (tracker.latest_message or {}).get("text")):
            # Two things in one message: the worry is answered first, then the question.
            question = f"{support_texts('distress')['opening']}\n{question}"
        buttons = [button_for(c) for c in found]
        buttons += [{"title": _texts()["other_title"], "payload": f"/{NONE_INTENT}"}, _human_button()]
        dispatcher.utter_message(text=question, buttons=buttons)
        logger.info("Clarification: %d candidate(s) offered.", len(found))
        return [SlotSet(STEP_SLOT, OFFERED)]


class ActionFaqPick(Action):
    """`/faq_pick{"topic": "faq/<key>"}`: the chosen FAQ answer (known topics only)."""

    def name(self) -> str:
        return "action_faq_pick"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        topic = topic_from_entities((tracker.latest_message or {}).get("entities"))
        if topic is None:
            dispatcher.utter_message(text=_texts()["unknown_topic"])
            return [SlotSet(STEP_SLOT, None)]
        dispatcher.utter_message(response=f"utter_{topic}")
        logger.info("Clarification: the citizen chose %s.", topic)
        return [SlotSet(STEP_SLOT, None)]


class ActionClarifyNone(Action):
    """ "Noget andet": none of the offered topics fit."""

    def name(self) -> str:
        return "action_clarify_none"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return miss(dispatcher, tracker)
