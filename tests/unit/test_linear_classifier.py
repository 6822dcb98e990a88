"""Unit tests of the linear NLU component (bot/nlu/linear_classifier.py): trained on a tiny Danish
dataset in Rasa's real model storage, persisted and loaded, thresholds and candidates contract."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import linear_model
from bot.nlu.components import UNKNOWN_WORDS_KEY
from bot.nlu.linear_classifier import CANDIDATES_KEY, LinearNLUClassifier

EXAMPLES = {
    "greet": ["hej", "hejsa", "goddag", "hej med dig", "godmorgen", "hallo"],
    "thank": [
        "tak",
        "mange tak",
        "tusind tak",
        "tak for hjælpen",
        "tak skal du have",
        "det var en stor hjælp tak",
    ],
    "ask_caseworker": [
        "hvem er min sagsbehandler",
        "hvad hedder min sagsbehandler",
        "jeg vil vide hvem min sagsbehandler er",
        "hvem er min kontaktperson",
        "navn på min sagsbehandler",
        "hvem har min sag",
    ],
}
FAQ = {
    "faq/bisidder": [
        "må jeg tage en bisidder med",
        "kan jeg have en bisidder med til mødet",
        "hvad er en bisidder",
        "må min mor være bisidder",
        "kan jeg tage nogen med til mødet",
        "må jeg have en ven med",
    ],
    "faq/ydelse_udbetaling": [
        "hvornår bliver ydelsen udbetalt",
        "hvornår får jeg penge",
        "hvilken dato kommer ydelsen",
        "hvornår kommer udbetalingen",
        "hvornår udbetales ressourceforløbsydelsen",
        "dato for udbetaling af ydelse",
    ],
}
RESPONSES = {
    "utter_faq/bisidder": [{"text": "Ja, du må tage en bisidder med."}],
    "utter_faq/ydelse_udbetaling": [{"text": "Ydelsen udbetales bagud."}],
}


def _training_data() -> TrainingData:
    messages = [Message(data={"text": t, "intent": i}) for i, texts in EXAMPLES.items() for t in texts]
    messages += [
        Message(data={"text": t, "intent": "faq", "intent_response_key": k})
        for k, texts in FAQ.items()
        for t in texts
    ]
    return TrainingData(training_examples=messages, responses=RESPONSES)


def _context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test-linear")


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    return LocalModelStorage(tmp_path_factory.mktemp("storage"))


@pytest.fixture(scope="module")
def trained(storage):
    resource = Resource("linear_nlu")
    component = LinearNLUClassifier.create(
        {**LinearNLUClassifier.get_default_config(), "calibration_folds": 3}, storage, resource, _context()
    )
    component.train(_training_data())
    return resource


def _load(storage, resource, **config) -> LinearNLUClassifier:
    return LinearNLUClassifier.load(
        {**LinearNLUClassifier.get_default_config(), **config}, storage, resource, _context()
    )


def _parse(component: LinearNLUClassifier, text: str, unknown: dict | None = None) -> Message:
    message = Message(data={"text": text})
    if unknown:
        message.set(UNKNOWN_WORDS_KEY, unknown)
    component.process([message])
    return message


def test_persisted_model_loads_and_answers_with_response_selector_shape(storage, trained):
    component = _load(storage, trained, intent_threshold=0.0, response_threshold=0.0)
    message = _parse(component, "må jeg have en bisidder med til mødet")
    assert message.get("intent")["name"] == "faq"
    selector = message.get("response_selector")
    assert selector["all_retrieval_intents"] == ["faq"]
    response = selector["faq"]["response"]
    assert response["intent_response_key"] == "faq/bisidder"
    assert response["utter_action"] == "utter_faq/bisidder"
    assert response["responses"] == RESPONSES["utter_faq/bisidder"]
    assert 0.0 < response["confidence"] <= 1.0
    ranking = selector["faq"]["ranking"]
    assert ranking[0]["intent_response_key"] == "faq/bisidder"
    assert {"id", "confidence", "intent_response_key"} <= set(ranking[0])
    assert message.get(CANDIDATES_KEY) == []
    assert "clarification_candidates" in message.as_dict(only_output_properties=True)


def test_calibrated_thresholds_are_stored_in_the_model(storage, trained):
    component = _load(storage, trained)
    for name in ("intent_threshold", "response_threshold", "candidate_threshold"):
        assert 0.0 <= component.threshold(name) < 1.0
    assert component.threshold("intent_threshold") == component._meta["intent_threshold"]


def test_below_the_threshold_the_intent_is_nlu_fallback_with_candidates(storage, trained):
    component = _load(storage, trained, intent_threshold=0.99, candidate_threshold=0.0)
    message = _parse(component, "hvornår kommer pengene")
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get("intent_ranking")[0]["name"] == "nlu_fallback"
    assert message.get("intent_ranking")[1]["name"] != "nlu_fallback"  # the raw first choice stays
    offered = message.get(CANDIDATES_KEY)
    assert 1 <= len(offered) <= 3
    assert offered[0]["label"] == "faq/ydelse_udbetaling"
    assert [c["confidence"] for c in offered] == sorted((c["confidence"] for c in offered), reverse=True)
    assert all(set(c) == {"label", "confidence"} for c in offered)
    assert not {c["label"] for c in offered} & {"nlu_fallback", "greet", "goodbye", "thank", "faq"}


def test_candidate_cut_off_is_applied(storage, trained):
    component = _load(storage, trained, intent_threshold=0.99, candidate_threshold=0.999)
    assert _parse(component, "hvornår kommer pengene").get(CANDIDATES_KEY) == []


def test_gibberish_falls_back_with_no_candidates(storage, trained):
    component = _load(storage, trained, intent_threshold=0.0, response_threshold=0.0, candidate_threshold=0.0)
    message = _parse(component, "xqzt blorf wumpel", unknown={"words": 3, "unknown": 3})
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get(CANDIDATES_KEY) == []


def test_untrained_component_falls_back_instead_of_crashing(tmp_path):
    component = LinearNLUClassifier.load(
        LinearNLUClassifier.get_default_config(), LocalModelStorage(tmp_path), Resource("none"), _context()
    )
    message = _parse(component, "hej")
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get(CANDIDATES_KEY) == []


def test_calibration_keeps_confident_wrong_under_the_target():
    texts, intents, topics = [], [], []
    for intent, examples in EXAMPLES.items():
        texts += examples
        intents += [intent] * len(examples)
        topics += [None] * len(examples)
    for key, examples in FAQ.items():
        texts += examples
        intents += ["faq"] * len(examples)
        topics += [key] * len(examples)
    names, topic_names, intent_p, topic_p = linear_model.out_of_fold(
        texts, intents, topics, c=10.0, random_state=1, folds=3
    )
    thresholds = linear_model.calibrate(
        names,
        topic_names,
        intent_p,
        topic_p,
        true_intents=intents,
        true_topics=topics,
        max_confident_wrong=0.0,
        never_offer=["greet", "thank"],
    )
    assert thresholds.measured["confident_wrong"] == 0.0
    assert 0.0 < thresholds.candidate < 1.0


def test_calibration_counts_the_companions_with_the_faq_as_prediction_does():
    """A FAQ question split with a worry intent is scored as the runtime rule scores it."""
    import numpy as np

    names, topics = ["faq", "greet", "start_preparation"], ["faq/a", "faq/b"]
    intent_p = np.array(
        [
            [0.5, 0.1, 0.4],  # a FAQ question from a worried citizen: the share is split
            [0.6, 0.4, 0.0],  # a greeting taken for a FAQ question: must not be answered
            [0.05, 0.9, 0.05],  # a clear greeting
        ]
    )
    topic_p = np.array([[0.9, 0.1], [0.95, 0.05], [0.5, 0.5]])  # the topic cannot tell them apart
    common = dict(
        true_intents=["faq", "greet", "greet"],
        true_topics=["faq/a", None, None],
        max_confident_wrong=0.0,
        never_offer=[],
    )
    alone = linear_model.calibrate(names, topics, intent_p, topic_p, **common)
    together = linear_model.calibrate(
        names, topics, intent_p, topic_p, companions=["start_preparation"], **common
    )
    # alone, keeping the wrong 0.6 out also loses the worried question (0.5)
    assert alone.measured["answered_directly"] == 1 / 3
    # counted together (0.9) it is answered, and the wrong one still is not
    assert 0.6 < together.intent <= 0.9 and together.measured["answered_directly"] == 2 / 3
