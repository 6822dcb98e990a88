""" "Mente du …?" candidates and buttons (core/clarification.py, data/topic_titles.yml).

Candidates come from the NLU's own `clarification_candidates` when present, else from the
intent ranking and the FAQ ranking; only titled topics are offered; a payload works as a Rasa
`/intent` payload in the widget and as a numbered option over SMS.
"""

from __future__ import annotations

import json

import pytest
import yaml
from rasa.core.channels.channel import UserMessage
from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_plugins.sms.formatting import format_turn
from bot.rasa_plugins.sms.replies import TextReply, read_reply
from core.clarification import (
    MAX_CANDIDATES,
    NEVER_OFFERED,
    Candidate,
    button_for,
    candidates,
    offerable_intents,
    payload_for,
    titles,
    topic_from_entities,
)
from core.settings import REPO_ROOT
from core.training_data import known_topics

DOMAIN = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
DOMAIN_INTENTS = {i if isinstance(i, str) else next(iter(i)) for i in DOMAIN["intents"]}


def parse(intents: list[tuple[str, float]], answers: list[tuple[str, float]] = ()) -> dict:
    return {
        "intent": {"name": "nlu_fallback", "confidence": 0.55},
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.55}]
        + [{"name": n, "confidence": c} for n, c in intents],
        "response_selector": {
            "faq": {
                "response": {"intent_response_key": answers[0][0] if answers else None, "confidence": 0.3},
                "ranking": [{"intent_response_key": k, "confidence": c, "id": 1} for k, c in answers],
            }
        },
    }


def test_every_faq_topic_and_every_offered_intent_has_a_title():
    faq_topics = {t for t in known_topics() if t.startswith("faq/")}
    assert faq_topics and faq_topics == set(titles().faq)
    for intent in offerable_intents():
        assert intent in DOMAIN_INTENTS, intent
        assert titles().title(intent) and titles().title(intent, "en")
    for label in [*titles().faq, *titles().intents]:
        for language in ("da", "en"):  # every title in both languages, short enough for a button
            title = titles().title(label, language)
            assert title is not None and 3 <= len(title) <= 40, (label, language, title)


def test_faq_topics_score_by_the_faq_intent_times_the_answer_and_come_best_first():
    found = candidates(
        parse(
            [("faq", 0.9), ("start_preparation", 0.2), ("greet", 0.5)],
            [("faq/moede_forloeb", 0.4), ("faq/moede_efter", 0.3), ("faq/ret_bisidder", 0.01)],
        )
    )
    assert [c.label for c in found] == ["faq/moede_forloeb", "faq/moede_efter", "start_preparation"]
    assert found[0].confidence == pytest.approx(0.36)


def test_never_the_fallback_small_talk_or_crisis_and_never_below_the_floor():
    found = candidates(
        parse(
            [
                ("greet", 0.4),
                ("goodbye", 0.3),
                ("thank", 0.2),
                ("crisis", 0.2),
                ("withdraw_note", 0.3),
                ("out_of_scope", 0.3),
                ("human_handoff", 0.3),
                ("ask_caseworker", 0.01),
            ]
        )
    )
    assert found == []
    assert not NEVER_OFFERED & set(offerable_intents())


def test_at_most_three():
    answers = [(k, 0.2) for k in list(titles().faq)[:6]]
    assert len(candidates(parse([("faq", 1.0)], answers))) == MAX_CANDIDATES


def test_the_nlu_list_wins_when_present_even_when_empty():
    data = parse([("faq", 0.9)], [("faq/moede_forloeb", 0.4)])
    data["clarification_candidates"] = [
        {"label": "faq/ret_bisidder", "confidence": 0.3},
        {"label": "nlu_fallback", "confidence": 0.3},
        {"label": "ask_next_meeting", "confidence": 0.2},
        {"label": "faq/does_not_exist", "confidence": 0.2},
    ]
    assert [c.label for c in candidates(data)] == ["faq/ret_bisidder", "ask_next_meeting"]
    data["clarification_candidates"] = []
    assert candidates(data) == []


def test_bad_parse_data_gives_no_candidates():
    assert candidates(None) == []
    assert candidates({"intent_ranking": "x", "response_selector": []}) == []


def test_a_faq_payload_is_parsed_by_rasa_as_faq_pick_with_the_topic():
    payload = payload_for("faq/ret_bisidder")
    message = Message.build(text=payload)
    parsed = RegexMessageHandler().process([message])[0]
    assert parsed.get("intent")["name"] == "faq_pick"
    assert topic_from_entities(parsed.get("entities")) == "faq/ret_bisidder"
    assert payload_for("ask_next_meeting") == "/ask_next_meeting"
    assert UserMessage(text=payload).text == payload


def test_only_a_known_topic_is_taken_from_a_payload_never_an_identity():
    entities = [
        {"entity": "citizen_id", "value": "c-1002"},
        {"entity": "topic", "value": "faq/../../etc"},
        {"entity": "topic", "value": "ask_case_status"},
    ]
    assert topic_from_entities(entities) is None
    assert topic_from_entities([*entities, {"entity": "topic", "value": "faq/ret_klage"}]) == "faq/ret_klage"
    assert topic_from_entities(None) is None


def test_the_buttons_become_numbered_sms_options_and_a_number_picks_the_payload():
    buttons = [
        button_for(Candidate("faq/moede_forloeb", 0.4)),
        button_for(Candidate("ask_next_meeting", 0.2)),
    ]
    buttons += [
        {"title": "Noget andet", "payload": "/clarify_none"},
        {"title": "Tal med et menneske", "payload": "/human_handoff"},
    ]
    turn = format_turn([{"text": "Mente du en af disse?", "buttons": buttons}])
    assert turn.message is not None and "1) Hvad sker der på mødet?" in turn.message.text
    assert "4) Tal med et menneske" in turn.message.text
    assert "/faq_pick" not in turn.message.text
    reply = read_reply("1", turn.options)
    assert isinstance(reply, TextReply) and json.loads(reply.text.removeprefix("/faq_pick")) == {
        "topic": "faq/moede_forloeb"
    }
    assert read_reply(" 3 ", turn.options).text == "/clarify_none"
    # Typed by hand, a payload that was not offered is not a payload.
    assert read_reply('/faq_pick{"topic":"faq/ret_klage"}', turn.options).text.startswith("faq_pick")
