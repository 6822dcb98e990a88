"""The held-out metrics of bot/nlu_evaluation.py, on hand-made parse results (definitions in
docs/evaluation.md)."""

from __future__ import annotations

from bot.nlu_evaluation import raw_prediction, score


def _row(label, raw_label, fallback=False, candidates=()):
    return {
        "label": label,
        "raw_intent": raw_label.split("/")[0],
        "raw_label": raw_label,
        "fallback": fallback,
        "candidates": list(candidates),
    }


def test_raw_prediction_undoes_the_fallback_and_reads_the_answer():
    parse = {
        "intent": {"name": "nlu_fallback", "confidence": 0.8},
        "intent_ranking": [{"name": "nlu_fallback"}, {"name": "faq"}, {"name": "greet"}],
        "response_selector": {"faq": {"response": {"intent_response_key": "faq/ret_bisidder"}}},
    }
    assert raw_prediction(parse) == ("faq", "faq/ret_bisidder")
    assert raw_prediction({"intent": {"name": "greet"}, "intent_ranking": [{"name": "greet"}]}) == (
        "greet",
        "greet",
    )


def test_scores_what_the_citizen_gets():
    rows = [
        _row("faq/a", "faq/a"),  # answered right
        _row("faq/a", "faq/b"),  # answered wrong: confident-wrong
        _row("faq/b", "faq/a", fallback=True, candidates=["faq/a", "faq/b"]),  # asked, right offered
        _row("faq/b", "faq/a", fallback=True, candidates=["faq/a"]),  # asked, right not offered
        _row("faq/a", "faq/a", fallback=True),  # dead end
        _row("out_of_scope", "greet", fallback=True),  # out of scope falling back: not a dead end
        _row("greet", "greet"),
        _row("thank", "thank"),
    ]
    result = score(rows)
    assert result["messages"] == 8
    assert result["faq_questions"] == 5
    assert result["faq_answer_accuracy"] == 2 / 5  # raw first choice right: rows 1 and 5
    assert result["answered_directly"] == 4 / 8
    assert result["confident_wrong"] == 1 / 8
    assert result["ask_rate"] == 2 / 8
    assert result["dead_end"] == 1 / 8
    assert result["ask_without_right_candidate"] == 1 / 8
    assert result["right_in_candidates"] == 0.5
    assert result["right_within_one_tap"] == 4 / 8  # rows 1, 3, 7, 8


def test_raw_prediction_reads_a_default_response_selector():
    parse = {
        "intent": {"name": "faq"},
        "intent_ranking": [{"name": "faq"}],
        "response_selector": {"default": {"response": {"intent_response_key": "faq/x"}}},
    }
    assert raw_prediction(parse) == ("faq", "faq/x")
