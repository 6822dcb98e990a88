"""The last NLU component: crisis words always win, distress is never a dead end.

`CrisisDetector` runs at the END of the pipeline (config.yml), after every classifier and the
fallback. It matches the phrase lists of data/support.yml (`core.care`, Danish and English) on the
message as written (DanishNormalizer keeps it) AND on the normalised text, and the crisis words of
the other languages (data/languages.yml, `bot.rasa_plugins.language.other_crisis`) on the message as written:

- words of suicide or self-harm: the intent becomes `crisis` with confidence 1.0, whatever the
  classifier said, so the crisis answer (Livslinien, 112, own doctor or lægevagt) comes first,
  deterministically, on every channel and inside the preparation guide (data/rules/care.yml);
- words of distress when the classifier was unsure (`nlu_fallback`) and there is no FAQ topic
  among the "Mente du …?" candidates: the intent becomes `distress`, so a citizen in distress is
  never asked to rephrase. With a FAQ candidate the message also asks something ("jeg har det
  skidt … kan jeg have en bisidder med?"): it stays unsure, and `utter_clarify`
  (bot/rasa_plugins/clarification.py) answers the worry first and offers the topics (two things in one
  message; measured on both held-out sets: a distress override there answered 7 factual
  questions with the distress text).

Must not: log the citizen's words (only that a list matched), call anything outside the Rasa
process, or weaken a confident classification other than to `crisis`.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_plugins import metrics
from bot.rasa_plugins.language import other_crisis
from bot.rasa_plugins.nlu.components import TEXT_AS_WRITTEN_KEY, StatelessComponent
from core.care import crisis_in, distress_in
from core.clarification import CANDIDATES_KEY, FAQ_PREFIX

logger = logging.getLogger(__name__)

CRISIS_INTENT = "crisis"
DISTRESS_INTENT = "distress"
FALLBACK_INTENT = "nlu_fallback"


def set_intent(message: Message, name: str) -> None:
    """`name` as the message's intent with confidence 1.0, first in the ranking (an override)."""
    ranking = [item for item in message.get(INTENT_RANKING_KEY) or [] if item.get(INTENT_NAME_KEY) != name]
    chosen = {INTENT_NAME_KEY: name, "confidence": 1.0}
    message.set(INTENT, chosen, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [chosen, *ranking], add_to_output=True)


def _offers_faq(message: Message) -> bool:
    """True when the "Mente du …?" candidates include a FAQ topic (a factual question)."""
    found = message.get(CANDIDATES_KEY) or []
    return any(
        str((item or {}).get("label", "")).startswith(FAQ_PREFIX) for item in found if isinstance(item, dict)
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisDetector(StatelessComponent):
    """Sets intent `crisis` (and `distress` instead of an unsure fallback) from word lists."""

    def __init__(self, config: Dict[str, Any]) -> None:
        super().__init__(config)
        crisis_in("")  # read and check data/support.yml now: a broken list stops the server

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            texts = (message.get(TEXT_AS_WRITTEN_KEY), message.get(TEXT))
            if crisis_in(*texts) or other_crisis(texts[0] or texts[1]):
                logger.info("Crisis words: intent set to %s.", CRISIS_INTENT)
                set_intent(message, CRISIS_INTENT)
            elif (
                (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == FALLBACK_INTENT
                and not _offers_faq(message)
                and distress_in(*texts)
            ):
                logger.info("Distress words in an unsure message: intent set to %s.", DISTRESS_INTENT)
                set_intent(message, DISTRESS_INTENT)
            if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == CRISIS_INTENT:
                metrics.count_reply(metrics.CRISIS)  # the crisis lines come first (data/rules/care.yml)
        return messages
