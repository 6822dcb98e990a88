"""End-to-end over the REST channel: real Rasa server, trained model, real action server.

Each check passes only when the answer itself comes: "Mente du …?" or a request to rephrase fails.
"""

from __future__ import annotations

import pytest
import yaml

from core.care import support_texts
from tests.support.citizens import ask, texts
from tests.support.servers import REPO

DURATION = yaml.safe_load((REPO / "data" / "nlu" / "faq_forloeb.yml").read_text(encoding="utf-8"))[
    "responses"
]["utter_faq/forloeb_varighed"][0]["text"].strip()
CLARIFY = support_texts("clarification")


def test_duration_is_answered_by_todays_rules(rest_url):
    answer = texts(ask(rest_url, "hvor længe varer et ressourceforløb?"))
    assert DURATION in answer
    assert "3 år" in answer
    assert "5 år" not in answer or "Før" in answer or "før" in answer  # the 2013 rule only as history


def test_sms_spelling_reaches_the_same_answer(rest_url):
    for question in ("hvor lang tid varer et ressourceforlob", "hvor lang tid varer et ressourceforløb"):
        answer = texts(ask(rest_url, question))
        assert DURATION in answer and CLARIFY["question"] not in answer


def test_greeting_offers_buttons(rest_url):
    replies = ask(rest_url, "hej")
    assert "Mødeklar" in texts(replies)
    assert any(r.get("buttons") for r in replies)


def _menu_buttons():
    domain = yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))
    buttons = {}
    for name in ("utter_greet", "utter_help", "utter_please_rephrase", "utter_out_of_scope"):
        for variation in domain["responses"][name]:
            for button in variation.get("buttons", []):
                buttons[button["payload"]] = button["title"]
    return sorted(buttons)


@pytest.mark.parametrize("payload", _menu_buttons())
def test_every_menu_button_gets_a_real_answer(rest_url, payload):
    answer = texts(ask(rest_url, payload))
    assert answer
    assert "ikke sikker på, at jeg forstår" not in answer


def test_gibberish_is_not_answered_as_if_it_were_a_question(rest_url):
    answer = texts(ask(rest_url, "xqzv blorp fnask"))
    # a kind request to say it in other words (with the human option), or out of scope
    assert CLARIFY["rephrase"].strip() in answer or "kan jeg desværre ikke" in answer
