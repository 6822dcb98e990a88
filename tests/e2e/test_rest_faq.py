"""End-to-end over the REST channel: real Rasa server, trained model, real action server."""

from __future__ import annotations

import pytest
import yaml

from tests.support.citizens import ask, texts
from tests.support.servers import REPO


def test_duration_is_answered_by_todays_rules(rest_url):
    answer = texts(ask(rest_url, "hvor længe varer et ressourceforløb?"))
    assert "3 år" in answer
    assert "5 år" not in answer or "før" in answer  # the 2013 rule only as history


def test_sms_spelling_reaches_the_same_answer(rest_url):
    assert texts(ask(rest_url, "hvor lang tid varer et ressourceforlob")) == texts(
        ask(rest_url, "hvor lang tid varer et ressourceforløb")
    )


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


def test_gibberish_is_not_answered_confidently(rest_url):
    answer = texts(ask(rest_url, "xqzv blorp fnask"))
    # "Mente du …?" (ikke helt sikker), a rephrase-ask (forstod jeg ikke) or out of scope.
    assert any(words in answer for words in ("ikke helt sikker", "forstod jeg ikke", "kan jeg desværre ikke"))
