"""Answer, ask or ask again (core/answer_decision.py) and follow-ups (bot/rasa_plugins/nlu/follow_up.py), on
hand-made scores: what the citizen gets in the first reply."""

from __future__ import annotations

import numpy as np
import pytest

from bot.rasa_plugins.nlu.follow_up import Context, follow_ups
from core.answer_decision import ANSWER, ASK, REPHRASE, DecisionRule, decide, tune

LABELS = [
    "greet",
    "ask_next_meeting",
    "crisis",
    "faq/ret_bisidder",
    "faq/ret_partsrepraesentant",
    "faq/ret_klage",
]
NEVER = ["greet", "crisis"]
RULE = DecisionRule(answer=0.6, margin=0.1, floor=0.15, candidate=0.05, see_also=0.05)


def _decide(*scores: float, sure_only=()):
    return decide(LABELS, np.array(scores), RULE, NEVER, sure_only)


def test_a_clear_best_topic_is_answered_with_the_nearest_others_under_it():
    found = _decide(0.0, 0.05, 0.0, 0.7, 0.2, 0.06)
    assert (found.kind, found.label, found.close) == (ANSWER, "faq/ret_bisidder", False)
    assert [k for k, _ in found.see_also] == ["faq/ret_partsrepraesentant", "faq/ret_klage"]


def test_two_genuinely_close_topics_are_asked():
    found = _decide(0.0, 0.0, 0.0, 0.42, 0.38, 0.05)
    assert found.kind == ASK
    assert [k for k, _ in found.candidates] == ["faq/ret_bisidder", "faq/ret_partsrepraesentant"]


def test_never_mente_du_with_a_single_candidate_above_the_floor_it_is_answered():
    found = _decide(0.0, 0.0, 0.0, 0.3, 0.04, 0.0)
    assert (found.kind, found.label, found.close) == (ANSWER, "faq/ret_bisidder", True)


def test_below_the_floor_with_nothing_close_the_citizen_is_asked_to_rephrase():
    assert _decide(0.0, 0.0, 0.0, 0.1, 0.01, 0.0).kind == REPHRASE


def test_a_label_that_cannot_be_offered_is_never_a_candidate():
    # greet is close to the topic but is never offered: the topic is answered, not asked
    found = _decide(0.40, 0.0, 0.0, 0.38, 0.0, 0.0)
    assert found.kind == ANSWER


def test_the_classifiers_own_crisis_guess_is_answered_only_when_sure():
    assert _decide(0.0, 0.2, 0.3, 0.0, 0.0, 0.0, sure_only=["crisis"]).label == "ask_next_meeting"
    assert _decide(0.0, 0.0, 0.9, 0.0, 0.0, 0.0, sure_only=["crisis"]).label == "crisis"


def test_tuning_keeps_the_bounds_and_reports_a_curve():
    rng = np.random.default_rng(7)
    truths, rows = [], []
    for index in range(120):
        truth = LABELS[3 + index % 3]
        scores = rng.uniform(0, 0.2, len(LABELS))
        scores[LABELS.index(truth)] += rng.uniform(0.1, 0.8)
        truths.append(truth)
        rows.append(scores)
    result = tune(LABELS, np.array(rows), truths, max_wrong=0.02, max_dead_end=0.01, never_offer=NEVER)
    assert result.measured["wrong"] <= 0.02 and result.measured["dead_end"] <= 0.01
    assert sum(result.measured[k] for k in ("right", "wrong", "asked", "dead_end")) == pytest.approx(1.0)
    assert [point["max_wrong"] for point in result.curve] == sorted(
        point["max_wrong"] for point in result.curve
    )


# --- follow-ups -----------------------------------------------------------------------------------
def _answer(label: str, confidence: float = 0.9, close: bool = False):
    from core.answer_decision import Decision

    return Decision(ANSWER, label, confidence, close=close)


def _scorer(label: str):
    return lambda text: _answer(label)


def test_where_after_the_next_meeting_asks_for_its_place():
    context = Context("ask_next_meeting", "hvornår er mit næste møde")
    found = follow_ups().resolve(
        "hvor ?", "hvor?", _answer("faq/moede_online", 0.4, True), context, _scorer("x")
    )
    assert (found.decision.label, found.aspect, found.used_context) == ("ask_next_meeting", "place", True)


def test_how_do_i_reach_her_after_the_caseworker():
    context = Context("ask_caseworker", "hvem er min sagsbehandler")
    text = "hvordan får jeg fat i hende"
    found = follow_ups().resolve(text, text, _answer("human_handoff", 0.5, True), context, _scorer("x"))
    assert (found.decision.label, found.aspect) == ("ask_caseworker", "contact")


def test_even_if_it_is_my_mother_keeps_the_topic():
    context = Context("faq/ret_bisidder", "må jeg tage en bisidder med")
    text = "også selvom det er min mor ?"
    found = follow_ups().resolve(text, text, _answer("greet", 0.2, True), context, _scorer("greet"))
    assert found.decision.label == "faq/ret_bisidder"


def test_and_if_i_disagree_goes_to_how_to_complain():
    context = Context("faq/forloeb_hvem_beslutter", "hvem bestemmer")
    text = "og hvis jeg ikke er enig ?"
    found = follow_ups().resolve(
        text, text, _answer("faq/ydelse_udeblivelse", 0.3, True), context, _scorer("x")
    )
    assert found.decision.label == "faq/ret_klage"


def test_a_new_clear_question_is_a_new_topic():
    context = Context("faq/ret_bisidder", "må jeg tage en bisidder med")
    text = "hvornår er mit næste møde"
    found = follow_ups().resolve(
        text, text, _answer("ask_next_meeting", 0.9), context, _scorer("faq/ret_bisidder")
    )
    assert (found.decision.label, found.used_context) == ("ask_next_meeting", False)


def test_a_short_follow_up_is_read_with_the_previous_topic():
    context = Context("faq/ret_aktindsigt", "hvordan får jeg aktindsigt")
    text = "hvor lang tid tager det ?"
    found = follow_ups().resolve(
        text, text, _answer("faq/moede_varighed", 0.8), context, _scorer("faq/ret_aktindsigt")
    )
    assert found.decision.label == "faq/ret_aktindsigt"
    assert found.topic_text.startswith("hvordan får jeg aktindsigt")


def test_no_context_no_change():
    text = "hvor ?"
    alone = _answer("faq/moede_online", 0.4, True)
    assert follow_ups().resolve(text, text, alone, None, _scorer("x")).decision == alone
