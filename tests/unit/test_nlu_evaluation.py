"""What the evaluation counts (bot/tools/nlu_evaluation.py, bot/tools/dialogue_evaluation.py), on hand-made
parse results and stored events: the first reply's outcome, the four outcomes adding up to 100 %."""

from __future__ import annotations

import pytest

from bot.tools.dialogue_evaluation import LastReply, last_reply, outcome_of
from bot.tools.nlu_evaluation import first_reply, raw_label, score
from core.answer_decision import ASKED, DEAD_END, RIGHT, WRONG, outcome


def _parse(kind, label=None, intent="faq", candidates=(), see_also=()):
    return {
        "intent": {"name": intent if kind == "answer" else "nlu_fallback"},
        "intent_ranking": [{"name": intent}],
        "answer_decision": {"kind": kind, "label": label},
        "clarification_candidates": [{"label": c, "confidence": 0.3} for c in candidates],
        "see_also": [{"label": c, "confidence": 0.1} for c in see_also],
        "response_selector": {"faq": {"response": {"intent_response_key": label or "faq/x"}}},
    }


def _row(truth: str, parse: dict) -> dict:
    reply = first_reply(parse)
    return {
        "label": truth,
        **reply,
        "raw_label": raw_label(parse),
        "outcome": outcome(reply["kind"], reply["answered"], truth),
    }


def test_every_message_has_exactly_one_outcome_and_they_add_up():
    rows = [
        _row("faq/a", _parse("answer", "faq/a")),  # right
        _row("faq/a", _parse("answer", "faq/b", see_also=["faq/a"])),  # wrong, right one under it
        _row("faq/b", _parse("ask", candidates=["faq/a", "faq/b"])),  # asked, right offered
        _row("faq/b", _parse("ask", candidates=["faq/a", "faq/c"])),  # asked, right not offered
        _row("faq/a", _parse("rephrase")),  # dead end
        _row("out_of_scope", _parse("answer", "out_of_scope", intent="out_of_scope")),  # right
        _row("greet", _parse("answer", "greet", intent="greet")),  # right
        _row("thank", _parse("answer", "greet", intent="greet")),  # wrong small talk
    ]
    result = score(rows)
    assert result["messages"] == 8
    assert result["right_first"] == 3 / 8
    assert result["wrong"] == 2 / 8
    assert result["asked"] == 2 / 8
    assert result["dead_end"] == 1 / 8
    assert sum(result[k] for k in ("right_first", "wrong", "asked", "dead_end")) == pytest.approx(1.0)
    assert result["asked_with_right_candidate"] == 1 / 8
    assert result["wrong_with_right_see_also"] == 0.5


def test_a_crisis_message_is_right_when_the_crisis_lines_come_first():
    crisis = {**_parse("answer", "faq/ret_bisidder"), "intent": {"name": "crisis"}}
    assert first_reply(crisis)["answered"] == "crisis"
    assert outcome("answer", "crisis", "crisis") == RIGHT
    assert outcome("answer", "crisis", "faq/ret_bisidder") == WRONG


def test_an_ask_with_fewer_than_two_topics_is_a_dead_end():
    assert first_reply(_parse("ask", candidates=["faq/a"]))["kind"] == "rephrase"


def _events(action: str, utter: str | None = None, step: str | None = None, aspect: str | None = None):
    entities = [{"entity": "aspect", "value": aspect}] if aspect else []
    bot_metadata = {k: v for k, v in {"utter_action": utter, "clarify_step": step}.items() if v}
    return [
        {"event": "user", "text": "første", "parse_data": {}},
        {"event": "action", "name": "utter_greet"},
        {"event": "user", "text": "hvor?", "parse_data": {"entities": entities}},
        {"event": "action", "name": action},
        {"event": "bot", "text": "…", "metadata": bot_metadata},
        {"event": "action", "name": "action_listen"},
    ]


def test_the_last_turn_of_a_dialogue_is_read_from_the_stored_events():
    assert last_reply(_events("utter_faq", utter="utter_faq/ret_bisidder")) == LastReply(
        "answer", "faq/ret_bisidder"
    )
    assert last_reply(_events("action_next_meeting", aspect="place")) == LastReply(
        "answer", "case:next_meeting", "place"
    )
    assert last_reply(_events("utter_clarify", step="offered")).kind == ASKED
    assert last_reply(_events("utter_clarify", step="rephrase")).kind == DEAD_END


def test_what_a_dialogue_expects():
    place = LastReply("answer", "case:next_meeting", "place")
    whole = LastReply("answer", "case:next_meeting", None)
    time = LastReply("answer", "case:next_meeting", "time")
    assert outcome_of("case:meeting_place", place, logged_in=True) == RIGHT
    assert outcome_of("case:meeting_place", whole, logged_in=True) == RIGHT  # the whole answer holds it
    assert outcome_of("case:meeting_place", time, logged_in=True) == WRONG
    assert outcome_of("login_needed", whole, logged_in=False) == RIGHT
    assert outcome_of("login_needed", LastReply("answer", "faq/moede_online"), logged_in=False) == WRONG
    assert (
        outcome_of("case:caseworker_contact", LastReply("answer", "human_handoff"), logged_in=True) == RIGHT
    )
    assert outcome_of("faq/ret_klage", LastReply(ASKED), logged_in=False) == ASKED
