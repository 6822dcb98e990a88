"""The crisis component (bot/rasa_plugins/nlu/crisis.py): crisis words win over any classification; distress
turns an unsure fallback into `distress`; nothing else changes."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from bot.rasa_plugins.nlu.components import TEXT_AS_WRITTEN_KEY
from bot.rasa_plugins.nlu.crisis import CrisisDetector


def message(text: str, intent: str, as_written: str | None = None) -> Message:
    msg = Message.build(text=text)
    msg.set("intent", {"name": intent, "confidence": 0.8}, add_to_output=True)
    msg.set("intent_ranking", [{"name": intent, "confidence": 0.8}], add_to_output=True)
    if as_written is not None:
        msg.set(TEXT_AS_WRITTEN_KEY, as_written)
    return msg


def run(msg: Message) -> Message:
    return CrisisDetector({}).process([msg])[0]


def test_crisis_words_set_crisis_with_full_confidence_whatever_was_classified():
    for intent in ("faq", "start_preparation", "nlu_fallback", "greet"):
        out = run(message("jeg vil ikke leve mere", intent))
        assert out.get("intent") == {"name": "crisis", "confidence": 1.0}
        assert out.get("intent_ranking")[0] == {"name": "crisis", "confidence": 1.0}
        assert out.as_dict_nlu() is not None


def test_crisis_words_are_matched_on_the_text_as_written_too():
    # The normaliser might have "corrected" a misspelling away; the words as written still count.
    out = run(message("jeg har tænkt på selvmodet", "faq", as_written="har taenkt paa selvmoord"))
    assert out.get("intent")["name"] == "crisis"


def test_distress_replaces_only_an_unsure_fallback():
    assert (
        run(message("mødet er på fredag og jeg har det rigtig dårligt", "nlu_fallback")).get("intent")["name"]
        == "distress"
    )
    assert run(message("jeg har det dårligt, hvor længe varer mødet", "faq")).get("intent")["name"] == "faq"


def test_distress_with_a_factual_question_among_the_candidates_stays_unsure():
    # "jeg har det skidt … kan jeg have en bisidder med": utter_clarify answers the worry first
    # and offers the topics; turning it into `distress` would drop the question.
    msg = message("jeg har det rigtig dårligt, kan jeg have en bisidder med", "nlu_fallback")
    msg.set(
        "clarification_candidates", [{"label": "faq/ret_bisidder", "confidence": 0.4}], add_to_output=True
    )
    assert run(msg).get("intent")["name"] == "nlu_fallback"
    only_intents = message("jeg har det rigtig dårligt", "nlu_fallback")
    only_intents.set("clarification_candidates", [{"label": "human_handoff", "confidence": 0.3}])
    assert run(only_intents).get("intent")["name"] == "distress"


def test_passive_wishes_not_to_be_here_are_crisis_but_a_caseworker_who_left_is_not():
    assert (
        run(message("det ville være lettere hvis jeg bare ikke var her længere", "faq")).get("intent")["name"]
        == "crisis"
    )
    left = run(message("hvad gør jeg når min sagsbehandler ikke er her længere", "faq"))
    assert left.get("intent")["name"] == "faq"


def test_ordinary_messages_are_left_alone():
    out = run(message("hvor længe varer mødet", "faq"))
    assert out.get("intent") == {"name": "faq", "confidence": 0.8}


def test_the_normaliser_leaves_a_button_payload_as_sent():
    from bot.rasa_plugins.nlu.components import DanishNormalizer

    normaliser = DanishNormalizer({"enabled": True}, None, None, vocabulary={"hvad", "er"})  # type: ignore[arg-type]
    payload = Message.build(text='/faq_pick{"topic":"faq/ret_bisidder"}')
    plain = Message.build(text="hvad er")
    normaliser.process([payload, plain])
    assert payload.get("text") == '/faq_pick{"topic":"faq/ret_bisidder"}'
    assert plain.get(TEXT_AS_WRITTEN_KEY) == "hvad er"
