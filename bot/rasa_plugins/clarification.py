""" "Mente du …?" rendered in the Rasa process: the responses `utter_clarify` and `utter_clarify_none`.

Rules (data/rules/clarification.yml) answer intent `nlu_fallback` with `utter_clarify` and the
"Noget andet" button (`/clarify_none`) with `utter_clarify_none`; `bot.rasa_plugins.nlg` asks this module for
their content, so an unsure moment costs no call to the action server (docs/performance.md:
that call was the slowest reply the assistant gave).

- `utter_clarify`: the 2–3 close candidate topics as buttons (`core.clarification`; never a
  single one: the NLU answers that), plus "Noget andet" and "Tal med et menneske". A message
  with words of distress as well gets the distress opening first ("Det lyder rigtig svært …";
  bot/rasa_plugins/nlu/crisis.py leaves it unsure for this). With fewer than two worth offering it is a miss.
- `utter_clarify_none`: a miss.

A miss asks the citizen to rephrase the first time; a second miss in a row (counted over the
turns since the assistant last answered) offers a human instead: the jobcenter's phone and hours
and the hand-off button. Each of these messages carries `clarify_step` ("offered", "rephrase",
"handoff") in its metadata, which Rasa keeps with the bot message in the conversation store: the
review app and the next turn read what happened from there, no slot is needed.

Texts: data/support.yml (`clarification`), titles: data/topic_titles.yml, both in the
conversation's language (the `language` slot).

Must not: trust anything in a payload, read the citizen's identity, or log the citizen's words.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Iterable, List, Mapping

from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from core.bilingual import LANGUAGE_SLOT, normalise
from core.care import distress_in, support_texts
from core.clarification import HANDOFF_INTENT, NONE_INTENT, button_for, candidates
from core.municipality import fill

logger = logging.getLogger(__name__)

CLARIFY_RESPONSE = "utter_clarify"
CLARIFY_NONE_RESPONSE = "utter_clarify_none"
RESPONSES = frozenset({CLARIFY_RESPONSE, CLARIFY_NONE_RESPONSE})
STEP_KEY = "clarify_step"
OFFERED, REPHRASE, HANDOFF = "offered", "rephrase", "handoff"
MISSES = frozenset({REPHRASE, HANDOFF})
HELP_PAYLOAD = "/help"


def _texts(language: str) -> Mapping[str, str]:
    return support_texts("clarification", language)


def _human_button(language: str) -> Dict[str, str]:
    return {"title": _texts(language)["human_title"], "payload": f"/{HANDOFF_INTENT}"}


def _help_button(language: str) -> Dict[str, str]:
    return {"title": _texts(language)["help_title"], "payload": HELP_PAYLOAD}


def language_of(tracker: DialogueStateTracker) -> str:
    """The conversation's language ("da" unless the citizen writes English)."""
    return normalise(tracker.get_slot(LANGUAGE_SLOT))


def _step_of(event: Event) -> str | None:
    if isinstance(event, BotUttered) and isinstance(event.metadata, dict):
        step = event.metadata.get(STEP_KEY)
        return step if isinstance(step, str) else None
    return None


def misses_in_a_row(events: Iterable[Event]) -> int:
    """How many turns before the latest message were misses, since the last answered one.

    A turn belongs to the streak when one of its bot messages carries `clarify_step`; a turn
    without one (an answer, the guide, small talk) ends the streak.
    """
    turns: List[List[str]] = [[]]
    for event in events:
        if isinstance(event, UserUttered):
            turns.append([])
            continue
        step = _step_of(event)
        if step is not None:
            turns[-1].append(step)
    misses = 0
    for steps in reversed(turns[:-1]):  # the last "turn" is the current one
        if not steps:
            break
        misses += steps[-1] in MISSES
    return misses


def latest_texts(tracker: DialogueStateTracker) -> tuple[str | None, str | None]:
    """The latest message as written and as the NLU normalised it."""
    message = tracker.latest_message
    if message is None:
        return None, None
    parsed = message.parse_data.get("text") if isinstance(message.parse_data, dict) else None
    return message.text, parsed if isinstance(parsed, str) else None


def _miss(tracker: DialogueStateTracker) -> Dict[str, Any]:
    """Nothing fits: rephrase-ask the first time, offer a human the second time in a row."""
    language = language_of(tracker)
    if misses_in_a_row(tracker.events) >= 1:
        logger.info("Clarification: second miss in a row, a human is offered.")
        return {
            "text": fill(_texts(language)["handoff_offer"].strip(), language),
            "buttons": [_human_button(language), _help_button(language)],
            STEP_KEY: HANDOFF,
        }
    return {
        "text": _texts(language)["rephrase"].strip(),
        "buttons": [_help_button(language), _human_button(language)],
        STEP_KEY: REPHRASE,
    }


def _offer(tracker: DialogueStateTracker) -> Dict[str, Any]:
    message = tracker.latest_message
    found = candidates(message.parse_data if message is not None else None)
    if not found:
        return _miss(tracker)
    language = language_of(tracker)
    question = _texts(language)["question"]
    if distress_in(*latest_texts(tracker)):
        # Two things in one message: the worry is answered first, then the question.
        question = f"{support_texts('distress', language)['opening']}\n{question}"
    buttons = [button_for(c, language) for c in found]
    buttons += [
        {"title": _texts(language)["other_title"], "payload": f"/{NONE_INTENT}"},
        _human_button(language),
    ]
    logger.info("Clarification: %d candidate(s) offered.", len(found))
    return {"text": question, "buttons": buttons, STEP_KEY: OFFERED}


def clarification_response(utter_action: str, tracker: DialogueStateTracker) -> Dict[str, Any] | None:
    """The content of `utter_clarify` / `utter_clarify_none`; None for any other response."""
    if utter_action == CLARIFY_RESPONSE:
        return _offer(tracker)
    if utter_action == CLARIFY_NONE_RESPONSE:
        return _miss(tracker)
    return None
