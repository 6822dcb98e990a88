"""Custom Rasa NLU pipeline components (registered with Rasa's default recipe).

- `DanishNormalizer` runs first: it rewrites each message's text with `bot.rasa_plugins.nlu.spelling`
  (abbreviations, restored æ/ø/å, one-edit typos) so spaCy's Danish lemmas and the word features
  see the words the training data uses. The domain vocabulary is learnt at training time from
  the assistant's own answers and stored in the model. The user's original text stays in the
  tracker's `user` events (`UserUttered.text`); `latest_message["text"]` (the parse data) is the
  normalised copy, so actions that need the words as written read the event
  (`actions.preparation.written_text`). Button payloads ("/intent{...}") are left untouched.
  At prediction time it also bounds the work of everything after it: a message of more than
  MAX_NLU_TOKENS tokens keeps its first and last MAX_NLU_TOKENS / 2 (measured with DIET, whose
  transformer costs the square of the number of tokens: 4,000 emoji took about a second; issue
  13). Training examples are short and never cut. The crisis words are still looked for in the
  whole message as written (TEXT_AS_WRITTEN_KEY, bot/rasa_plugins/nlu/crisis.py).
- `RetrievalAwareFallbackClassifier` replaces Rasa's `FallbackClassifier`: besides the intent
  confidence it also checks the ResponseSelector's confidence for retrieval intents, so a
  confidently classified `faq` with an unsure answer choice still falls back to "I'm not sure",
  and so does a message of two or more words that (nearly) no Danish lexicon knows (gibberish:
  DIET's softmax is confident about anything).

- `language_of_message` reads a message's language once (bot.rasa_plugins.language) and keeps it
  on the message: the normaliser (which leaves English as written), the classifier (which has a
  rule per language) and the language component all use that one reading.
- `StatelessComponent`: the base of the components that neither train nor keep state (crisis
  words, language).

None of them talks to anything outside the Rasa process.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Set

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_plugins.language import Detection, detect
from bot.rasa_plugins.nlu.spelling import DanishSpelling, domain_vocabulary
from core.bilingual import DANISH
from core.limits import MAX_NLU_TOKENS

logger = logging.getLogger(__name__)

VOCABULARY_FILE = "domain_vocabulary.json"
# Message attribute set by DanishNormalizer: how many words no Danish lexicon knows.
UNKNOWN_WORDS_KEY = "danish_unknown_words"
# Message attribute set by DanishNormalizer: the text as written, before normalisation (the
# crisis component matches its words on both, bot/rasa_plugins/nlu/crisis.py).
TEXT_AS_WRITTEN_KEY = "text_as_written"
# Message attribute (also in the parse data): the message's language as read by
# bot.rasa_plugins.language, {"language", "switch"}. Read once per message, by the first component
# that needs it (`language_of_message`), and used by every one after it.
MESSAGE_LANGUAGE_KEY = "message_language"


class StatelessComponent(GraphComponent):
    """A pipeline component that neither trains nor keeps state: it has its config only (the
    crisis words and the language component)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {}

    def __init__(self, config: Dict[str, Any]) -> None:
        self._config = config

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "StatelessComponent":
        return cls(config)


def language_of_message(message: Message) -> Detection:
    """The language of `message` as written: read once, then kept on the message."""
    stored = message.get(MESSAGE_LANGUAGE_KEY)
    if isinstance(stored, dict):
        return Detection(stored.get("language"), stored.get("switch"))
    found = detect(message.get(TEXT_AS_WRITTEN_KEY) or message.get(TEXT))
    message.set(MESSAGE_LANGUAGE_KEY, found.as_dict(), add_to_output=True)
    return found


NLU_CODE = Path(__file__).resolve().parent


def code_fingerprint(*names: str) -> str:
    """A hash of the named files of bot/rasa_plugins/nlu/ (or paths): Rasa's training cache keys a component
    on its config and data only, so a change to the code that trains it would reuse an old model."""
    digest = hashlib.sha256()
    for name in names:
        path = Path(name) if Path(name).is_absolute() else NLU_CODE / name
        digest.update(path.read_bytes())
    return digest.hexdigest()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class DanishNormalizer(GraphComponent):
    """Normalises Danish phone/SMS spelling before tokenisation."""

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> str | None:
        root = NLU_CODE.parent.parent.parent
        return code_fingerprint(
            "components.py",
            "spelling.py",
            str(root / "bot" / "rasa_plugins" / "language.py"),
            str(root / "data" / "languages.yml"),
        )

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"enabled": True}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: Set[str] | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._spelling: DanishSpelling | None = None
        if vocabulary is not None and config.get("enabled", True):
            self._spelling = DanishSpelling(vocabulary)

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "DanishNormalizer":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "DanishNormalizer":
        with model_storage.read_from(resource) as directory:
            vocabulary = set(json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8")))
        return cls(config, model_storage, resource, vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        vocabulary = vocabulary_for(training_data)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(
                json.dumps(sorted(vocabulary), ensure_ascii=False), encoding="utf-8"
            )
        logger.debug("Danish domain vocabulary: %d words", len(vocabulary))
        return self._resource

    def _normalise(self, messages: List[Message], bounded: bool = False) -> None:
        if self._spelling is None:
            return
        for message in messages:
            text = message.get(TEXT)
            # A "/intent{...}" payload (a button) is left as sent: Rasa's RegexMessageHandler reads
            # it after this pipeline, and the normaliser would split it into words.
            if text and not text.lstrip().startswith("/"):
                danish = language_of_message(message).language in (None, DANISH)
                normalised, words, unknown = self._spelling.normalise_and_count_unknown(text, danish)
                message.set(TEXT_AS_WRITTEN_KEY, text)
                message.set(TEXT, bounded_tokens(normalised) if bounded else normalised)
                message.set(UNKNOWN_WORDS_KEY, {"words": words, "unknown": unknown})

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._normalise(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._normalise(messages, bounded=True)
        return messages


def vocabulary_for(training_data: TrainingData) -> Set[str]:
    """The domain vocabulary of `training_data`: its responses and its examples as written (the
    normaliser learns it at training time; the classifier rebuilds it to normalise the
    development set exactly as the normaliser does)."""
    reference = [
        variation.get(TEXT) or ""
        for variations in training_data.responses.values()
        for variation in variations
    ]
    examples = [
        m.get(TEXT_AS_WRITTEN_KEY) or m.get(TEXT) for m in training_data.training_examples if m.get(TEXT)
    ]
    return domain_vocabulary(reference, examples)


def bounded_tokens(normalised: str, limit: int = MAX_NLU_TOKENS) -> str:
    """A normalised text (tokens joined by spaces) cut to its first and last `limit` / 2 tokens."""
    tokens = normalised.split(" ")
    if len(tokens) <= limit:
        return normalised
    half = limit // 2
    return " ".join(tokens[:half] + tokens[-half:])


RESPONSE_THRESHOLD_KEY = "response_threshold"
RETRIEVAL_INTENTS_KEY = "retrieval_intents"
UNKNOWN_RATIO_KEY = "unknown_ratio"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RetrievalAwareFallbackClassifier(FallbackClassifier):
    """Rasa's FallbackClassifier, plus a threshold on the chosen FAQ answer's confidence."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            **FallbackClassifier.get_default_config(),
            RESPONSE_THRESHOLD_KEY: 0.5,
            RETRIEVAL_INTENTS_KEY: ["faq"],
            UNKNOWN_RATIO_KEY: 0.75,
        }

    def _mostly_unknown_words(self, message: Message) -> bool:
        """Two or more words, (nearly) none of them Danish: gibberish or another language."""
        counts = message.get(UNKNOWN_WORDS_KEY) or {}
        words, unknown = counts.get("words", 0), counts.get("unknown", 0)
        return words >= 2 and unknown / words >= self.component_config[UNKNOWN_RATIO_KEY]

    def _should_fallback(self, message: Message) -> bool:
        if super()._should_fallback(message) or self._mostly_unknown_words(message):
            return True
        intent_name = message.data.get(INTENT, {}).get(INTENT_NAME_KEY)
        if intent_name not in self.component_config[RETRIEVAL_INTENTS_KEY]:
            return False
        selectors = message.data.get("response_selector", {})
        prediction = selectors.get(intent_name) or selectors.get("default") or {}
        confidence = prediction.get("response", {}).get("confidence")
        if confidence is None:
            return False
        if confidence < self.component_config[RESPONSE_THRESHOLD_KEY]:
            logger.debug(
                "Answer confidence %.2f for '%s' is below %.2f: falling back.",
                confidence,
                intent_name,
                self.component_config[RESPONSE_THRESHOLD_KEY],
            )
            return True
        return False
