""" "Mente du …?" rendered in the Rasa process (bot/rasa_plugins/clarification.py through
bot/rasa_plugins/nlg.py), for real.

Each test builds a Rasa `DialogueStateTracker` as the Rasa server holds it (the latest user
message with its parse data, earlier bot messages with their metadata), asks the project's
generator for `utter_clarify` / `utter_clarify_none` and reads what the citizen would see, and
the `clarify_step` the message carries into the conversation store.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa.core.actions.action import create_bot_utterance
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_plugins.clarification import STEP_KEY, misses_in_a_row
from bot.rasa_plugins.nlg import CareNaturalLanguageGenerator
from core.care import support_texts
from core.municipality import fill
from core.settings import REPO_ROOT

CLARIFY = support_texts("clarification")
DOMAIN = Domain.load(str(REPO_ROOT / "domain.yml"))


def fallback_parse(answers: list[tuple[str, float]] = (), intents: list[tuple[str, float]] = ()) -> dict:
    return {
        "text": "tolk",
        "intent": {"name": "nlu_fallback", "confidence": 0.6},
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.6}, {"name": "faq", "confidence": 0.8}]
        + [{"name": n, "confidence": c} for n, c in intents],
        "response_selector": {
            "faq": {"ranking": [{"intent_response_key": k, "confidence": c} for k, c in answers]}
        },
        "entities": [],
    }


NONE = {"text": "/clarify_none", "intent": {"name": "clarify_none", "confidence": 1.0}, "entities": []}


def user(text: str, parse: dict[str, Any] | None = None) -> UserUttered:
    parse = parse or {"text": text, "intent": {"name": "faq", "confidence": 0.9}, "entities": []}
    return UserUttered(text, parse.get("intent"), parse.get("entities"), parse_data=parse)


def bot(step: str | None) -> BotUttered:
    return BotUttered("...", metadata={STEP_KEY: step} if step else {"utter_action": "utter_faq/x"})


def tracker(
    latest: dict[str, Any], before: list[Event] = (), written: str | None = None
) -> DialogueStateTracker:
    events: list[Event] = [
        ActionExecuted("action_listen"),
        *before,
        user(written or str(latest.get("text")), latest),
    ]
    return DialogueStateTracker.from_events("rest:test", events, DOMAIN.slots)


def render(action: str, t: DialogueStateTracker) -> dict[str, Any]:
    generator = CareNaturalLanguageGenerator(domain=DOMAIN)
    response = asyncio.run(generator.generate(action, t, "rest"))
    assert response is not None
    return response


def titles(response: dict[str, Any]) -> list[str]:
    return [b["title"] for b in response.get("buttons") or []]


def payloads(response: dict[str, Any]) -> list[str]:
    return [b["payload"] for b in response.get("buttons") or []]


def test_unsure_offers_the_best_candidates_then_something_else_and_a_human():
    parse = fallback_parse(
        [("faq/moede_forloeb", 0.35), ("faq/ret_bisidder", 0.2)], [("start_preparation", 0.3)]
    )
    response = render("utter_clarify", tracker(parse))
    assert response["text"] == CLARIFY["question"]
    # P(faq) x P(topic | faq) = 0.8 x 0.35 = 0.28 < 0.3 for start_preparation
    assert titles(response) == [
        "Hjælp til at forberede mig",
        "Hvad sker der på mødet?",
        "Må jeg tage en bisidder med?",
        "Noget andet",
        "Tal med et menneske",
    ]
    assert payloads(response) == [
        "/start_preparation",
        '/faq_pick{"topic":"faq/moede_forloeb"}',
        '/faq_pick{"topic":"faq/ret_bisidder"}',
        "/clarify_none",
        "/human_handoff",
    ]
    assert response[STEP_KEY] == "offered"


def test_the_step_is_kept_with_the_bot_message_and_never_sent_to_the_citizen():
    two = [("faq/ret_bisidder", 0.5), ("faq/ret_partsrepraesentant", 0.4)]
    response = render("utter_clarify", tracker(fallback_parse(two)))
    response["utter_action"] = "utter_clarify"  # as Rasa's ActionBotResponse adds it
    event = create_bot_utterance(dict(response))
    assert event.metadata[STEP_KEY] == "offered"
    assert event.as_dict()["metadata"][STEP_KEY] == "offered"  # stored with the conversation
    assert "clarify_step" not in event.data and "clarify_step" not in (event.text or "")


def test_one_candidate_is_never_asked_about_it_is_a_miss():
    """ "Mente du …?" with a single button is a question with one answer: the NLU answers it
    (core/answer_decision.py); should one reach the generator, the citizen is asked to rephrase."""
    response = render("utter_clarify", tracker(fallback_parse([("faq/ret_bisidder", 0.5)])))
    assert response["text"] == CLARIFY["rephrase"].strip()
    assert "Må jeg tage en bisidder med?" not in titles(response)


def test_a_worried_unsure_question_gets_the_worry_answered_first_then_the_topics():
    parse = fallback_parse([("faq/ret_bisidder", 0.5), ("faq/moede_forloeb", 0.3)])
    parse["text"] = "jeg har det rigtig darligt og tor ikke ga alene"  # the normalised copy
    parse["clarification_candidates"] = [
        {"label": "faq/ret_bisidder", "confidence": 0.4},
        {"label": "faq/moede_forloeb", "confidence": 0.2},
    ]
    written = "Jeg har det rigtig dårligt og tør ikke gå alene, kan jeg have en bisidder med?"
    response = render("utter_clarify", tracker(parse, written=written))
    opening, question = response["text"].split("\n")
    assert opening == support_texts("distress")["opening"]
    assert question == CLARIFY["question"]
    assert titles(response)[:2] == ["Må jeg tage en bisidder med?", "Hvad sker der på mødet?"]


def test_nothing_to_offer_asks_to_rephrase_first_and_offers_a_human_the_second_time():
    response = render("utter_clarify", tracker(fallback_parse()))
    assert response["text"] == CLARIFY["rephrase"].strip() and response[STEP_KEY] == "rephrase"
    again = render("utter_clarify", tracker(fallback_parse(), [user("blabla"), bot("rephrase")]))
    assert again["text"] == fill(CLARIFY["handoff_offer"].strip())
    assert "Ring til" in again["text"]
    assert payloads(again)[0] == "/human_handoff"
    assert again[STEP_KEY] == "handoff"


def test_noget_andet_asks_to_rephrase_and_a_second_miss_in_a_row_offers_a_human():
    # fallback -> "Mente du" (offered) -> "Noget andet": first miss
    first = render("utter_clarify_none", tracker(NONE, [user("x"), bot("offered")]))
    assert first["text"] == CLARIFY["rephrase"].strip() and first[STEP_KEY] == "rephrase"
    # ... -> rephrase -> new words, "Mente du" again (offered) -> "Noget andet": second miss in a row
    streak = [user("x"), bot("offered"), user("/clarify_none"), bot("rephrase"), user("y"), bot("offered")]
    second = render("utter_clarify_none", tracker(NONE, streak))
    assert second["text"] == fill(CLARIFY["handoff_offer"].strip()) and second[STEP_KEY] == "handoff"
    # An answered turn in between ends the streak.
    answered = [user("x"), bot("rephrase"), user("hvad er fleksjob"), bot(None), user("z"), bot("offered")]
    third = render("utter_clarify_none", tracker(NONE, answered))
    assert third["text"] == CLARIFY["rephrase"].strip()


def test_misses_are_counted_per_turn_from_the_last_step_of_each():
    events = [user("a"), bot("offered"), user("b"), bot("rephrase"), user("c"), bot("offered"), user("d")]
    assert misses_in_a_row(events) == 1
    assert misses_in_a_row([user("a"), bot("rephrase"), user("b"), bot(None), user("c")]) == 0
    assert misses_in_a_row([user("a")]) == 0


def test_other_responses_are_left_to_the_templates():
    response = render("utter_please_rephrase", tracker(fallback_parse()))
    assert STEP_KEY not in response and response["text"].startswith("Jeg er ikke sikker")
