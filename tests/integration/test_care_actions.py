"""The "Mente du …?" pick and the care actions (actions/clarification.py, actions/care.py), run for real.

Each test builds a rasa_sdk `Tracker` as Rasa sends it (latest message with its parse data,
the events so far), runs the action with a `CollectingDispatcher` and reads what the citizen
would see and which events come back. The distress answer for a verified citizen reads the real
demo case database (SQLite, data/demo_cases.json); nothing is mocked. Each answer is checked in
Danish (the default) and in English (the tracker slot `language` = "en").
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.care import ActionCrisisSupport, ActionDistressSupport
from actions.clarification import ActionFaqPick
from core import clock
from core.care import support_text, support_texts
from core.municipality import fill
from tests.support.demo import DEMO_NOW
from tests.support.trackers import sdk_tracker

ANNA = "c-1001"  # ressourceforløb in progress; caseworker Mette Holm, 70 11 22 33


def user(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text}


def tracker(
    latest: dict[str, Any],
    events: list[dict[str, Any]] | None = None,
    active_loop: dict[str, Any] | None = None,
    slots: dict[str, Any] | None = None,
) -> Tracker:
    return sdk_tracker(latest, sender_id="rest:test", events=events, slots=slots, active_loop=active_loop)


def run(action: type[Action], t: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action().run(dispatcher, t, {}))
    return dispatcher.messages, events


def payloads(messages: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


CLARIFY = support_texts("clarification")


# --- "Mente du …?" (a pick; the offer and a miss: tests/unit/test_clarification_responses.py) ------
def pick(entities: list[dict[str, Any]], metadata: dict[str, Any] | None = None) -> Tracker:
    latest = {"text": "/faq_pick", "intent": {"name": "faq_pick", "confidence": 1.0}, "entities": entities}
    if metadata:
        latest["metadata"] = metadata
    return tracker(latest, events=[user("x")])


def test_a_pick_answers_with_the_faq_response_itself():
    messages, events = run(ActionFaqPick, pick([{"entity": "topic", "value": "faq/ret_bisidder"}]))
    assert messages == [
        {
            "text": None,
            "buttons": [],
            "elements": [],
            "custom": {},
            "template": "utter_faq/ret_bisidder",
            "response": "utter_faq/ret_bisidder",
            "image": None,
            "attachment": None,
        }
    ]
    assert events == []  # an answered turn: its bot message carries no clarify_step, the streak ends


def test_a_pick_never_takes_an_identity_or_an_unknown_topic_from_the_payload():
    forged = [{"entity": "citizen_id", "value": ANNA}, {"entity": "topic", "value": "ask_case_status"}]
    messages, _ = run(ActionFaqPick, pick(forged))
    assert [m["text"] for m in messages] == [CLARIFY["unknown_topic"]]
    assert all(not m.get("response") for m in messages)


# --- distress and crisis ---------------------------------------------------------------------------
DISTRESS = support_texts("distress")


def distress(metadata: dict[str, Any] | None = None) -> Tracker:
    latest = {"text": "jeg har det rigtig dårligt", "intent": {"name": "distress", "confidence": 0.9}}
    if metadata:
        latest["metadata"] = metadata
    return tracker(latest)


def test_distress_is_warm_short_and_offers_guide_jobcenter_moving_and_livslinien():
    messages, events = run(ActionDistressSupport, distress())
    assert events == [] and len(messages) == 1
    text = messages[0]["text"]
    assert text.splitlines() == [
        DISTRESS["opening"],
        fill(DISTRESS["caseworker"]),
        DISTRESS["move"],
        DISTRESS["guide"],
        DISTRESS["doctor"],
        DISTRESS["crisis_line"],
    ]
    assert payloads(messages) == ["/start_preparation", "/human_handoff"]
    assert len(text) <= 480


def test_distress_fits_one_sms_with_its_options():
    from bot.rasa_plugins.sms.formatting import format_turn
    from core.sms.encoding import MAX_SEGMENTS

    t = distress()
    t.events[-1]["input_channel"] = "gatewayapi"
    messages, _ = run(ActionDistressSupport, t)
    assert DISTRESS["guide"] not in messages[0]["text"] and DISTRESS["crisis_line"] in messages[0]["text"]
    turn = format_turn(messages)
    assert turn.message is not None and turn.remainder is None and turn.message.segments <= MAX_SEGMENTS


def test_distress_names_a_verified_citizens_own_caseworker(
    demo_cases_db_url: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(clock, "utc_now", lambda: DEMO_NOW)
    messages, _ = run(ActionDistressSupport, distress({"identity": {"citizen_id": ANNA}}))
    assert "Du kan ringe til din sagsbehandler, Mette Holm, på 70 11 22 33." in messages[0]["text"]


def test_distress_for_an_unknown_or_anonymous_citizen_names_the_jobcenter(demo_cases_db_url: str):
    messages, _ = run(ActionDistressSupport, distress({"identity": {"citizen_id": "c-9999"}}))
    assert fill(DISTRESS["caseworker"]) in messages[0]["text"]
    assert "Mette Holm" not in messages[0]["text"]


def test_crisis_outside_the_guide_adds_nothing_after_the_crisis_lines():
    latest = {"text": "selvmord", "intent": {"name": "crisis", "confidence": 1.0}}
    messages, events = run(ActionCrisisSupport, tracker(latest))
    assert messages == []
    assert [(e["event"], e.get("name"), e.get("value")) for e in events] == [
        ("slot", "requested_slot", None),
        ("active_loop", None, None),
    ]


def test_crisis_inside_the_guide_pauses_it():
    latest = {"text": "jeg vil ikke leve mere", "intent": {"name": "crisis", "confidence": 1.0}}
    inside = tracker(
        latest,
        active_loop={"name": "preparation_form"},
        slots={
            "requested_slot": "prep_q_goal",
            "prep_q_goal": "jeg vil ikke leve mere",
            "prep_status": "active",
        },
    )
    messages, events = run(ActionCrisisSupport, inside)
    assert [m["text"] for m in messages] == [support_text("crisis_guide_paused")]
    assert [(e["event"], e.get("name"), e.get("value")) for e in events] == [
        ("slot", "prep_status", "paused"),
        ("slot", "requested_slot", None),
        ("active_loop", None, None),
    ]


def test_the_guide_never_takes_crisis_words_as_an_answer():
    from actions.preparation import ValidatePreparationForm

    latest = {"text": "jeg vil ikke leve mere", "intent": {"name": "crisis", "confidence": 1.0}}
    slots = {"requested_slot": "prep_q_goal"}
    inside = tracker(latest, active_loop={"name": "preparation_form"}, slots=slots)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidatePreparationForm().get_validation_events(dispatcher, inside, {}))
    assert events == [] and dispatcher.messages == []


# --- In English (the slot `language` is "en") ------------------------------------------------------
ENGLISH = {"language": "en"}
DISTRESS_EN = support_texts("distress", "en")


def test_in_english_an_unknown_pick_is_answered_in_english():
    t = pick([{"entity": "topic", "value": "not/a_topic"}])
    t.slots.update(ENGLISH)
    messages, _ = run(ActionFaqPick, t)
    assert [m["text"] for m in messages] == [support_texts("clarification", "en")["unknown_topic"]]
    assert messages[0]["text"] != CLARIFY["unknown_topic"]


def test_in_english_distress_is_warm_short_and_names_the_jobcenter_in_english():
    latest = {"text": "i feel really bad", "intent": {"name": "distress", "confidence": 0.9}}
    messages, _ = run(ActionDistressSupport, tracker(latest, slots=ENGLISH))
    assert messages[0]["text"].splitlines() == [
        DISTRESS_EN["opening"],
        fill(DISTRESS_EN["caseworker"], "en"),
        DISTRESS_EN["move"],
        DISTRESS_EN["guide"],
        DISTRESS_EN["doctor"],
        DISTRESS_EN["crisis_line"],
    ]
    assert "Call Jobcenter" in messages[0]["text"] and "ring til" not in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]] == [
        DISTRESS_EN["prepare_title"],
        DISTRESS_EN["human_title"],
    ]
    assert payloads(messages) == ["/start_preparation", "/human_handoff"]


def test_in_english_distress_names_a_verified_citizens_own_caseworker(
    demo_cases_db_url: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(clock, "utc_now", lambda: DEMO_NOW)
    latest = {
        "text": "i cannot cope",
        "intent": {"name": "distress", "confidence": 0.9},
        "metadata": {"identity": {"citizen_id": ANNA}},
    }
    messages, _ = run(ActionDistressSupport, tracker(latest, slots=ENGLISH))
    assert "You can call your caseworker, Mette Holm, on 70 11 22 33." in messages[0]["text"]


def test_in_english_crisis_inside_the_guide_pauses_it_in_english():
    latest = {"text": "i want to die", "intent": {"name": "crisis", "confidence": 1.0}}
    inside = tracker(
        latest,
        active_loop={"name": "preparation_form"},
        slots={**ENGLISH, "requested_slot": "prep_q_goal", "prep_status": "active"},
    )
    messages, events = run(ActionCrisisSupport, inside)
    assert [m["text"] for m in messages] == [support_text("crisis_guide_paused", "en")]
    assert ("slot", "prep_status", "paused") in [(e["event"], e.get("name"), e.get("value")) for e in events]
