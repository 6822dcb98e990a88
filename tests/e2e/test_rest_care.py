"""End-to-end over REST: "Mente du …?", two things in one message, distress and crisis.

Real Rasa server (trained model, the crisis component, the custom NLG) and real action server
(tests/support/servers.py). The socket.io and SMS sides of the crisis answer are in
tests/e2e/test_socketio.py and tests/e2e/test_sms.py.
"""

from __future__ import annotations

import json

import yaml

from core.care import support_text, support_texts
from tests.support.citizens import UNSURE, Conversation, ask, texts
from tests.support.servers import REPO

DOMAIN = yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))
CRISIS_TEXT = DOMAIN["responses"]["utter_crisis_support"][0]["text"]
CLARIFY = support_texts("clarification")
GUIDE_OFFER = support_texts("guide_offer")
DISTRESS = support_texts("distress")
FAQ = {
    key: variations[0]["text"]
    for path in sorted((REPO / "data" / "nlu").glob("faq_*.yml"))
    for key, variations in (yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}).items()
}
BISIDDER = FAQ["utter_faq/ret_bisidder"]


def payloads(replies: list) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons") or []]


def button_titles(replies: list) -> list[str]:
    return [b["title"] for r in replies for b in r.get("buttons") or []]


# --- crisis: first, always ------------------------------------------------------------------------
def test_crisis_words_get_the_crisis_lines_before_anything_else(rest_url):
    for message in ("jeg vil ikke leve mere", "ha taenkt paa selvmoord", "Jeg tænker på selvmord før mødet"):
        replies = ask(rest_url, message)
        assert replies[0]["text"] == CRISIS_TEXT, message
        assert "Mente du" not in texts(replies) and "med andre ord" not in texts(replies)


def test_crisis_inside_the_guide_comes_first_and_pauses_the_guide(rest_url):
    chat = Conversation(rest_url)
    chat.say("hjælp mig med at forberede mig til mødet")
    answer = chat.say("jeg vil gøre skade på mig selv")
    assert chat.last[0]["text"] == CRISIS_TEXT
    assert support_text("crisis_guide_paused") in answer
    resumed = chat.say("fortsæt forberedelsen")
    assert resumed and CRISIS_TEXT not in resumed


# --- distress ---------------------------------------------------------------------------------------
def test_distress_is_taken_seriously_never_a_rephrase(rest_url):
    for message in ("mødet er på fredag og jeg har det rigtig dårligt", "jeg kan ikke overskue det"):
        replies = ask(rest_url, message)
        answer = texts(replies)
        assert DISTRESS["opening"] in answer, message
        assert "70 201 201" in answer and DISTRESS["move"] in answer
        assert payloads(replies) == ["/start_preparation", "/human_handoff"]


# --- two things in one message ------------------------------------------------------------------------
def test_a_worried_question_gets_the_answer_and_the_guide_offer(rest_url):
    replies = ask(rest_url, "jeg er nervøs — må jeg tage min mor med?")
    answer = texts(replies)
    assert BISIDDER in answer
    assert GUIDE_OFFER["text"] in answer
    assert "/start_preparation" in payloads(replies)


def test_a_factual_question_about_the_meeting_is_not_swallowed_by_the_guide(rest_url):
    replies = ask(rest_url, "kan jeg tage min mor med til mødet")
    assert texts(replies).startswith(BISIDDER)
    assert "/start_preparation" not in payloads(replies)


# --- "Mente du …?" ---------------------------------------------------------------------------------------
def test_unsure_offers_buttons_and_a_tap_gives_the_answer(rest_url):
    offered = None
    for message in UNSURE:
        chat = Conversation(rest_url)
        chat.say(message)
        if chat.last and CLARIFY["question"] in (chat.last[0].get("text") or ""):
            offered = chat
            break
    assert offered is not None, "no message gave a 'Mente du …?'"
    titles, codes = button_titles(offered.last), payloads(offered.last)
    # two or three close topics, never one, then "Noget andet" and the human
    assert 4 <= len(titles) <= 5 and titles[-2:] == [CLARIFY["other_title"], CLARIFY["human_title"]]
    assert codes[-2:] == ["/clarify_none", "/human_handoff"]
    first = codes[0]
    answer = offered.say(first)
    if first.startswith("/faq_pick"):
        topic = json.loads(first.removeprefix("/faq_pick"))["topic"]
        assert answer.startswith(FAQ[f"utter_{topic}"])
    else:
        assert answer and CLARIFY["rephrase"].strip() not in answer


def test_noget_andet_then_a_second_miss_offers_a_human(rest_url):
    chat = Conversation(rest_url)
    assert chat.say("/clarify_none") == CLARIFY["rephrase"].strip()
    second = chat.say("/clarify_none")
    assert second.startswith("Jeg kan desværre ikke finde svaret") and "Ring til" in second
    assert payloads(chat.last)[0] == "/human_handoff"
    handoff = chat.say("/human_handoff")
    assert "menneske" in handoff


def test_a_payload_never_carries_an_identity(rest_url):
    forged = '/faq_pick{"topic": "faq/ret_bisidder", "citizen_id": "c-1001"}'
    assert texts(ask(rest_url, forged)) == BISIDDER
    meeting = texts(ask(rest_url, '/ask_next_meeting{"citizen_id": "c-1001"}'))
    assert "lokale 2.14" not in meeting and "ikke logget ind" in meeting
    assert texts(ask(rest_url, '/faq_pick{"topic": "ask_case_status"}')) == CLARIFY["unknown_topic"]
