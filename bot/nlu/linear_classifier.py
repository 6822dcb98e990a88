"""`LinearNLUClassifier`: the Rasa component around bot/nlu/linear_model.py (intents, FAQ answers,
calibrated fallback and the "Mente du …?" candidates in one node).

It runs after `DanishNormalizer` (it reads the normalised text and the unknown-word counts) and
sets, for every message:
- `intent` and `intent_ranking`, as Rasa's classifiers do;
- `response_selector["faq"]`, in exactly the shape of Rasa's ResponseSelector (`response.responses`,
  `response.confidence`, `response.intent_response_key`, `response.utter_action`, `ranking`), so
  `utter_faq`, the review app and the actions read it unchanged;
- the fallback: below the thresholds (calibrated at training time on cross-validated predictions,
  see `linear_model.calibrate`, unless set in config.yml) or for gibberish (two or more words,
  nearly none of them Danish) the intent becomes `nlu_fallback`, as Rasa's FallbackClassifier does;
- two things in one message: when the top intent is the FAQ and its only rivals are the intents that
  come with worry (`companion_intents`: `start_preparation`, `distress`), the FAQ's and their
  confidences count together against the intent threshold ("jeg er nervøs — må jeg tage min mor
  med?" is a bisidder question from a nervous citizen, not a doubt between two topics); the answer
  threshold still applies, and bot/nlg.py adds the offer of the guide to the answer;
- `clarification_candidates` (added to the parse data): at most `max_candidates` dicts
  `{"label": "faq/<topic>" or intent, "confidence": float}`, best first, only labels worth
  offering; empty when answered confidently and for gibberish.

It must not talk to anything outside the Rasa process; the model files live in Rasa's model storage.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import linear_model
from bot.nlu.components import UNKNOWN_WORDS_KEY
from core.clarification import CANDIDATES_KEY

logger = logging.getLogger(__name__)

MODEL_FILE = "linear_nlu.joblib"
META_FILE = "linear_nlu.json"
RANKING_LENGTH = 10


def _template_key(intent_response_key: str) -> str:
    return f"utter_{intent_response_key}"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearNLUClassifier(GraphComponent, IntentClassifier):
    """TF-IDF + logistic regression for intents and FAQ topics, with calibrated fallback."""

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
            # calibration at training time (out-of-fold predictions on the training data)
            "calibration_folds": 5,
            "max_confident_wrong": 0.005,
            "candidate_recall": 0.95,
            # set a number to override the calibrated value
            "intent_threshold": None,
            "response_threshold": None,
            "candidate_threshold": None,
            "fallback": True,
            # intents whose share counts with the FAQ's when the FAQ is the top intent (two in one)
            "companion_intents": ["start_preparation", "distress"],
            "max_candidates": 3,
            "never_offer": [DEFAULT_NLU_FALLBACK_INTENT_NAME, "greet", "goodbye", "thank", "out_of_scope"],
            # gibberish: this share of unknown words (DanishNormalizer's count), two words or more
            "unknown_ratio": 0.75,
        }

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
            logger.warning("No trained linear NLU model found: every message will fall back.")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, model, meta)

    # --- training ---------------------------------------------------------------------------------
    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        if not examples:
            return self._resource
        texts = [m.get(TEXT) for m in examples]
        intents = [m.get(INTENT) for m in examples]
        topics = [m.get(INTENT_RESPONSE_KEY) for m in examples]
        c, seed = float(self._config["C"]), int(self._config["random_state"])
        solver = str(self._config["solver"])
        class_weight = self._config["intent_class_weight"]
        model = linear_model.LinearNLU(c, seed, solver, class_weight).fit(texts, intents, topics)
        names, topic_names, intent_p, topic_p = linear_model.out_of_fold(
            texts,
            intents,
            topics,
            c=c,
            random_state=seed,
            folds=int(self._config["calibration_folds"]),
            solver=solver,
            intent_class_weight=class_weight,
        )
        calibrated = linear_model.calibrate(
            names,
            topic_names,
            intent_p,
            topic_p,
            true_intents=intents,
            true_topics=topics,
            max_confident_wrong=float(self._config["max_confident_wrong"]),
            never_offer=self._config["never_offer"],
            candidate_recall=float(self._config["candidate_recall"]),
            limit=int(self._config["max_candidates"]),
            companions=self._config.get("companion_intents") or [],
        )
        responses = {
            topic: training_data.responses.get(_template_key(topic), [{TEXT: topic}])
            for topic in model.topics
        }
        meta = {
            "intent_threshold": calibrated.intent,
            "response_threshold": calibrated.response,
            "candidate_threshold": calibrated.candidate,
            "calibration": calibrated.measured,
            "responses": responses,
        }
        logger.info(
            "Linear NLU calibrated: intent %.2f, answer %.2f, candidates %.2f (%s)",
            calibrated.intent,
            calibrated.response,
            calibrated.candidate,
            calibrated.measured,
        )
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(model, directory / MODEL_FILE)
            (directory / META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        self._model, self._meta = model, meta
        return self._resource

    # --- thresholds -------------------------------------------------------------------------------
    def threshold(self, name: str) -> float:
        """The configured value if set, else the calibrated one."""
        configured = self._config.get(name)
        return float(configured if configured is not None else self._meta.get(name, 0.0))

    # --- prediction -------------------------------------------------------------------------------
    def _gibberish(self, message: Message) -> bool:
        counts = message.get(UNKNOWN_WORDS_KEY) or {}
        words, unknown = counts.get("words", 0), counts.get("unknown", 0)
        return words >= 2 and unknown / words >= float(self._config["unknown_ratio"])

    def process(self, messages: List[Message]) -> List[Message]:
        todo = [m for m in messages if m.get(TEXT)]
        if self._model is None or not todo:
            for message in todo:
                self._set_fallback(message, [])
            return messages
        intent_p, topic_p = self._model.predict([m.get(TEXT) for m in todo])
        labels, scores = self._model.flat_scores(intent_p, topic_p)
        confidences = linear_model.answer_confidence(
            self._model.intents, intent_p, self._config.get("companion_intents") or []
        )
        for row, message in enumerate(todo):
            self._process_one(
                message,
                intent_p[row],
                topic_p[row],
                intent_confidence=float(confidences[row]),
                labels=labels,
                scores=scores[row],
            )
        return messages

    def _process_one(
        self,
        message: Message,
        intent_p: np.ndarray,
        topic_p: np.ndarray,
        *,
        intent_confidence: float,
        labels: List[str],
        scores: np.ndarray,
    ) -> None:
        intents, topics = self._model.intents, self._model.topics
        order = np.argsort(-intent_p, kind="stable")
        ranking = [{"name": intents[i], "confidence": float(intent_p[i])} for i in order[:RANKING_LENGTH]]
        top = ranking[0]
        retrieval_intent = self._config["retrieval_intent"]
        topic_confidence = None
        if topics:
            self._set_response_selector(message, topic_p)
            topic_confidence = float(topic_p.max())
        answered = intent_confidence >= self.threshold("intent_threshold") and (
            top["name"] != retrieval_intent
            or topic_confidence is None
            or topic_confidence >= self.threshold("response_threshold")
        )
        gibberish = self._gibberish(message)
        if self._config["fallback"] and (gibberish or not answered):
            offered = (
                []
                if gibberish
                else linear_model.candidates(
                    labels,
                    scores,
                    self.threshold("candidate_threshold"),
                    self._config["never_offer"],
                    int(self._config["max_candidates"]),
                )
            )
            message.set("intent_ranking", ranking, add_to_output=True)
            self._set_fallback(message, offered)
            return
        message.set(INTENT, top, add_to_output=True)
        message.set("intent_ranking", ranking, add_to_output=True)
        message.set(CANDIDATES_KEY, [], add_to_output=True)

    def _set_fallback(self, message: Message, offered: List[Dict[str, Any]]) -> None:
        fallback = {
            "name": DEFAULT_NLU_FALLBACK_INTENT_NAME,
            "confidence": self.threshold("intent_threshold"),
        }
        ranking = [fallback] + [
            r for r in message.get("intent_ranking") or [] if r["name"] != fallback["name"]
        ]
        message.set(INTENT, fallback, add_to_output=True)
        message.set("intent_ranking", ranking, add_to_output=True)
        message.set(CANDIDATES_KEY, offered, add_to_output=True)

    def _set_response_selector(self, message: Message, topic_p: np.ndarray) -> None:
        topics = self._model.topics
        order = np.argsort(-topic_p, kind="stable")
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
