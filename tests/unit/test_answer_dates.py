"""Answers that know their date (core/answer_dates.py, bot/rasa_plugins/nlg.py,
`python -m bot stale-answers`).

Every FAQ answer has `checked`; answers that depend on rules the planned 2027 main law may
change have `review_by`. From that date on, the answer tells the citizen to check with their
caseworker: decided when the answer is sent (fixed clock here), never in the trained text.
The same generator adds the guide's offer to a FAQ answer when the question carried worry.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timezone

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_plugins.nlg import START_GUIDE_PAYLOAD, CareNaturalLanguageGenerator
from bot.tools.cli import main as cli_main
from core import clock
from core.answer_dates import dates_of, faq_answer_dates, notice_for, stale_answers
from core.care import support_texts

REVIEW_DAY = date(2027, 1, 1)


def fix_clock(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    moment = datetime(day.year, day.month, day.day, 12, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(clock, "utc_now", lambda: moment)


def test_every_faq_answer_has_checked_and_the_rule_bound_ones_a_review_date():
    answers = faq_answer_dates()
    assert len(answers) >= 45
    assert all(a.checked is not None for a in answers), [a.key for a in answers if not a.checked]
    with_review = {a.key for a in answers if a.review_by}
    assert {"faq/forloeb_reform_2026", "faq/ydelse_satser", "faq/moede_hvad_er_teamet"} <= with_review
    assert "faq/ret_aktindsigt" not in with_review  # forvaltningsloven: not the 2027 main law
    assert all(a.review_by is None or a.checked is None or a.review_by > a.checked for a in answers)


def test_stale_answers_are_those_past_review_by_on_the_day():
    assert stale_answers(date(2026, 12, 31)) == []
    stale = stale_answers(REVIEW_DAY)
    assert stale and all(a.review_by == REVIEW_DAY for a in stale)


def test_the_notice_names_the_checked_date_in_danish():
    dates = dates_of("utter_faq/x", {"checked": "2026-11-23", "review_by": "2027-01-01"})
    assert notice_for(dates, date(2026, 12, 31)) is None
    notice = notice_for(dates, REVIEW_DAY)
    assert notice is not None and "23. november 2026" in notice and "sagsbehandler" in notice
    assert dates_of("utter_faq/y", {"checked": "not a date"}).checked is None


def test_the_cli_lists_the_stale_answers(capsys: pytest.CaptureFixture[str]):
    assert cli_main(["stale-answers", "--today", "2026-12-01"]) == 0
    assert "Ingen svar" in capsys.readouterr().out
    assert cli_main(["stale-answers", "--today", "2027-01-01"]) == 0
    out = capsys.readouterr().out
    assert "faq/forloeb_reform_2026\treview_by 2027-01-01" in out
    assert cli_main(["stale-answers", "--today", "2027-01-01", "--fail-if-any"]) == 2


# --- the generator ---------------------------------------------------------------------------------
DOMAIN = Domain.from_dict(
    {
        "intents": ["faq", "faq_pick"],
        "responses": {
            "utter_faq/dated": [
                {"text": "Svaret.", "metadata": {"checked": "2026-11-23", "review_by": "2027-01-01"}}
            ],
            "utter_faq/lasting": [{"text": "Et andet svar.", "metadata": {"checked": "2026-11-23"}}],
            "utter_greet": [{"text": "Hej."}],
        },
    }
)


def generate(action: str, text: str = "hvad er det", intent: str = "faq") -> dict:
    tracker = DialogueStateTracker("t", DOMAIN.slots)
    tracker.update(UserUttered(text, intent={"name": intent, "confidence": 0.9}, parse_data={"text": text}))
    nlg = CareNaturalLanguageGenerator(
        endpoint_config=EndpointConfig(type="bot.rasa_plugins.nlg.x"), domain=DOMAIN
    )
    response = asyncio.run(nlg.generate(action, tracker, "rest"))
    assert response is not None
    return response


def test_an_answer_past_review_by_tells_the_citizen_to_check_at_run_time(monkeypatch: pytest.MonkeyPatch):
    fix_clock(monkeypatch, date(2026, 12, 31))
    assert generate("utter_faq/dated")["text"] == "Svaret."
    fix_clock(monkeypatch, REVIEW_DAY)
    text = generate("utter_faq/dated")["text"]
    # the notice comes FIRST, so an SMS never cuts it off behind "MERE"
    assert text.endswith("\nSvaret.") and text.startswith("Obs:") and "Spørg din sagsbehandler" in text
    assert generate("utter_faq/lasting")["text"] == "Et andet svar."
    assert generate("utter_greet")["text"] == "Hej."


def test_a_worried_question_gets_the_answer_and_the_guide_offer(monkeypatch: pytest.MonkeyPatch):
    fix_clock(monkeypatch, date(2026, 12, 1))
    offer = support_texts("guide_offer")
    response = generate("utter_faq/lasting", "jeg er nervøs — må jeg tage min mor med?")
    assert response["text"] == f"Et andet svar.\n{offer['text']}"
    assert response["buttons"] == [{"title": offer["button_title"], "payload": START_GUIDE_PAYLOAD}]
    plain = generate("utter_faq/lasting", "kan jeg tage min mor med til mødet")
    assert "buttons" not in plain and plain["text"] == "Et andet svar."
    # A FAQ answer chosen from "Mente du …?" is not a worried question.
    assert "buttons" not in generate("utter_faq/lasting", '/faq_pick{"topic":"faq/lasting"}', "faq_pick")
    # The generator gives a copy: the domain's response is unchanged.
    assert DOMAIN.responses["utter_faq/lasting"][0]["text"] == "Et andet svar."
