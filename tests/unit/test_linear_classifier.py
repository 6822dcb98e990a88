"""Unit tests of the linear NLU component (bot/rasa_plugins/nlu/linear_classifier.py): trained on a
tiny Danish dataset in Rasa's real model storage, persisted and loaded, thresholds and candidates contract."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_plugins.nlu import linear_model
from bot.rasa_plugins.nlu.components import UNKNOWN_WORDS_KEY
from bot.rasa_plugins.nlu.linear_classifier import CANDIDATES_KEY, LinearNLUClassifier

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


DEV = """version: "3.1"
nlu:
- intent: faq/bisidder
  examples:
  - text: |
      kan min bror komme med til mødet
- intent: faq/ydelse_udbetaling
  examples:
  - text: |
      hvilken dag kommer pengene ind
- intent: greet
  examples:
  - text: |
      halløj
"""


@pytest.fixture(scope="module")
def trained(storage, tmp_path_factory):
    dev = tmp_path_factory.mktemp("dev") / "dev.yml"
    dev.write_text(DEV, encoding="utf-8")
    resource = Resource("linear_nlu")
    component = LinearNLUClassifier.create(
        {**LinearNLUClassifier.get_default_config(), "dev_set": str(dev)}, storage, resource, _context()
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
    component = _load(storage, trained, answer=0.0, floor=0.0)
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
    decision = message.get("answer_decision")
    assert (decision["kind"], decision["label"]) == ("answer", "faq/bisidder")
    assert "clarification_candidates" in message.as_dict(only_output_properties=True)
    assert "answer_decision" in message.as_dict(only_output_properties=True)


def test_the_rule_chosen_on_the_development_set_is_stored_in_the_model(storage, trained):
    component = _load(storage, trained)
    rule = component.rule()
    assert 0.0 <= rule.floor <= rule.answer < 1.0
    assert component._meta["tuning"]["messages"] == 3
    assert component._meta["tuning"]["curve"]
    assert _load(storage, trained, answer=0.99).rule().answer == 0.99  # config overrides


def test_two_close_topics_are_asked_as_mente_du(storage, trained):
    component = _load(storage, trained, answer=0.99, margin=1.0, floor=0.0, candidate=0.0)
    message = _parse(component, "hvornår kommer pengene")
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get("intent_ranking")[0]["name"] == "nlu_fallback"
    assert message.get("intent_ranking")[1]["name"] != "nlu_fallback"  # the raw first choice stays
    offered = message.get(CANDIDATES_KEY)
    assert 2 <= len(offered) <= 3
    assert offered[0]["label"] == "faq/ydelse_udbetaling"
    assert [c["confidence"] for c in offered] == sorted((c["confidence"] for c in offered), reverse=True)
    assert all(set(c) == {"label", "confidence"} for c in offered)
    assert not {c["label"] for c in offered} & {"nlu_fallback", "greet", "goodbye", "thank", "faq"}


def test_an_answer_carries_the_nearest_topics_as_see_also(storage, trained):
    component = _load(storage, trained, answer=0.0, floor=0.0, see_also=0.0)
    message = _parse(component, "hvornår kommer pengene")
    assert message.get("answer_decision")["kind"] == "answer"
    # only labels a citizen can tap (they have a title in data/topic_titles.yml; the test's
    # made-up topics have none), never the answered one
    assert [c["label"] for c in message.get("see_also")] == ["ask_caseworker"]
    assert message.get(CANDIDATES_KEY) == []


def test_gibberish_is_asked_to_rephrase_with_no_candidates(storage, trained):
    component = _load(storage, trained, answer=0.0, floor=0.0, candidate=0.0)
    message = _parse(component, "xqzt blorf wumpel", unknown={"words": 3, "unknown": 3})
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get("answer_decision")["kind"] == "rephrase"
    assert message.get(CANDIDATES_KEY) == []


def test_untrained_component_asks_to_rephrase_instead_of_crashing(tmp_path):
    component = LinearNLUClassifier.load(
        LinearNLUClassifier.get_default_config(), LocalModelStorage(tmp_path), Resource("none"), _context()
    )
    message = _parse(component, "hej")
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get(CANDIDATES_KEY) == []


def test_the_worried_share_counts_with_the_faq_question():
    """A FAQ question from a worried citizen: the worry intents' share counts with the FAQ's."""
    import numpy as np

    names, topics = ["faq", "greet", "start_preparation"], ["faq/a", "faq/b"]
    intent_p = np.array([[0.5, 0.1, 0.4], [0.05, 0.9, 0.05]])
    topic_p = np.array([[0.9, 0.1], [0.5, 0.5]])
    labels, alone = linear_model.flat_scores(names, topics, intent_p, topic_p)
    _, together = linear_model.flat_scores(names, topics, intent_p, topic_p, ["start_preparation"])
    a = labels.index("faq/a")
    assert alone[0, a] == pytest.approx(0.45)
    assert together[0, a] == pytest.approx(0.81)  # (0.5 + 0.4) * 0.9
    assert together[0, labels.index("start_preparation")] == 0.0  # no rival of the question
    assert together[1, labels.index("greet")] == pytest.approx(0.9)  # a greeting stays a greeting
