"""`LinearNLUClassifier`: the Rasa component around bot/rasa_plugins/nlu/linear_model.py: intents, FAQ answers
and what the citizen gets in the first reply (answer, "Mente du …?" or "say it in other words").

It runs after `DanishNormalizer` (it reads the normalised text and the unknown-word counts) and
sets, for every message:
- `intent` and `intent_ranking`, as Rasa's classifiers do: the answered label's intent, or
  `nlu_fallback` when the assistant asks back;
- `response_selector["faq"]`, in exactly the shape of Rasa's ResponseSelector, with the answered
  topic first, so `utter_faq`, the review app and the actions read it unchanged;
- `answer_decision` (core/answer_decision.py): `kind` (answer / ask / rephrase), `label`,
  `confidence`, `close` (answered, but near the next topic: the review app flags it), `see_also`
  (the one or two nearest other topics, offered under the answer), `aspect` (the part of a case
  answer asked for, e.g. "place") and `context` (the previous answer was used);
- `clarification_candidates`: the two or three close topics of a "Mente du …?", else empty;
- `topic_text`: the words that name this turn's topic, read by the next turn;
- an `aspect` entity when a case question asks for one part of the answer.

The decision rule (core/answer_decision.py) is chosen at training time on the development set
(`dev_set`, data/dev/dev_voice.yml: messages in the citizens' voice that are never trained on
nor used as held-out data): the most first-reply answers with at most `max_wrong` answered
wrongly and `max_dead_end` asked to rephrase. Config values `answer`, `margin`, `floor`,
`candidate`, `see_also` override it. Gibberish (two or more words, nearly none of them Danish)
is asked to rephrase.

Follow-ups (bot/rasa_plugins/nlu/follow_up.py): at prediction time Rasa hands the component the conversation
so far (`tracker`); a short message right after an answer is read in its light.

It must not talk to anything outside the Rasa process; the model files live in Rasa's model
storage.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Dict, List

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.core.events import SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_plugins.nlu import linear_model
from bot.rasa_plugins.nlu.components import (
    TEXT_AS_WRITTEN_KEY,
    UNKNOWN_WORDS_KEY,
    code_fingerprint,
    language_of_message,
    vocabulary_for,
)
from bot.rasa_plugins.nlu.follow_up import Context, Resolution, follow_ups
from bot.rasa_plugins.nlu.spelling import DanishSpelling
from core import answer_decision as rules
from core.bilingual import DANISH, ENGLISH
from core.care import crisis_in
from core.clarification import (
    ASPECT_ENTITY,
    CANDIDATES_KEY,
    DECISION_KEY,
    FAQ_PREFIX,
    PICK_INTENT,
    SEE_ALSO_KEY,
    TITLES_FILE,
    TOPIC_TEXT_KEY,
    offerable_labels,
    titles,
    topic_from_entities,
)
from core.settings import REPO_ROOT
from core.training_data import labelled_examples

logger = logging.getLogger(__name__)

MODEL_FILE = "linear_nlu.joblib"
META_FILE = "linear_nlu.json"
RANKING_LENGTH = 10
RULE_KEYS = ("answer", "margin", "floor", "candidate", "see_also")
CRISIS_INTENT = "crisis"


def _template_key(intent_response_key: str) -> str:
    return f"utter_{intent_response_key}"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearNLUClassifier(GraphComponent, IntentClassifier):
    """TF-IDF + logistic regression for intents and FAQ topics; answer, ask or ask again."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "C": 10.0,
            "random_state": 4031,
            # part of the config so that Rasa's training cache retrains when it changes
            "solver": linear_model.SOLVER,
            # None, or "balanced": the few examples of an intent weigh as much as the FAQ's many
            "intent_class_weight": None,
            "retrieval_intent": linear_model.RETRIEVAL_INTENT,
            # the development set the decision rule is chosen on (relative to the project)
            "dev_set": None,
            # the English development set: English messages get their own rule, chosen on it, so
            # that a Danish message is decided by the Danish development set alone
            "dev_set_en": None,
            "max_wrong": 0.015,
            "max_dead_end": 0.01,
            "max_asked": 0.12,
            # labels the classifier may answer only when sure (crisis words are the word lists')
            "sure_only": ["crisis"],
            # set a number to override the chosen value (core/answer_decision.py)
            "answer": None,
            "margin": None,
            "floor": None,
            "candidate": 0.05,
            "see_also": 0.05,
            # intents whose share counts with the FAQ's when the FAQ is the top intent (two in one)
            "companion_intents": ["start_preparation", "distress"],
            # read follow-ups in the light of the previous answer (bot/rasa_plugins/nlu/follow_up.py)
            "follow_ups": True,
            # gibberish: this share of unknown words (DanishNormalizer's count), two words or more
            "unknown_ratio": 0.75,
        }

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> str | None:
        """The code that trains it and the development set's content: a change retrains (and
        re-chooses the rule)."""
        code = code_fingerprint(
            "linear_classifier.py",
            "linear_model.py",
            str(REPO_ROOT / "core" / "answer_decision.py"),
            "spelling.py",
            str(REPO_ROOT / "bot" / "rasa_plugins" / "language.py"),  # English is not normalised into Danish
            str(REPO_ROOT / "data" / "languages.yml"),
            str(TITLES_FILE),  # which labels may be offered changes the chosen rule
        )
        paths = cls._dev_paths(config) + cls._dev_paths(config, "dev_set_en")
        if not paths:
            return code
        return hashlib.sha256(code.encode() + b"".join(path.read_bytes() for path in paths)).hexdigest()

    @staticmethod
    def _dev_paths(config: Dict[str, Any], key: str = "dev_set") -> list[Path]:
        """The development set's files that exist (`dev_set`: one path or a list of paths)."""
        value = config.get(key)
        if not value:
            return []
        names = [value] if isinstance(value, str) else list(value)
        paths = [Path(name) if Path(name).is_absolute() else REPO_ROOT / name for name in names]
        return [path for path in paths if path.exists()]

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: linear_model.LinearNLU | None = None,
        meta: Dict[str, Any] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model
        self._meta = meta or {}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearNLUClassifier":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearNLUClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE)
                meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("No trained linear NLU model found: every message will be asked again.")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, model, meta)

    # --- training ---------------------------------------------------------------------------------
    def _companions(self) -> List[str]:
        return list(self._config.get("companion_intents") or [])

    def _never_offer(self, labels: List[str]) -> List[str]:
        offerable = offerable_labels()
        return [label for label in labels if label not in offerable]

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        if not examples:
            return self._resource
        texts = [m.get(TEXT) for m in examples]
        intents = [m.get(INTENT) for m in examples]
        topics = [m.get(INTENT_RESPONSE_KEY) for m in examples]
        c, seed = float(self._config["C"]), int(self._config["random_state"])
        model = linear_model.LinearNLU(
            c, seed, str(self._config["solver"]), self._config["intent_class_weight"]
        ).fit(texts, intents, topics)
        chosen, tuning = self._choose_rule(model, training_data)
        chosen_en, tuning_en = self._choose_rule(model, training_data, "dev_set_en")
        responses = {
            topic: training_data.responses.get(_template_key(topic), [{TEXT: topic}])
            for topic in model.topics
        }
        meta = {
            "rule": chosen.as_dict(),
            "tuning": tuning,
            "responses": responses,
            # None: no English development set, English messages get the Danish rule
            "rule_en": chosen_en.as_dict() if tuning_en.get("dev_set") else None,
            "tuning_en": tuning_en,
        }
        logger.info("Linear NLU decision rule: %s (%s)", chosen.as_dict(), tuning.get("measured"))
        logger.info("English decision rule: %s (%s)", chosen_en.as_dict(), tuning_en.get("measured"))
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(model, directory / MODEL_FILE)
            (directory / META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        self._model, self._meta = model, meta
        return self._resource

    def _choose_rule(
        self, model: linear_model.LinearNLU, training_data: TrainingData, dev_key: str = "dev_set"
    ) -> tuple[rules.DecisionRule, Dict[str, Any]]:
        """The rule chosen on the development set `dev_key` (normalised as DanishNormalizer does)."""
        paths = self._dev_paths(self._config, dev_key)
        default = rules.DecisionRule(
            candidate=float(self._config["candidate"]), see_also=float(self._config["see_also"])
        )
        if not paths:
            logger.warning("No development set: the default decision rule is used.")
            return default, {"dev_set": None}
        dev = [(example.text, example.label) for path in paths for example in labelled_examples(path)]
        known = set(model.intents) | set(model.topics)
        dev = [(text, label) for text, label in dev if label in known]
        spelling = DanishSpelling(vocabulary_for(training_data))
        normalised = [spelling.normalise(text) for text, _ in dev]
        labels, scores = model.score(normalised, self._companions())
        truths = [label for _, label in dev]
        # Words of crisis are decided by the word lists after the classifier (bot/rasa_plugins/nlu/crisis.py),
        # whatever it scored: the rule is chosen for what the citizen gets.
        if CRISIS_INTENT in labels:
            for row, ((text, _), clean) in enumerate(zip(dev, normalised, strict=True)):
                if crisis_in(text, clean):
                    scores[row] = 0.0
                    scores[row, labels.index(CRISIS_INTENT)] = 1.0
        result = rules.tune(
            labels,
            scores,
            truths,
            max_wrong=float(self._config["max_wrong"]),
            max_dead_end=float(self._config["max_dead_end"]),
            max_asked=float(self._config["max_asked"]),
            never_offer=self._never_offer(labels),
            sure_only=self._config["sure_only"],
            candidate=default.candidate,
            see_also=default.see_also,
        )
        return result.rule, {
            "dev_set": [
                str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)
                for path in paths
            ],
            "messages": len(dev),
            "measured": result.measured,
            "curve": result.curve,
        }

    # --- the rule ---------------------------------------------------------------------------------
    def rule(self, language: str | None = None) -> rules.DecisionRule:
        """The chosen rule (English messages: the one chosen on the English development set), with
        any value set in config.yml instead."""
        english = language == ENGLISH and self._meta.get("rule_en")
        values = dict((self._meta.get("rule_en") if english else self._meta.get("rule")) or {})
        for key in RULE_KEYS:
            if self._config.get(key) is not None:
                values[key] = float(self._config[key])
        return rules.DecisionRule.from_dict(values)

    # --- prediction -------------------------------------------------------------------------------
    def _gibberish(self, message: Message) -> bool:
        counts = message.get(UNKNOWN_WORDS_KEY) or {}
        words, unknown = counts.get("words", 0), counts.get("unknown", 0)
        return words >= 2 and unknown / words >= float(self._config["unknown_ratio"])

    def process(self, messages: List[Message], tracker: DialogueStateTracker | None = None) -> List[Message]:
        todo = [m for m in messages if m.get(TEXT)]
        if self._model is None or not todo:
            for message in todo:
                self._set(message, rules.Decision(rules.REPHRASE, None, 0.0), None, [], None)
            return messages
        # One prediction per message: the flat scores and the response selector both read it.
        intent_p, topic_p = self._model.predict([m.get(TEXT) for m in todo])
        labels, scores = self._model.flat_scores(intent_p, topic_p, self._companions())
        never = self._never_offer(labels)
        sure_only = self._config["sure_only"]
        context = previous_context(tracker) if self._config.get("follow_ups") else None
        rule_for = {language: self.rule(language) for language in (DANISH, ENGLISH)}

        for row, message in enumerate(todo):
            written = language_of_message(message).language
            rule = rule_for[ENGLISH if written == ENGLISH else DANISH]

            def score_one(text: str, rule: rules.DecisionRule = rule) -> rules.Decision:
                found_labels, found = self._model.score([text], self._companions())
                return rules.decide(found_labels, found[0], rule, never, sure_only)

            order = np.argsort(-intent_p[row], kind="stable")[:RANKING_LENGTH]
            ranking = [{"name": self._model.intents[i], "confidence": float(intent_p[row, i])} for i in order]
            if self._gibberish(message):
                self._set(message, rules.Decision(rules.REPHRASE, None, 0.0), None, ranking, topic_p[row])
                continue
            alone = rules.decide(labels, scores[row], rule, never, sure_only)
            resolution = follow_ups().resolve(
                message.get(TEXT), message.get(TEXT_AS_WRITTEN_KEY), alone, context, score_one
            )
            self._set(message, resolution.decision, resolution, ranking, topic_p[row])
        return messages

    def _set(
        self,
        message: Message,
        decided: rules.Decision,
        resolution: Resolution | None,
        ranking: List[Dict[str, Any]],
        topic_p: np.ndarray | None,
    ) -> None:
        retrieval_intent = self._config["retrieval_intent"]
        answered = decided.kind == rules.ANSWER and decided.label is not None
        if answered and decided.label.startswith(FAQ_PREFIX):
            intent = {"name": retrieval_intent, "confidence": decided.confidence}
        elif answered:
            intent = {"name": decided.label, "confidence": decided.confidence}
        else:
            intent = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": decided.confidence}
        ranking = [intent] + [r for r in ranking if r["name"] != intent["name"]]
        message.set(INTENT, intent, add_to_output=True)
        message.set("intent_ranking", ranking[:RANKING_LENGTH], add_to_output=True)
        if topic_p is not None and self._model.topics:
            self._set_response_selector(message, topic_p, decided.label if answered else None)
        aspect = resolution.aspect if resolution else None
        if aspect and answered:
            entity = {"entity": ASPECT_ENTITY, "value": aspect, "extractor": type(self).__name__}
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
        details = decided.as_dict()
        details.update({"aspect": aspect, "context": bool(resolution and resolution.used_context)})
        message.set(DECISION_KEY, details, add_to_output=True)
        message.set(
            CANDIDATES_KEY, details["candidates"] if decided.kind == rules.ASK else [], add_to_output=True
        )
        message.set(SEE_ALSO_KEY, details["see_also"] if answered else [], add_to_output=True)
        message.set(TOPIC_TEXT_KEY, resolution.topic_text if resolution else "", add_to_output=True)

    def _set_response_selector(self, message: Message, topic_p: np.ndarray, answered: str | None) -> None:
        topics = self._model.topics
        order = list(np.argsort(-topic_p, kind="stable"))
        if answered in topics:
            order.remove(topics.index(answered))
            order.insert(0, topics.index(answered))
        best = topics[order[0]]
        responses = self._meta.get("responses", {})
        prediction = {
            "response": {
                "responses": responses.get(best, [{TEXT: best}]),
                "confidence": float(topic_p[order[0]]),
                INTENT_RESPONSE_KEY: best,
                "utter_action": _template_key(best),
            },
            "ranking": [
                {"id": int(i), "confidence": float(topic_p[i]), INTENT_RESPONSE_KEY: topics[i]}
                for i in order[:RANKING_LENGTH]
            ],
        }
        retrieval_intent = self._config["retrieval_intent"]
        selectors = dict(message.get("response_selector") or {})
        selectors["all_retrieval_intents"] = [retrieval_intent]
        selectors[retrieval_intent] = prediction
        message.set("response_selector", selectors, add_to_output=True)


def answered_label(parse_data: Dict[str, Any]) -> str | None:
    """What a stored user message was answered with: `faq/<key>`, an intent, or None (asked)."""
    details = parse_data.get(DECISION_KEY)
    if (
        isinstance(details, dict)
        and details.get("kind") == rules.ANSWER
        and isinstance(details.get("label"), str)
    ):
        return details["label"]
    intent = (parse_data.get(INTENT) or {}).get("name")
    if intent == PICK_INTENT:
        return topic_from_entities(parse_data.get(ENTITIES))
    if intent == linear_model.RETRIEVAL_INTENT:
        selector = (parse_data.get("response_selector") or {}).get(intent) or {}
        return (selector.get("response") or {}).get(INTENT_RESPONSE_KEY)
    return None


def previous_context(tracker: DialogueStateTracker | None) -> Context | None:
    """The previous answer of this session, if a follow-up could be about it."""
    if tracker is None or tracker.active_loop_name:
        return None
    follow = follow_ups()
    for event in reversed(tracker.applied_events()):
        if isinstance(event, SessionStarted):
            return None
        if not isinstance(event, UserUttered):
            continue
        data = event.parse_data or {}
        label = answered_label(data)
        if label is None or not (label.startswith(FAQ_PREFIX) or label in follow.case_labels):
            return None
        topic_text = str(data.get(TOPIC_TEXT_KEY) or data.get(TEXT) or "")
        if topic_text.startswith("/"):  # a button's payload names the topic, not its words
            topic_text = titles().title(label) or ""
        return Context(label, topic_text)
    return None
