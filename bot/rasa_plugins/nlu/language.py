"""The NLU component that reads a message's language (bot.rasa_plugins.language) into the parse data.

`LanguageOfMessage` runs after the classifier and before `CrisisDetector` (config.yml):

- the detection is in the parse data (`message_language`: {"language", "switch"}; read once, by
  the normaliser: `language_of_message`), for the response generator (a fixed reply in another
  language) and the evaluation;
- a message it is sure of gets the entity `language` ("da"/"en"), which sets the conversation's
  `language` slot (domain.yml), so the answer to this very message is in its language; a message
  it cannot tell ("ok", "1") sets nothing and the conversation keeps its language;
- a switch ("in English", "på dansk", ENGLISH / DANSK by SMS) becomes intent `switch_language`,
  and a message in another language intent `other_language` (confidence 1.0), whatever the
  classifier said. Crisis words still win: `CrisisDetector` runs after this.

Must not: change the text, log the citizen's words, or call anything outside the Rasa process.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_plugins.language import detect
from bot.rasa_plugins.nlu.components import StatelessComponent, language_of_message
from bot.rasa_plugins.nlu.crisis import set_intent
from core.bilingual import DANISH, ENGLISH, LANGUAGE_SLOT

logger = logging.getLogger(__name__)

SWITCH_INTENT = "switch_language"
OTHER_LANGUAGE_INTENT = "other_language"
EXTRACTOR = "LanguageOfMessage"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LanguageOfMessage(StatelessComponent):
    """Sets the `language` entity, and the switch / other-language intents."""

    def __init__(self, config: Dict[str, Any]) -> None:
        super().__init__(config)
        detect("hej")  # read and check data/languages.yml now: a broken file stops the server

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            detection = language_of_message(message)  # read by the normaliser already
            if detection.switch:
                set_intent(message, SWITCH_INTENT)
            elif detection.is_other:
                logger.info("A message in another language (%s).", detection.language)
                set_intent(message, OTHER_LANGUAGE_INTENT)
            if detection.language in (DANISH, ENGLISH):
                entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != LANGUAGE_SLOT]
                entities.append(
                    {
                        "entity": LANGUAGE_SLOT,
                        "value": detection.language,
                        "start": 0,
                        "end": 0,
                        "extractor": EXTRACTOR,
                    }
                )
                message.set(ENTITIES, entities, add_to_output=True)
        return messages
