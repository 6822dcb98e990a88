"""Reading stored Rasa events: flags (by the names shared with the NLU branch), topics, identity,
channel, the transcript, and the tracker store's second line of masking (core.conversation_events).
"""

from __future__ import annotations

from typing import Any

import pytest

from core.conversation_events import (
    StoredEvent,
    channel_of,
    mask_event,
    prediction,
    summarise,
    transcript,
)
from core.privacy import CPR_PLACEHOLDER, PHONE_PLACEHOLDER


def user(text: str, intent: str, at: float = 1_764_000_000.0, **extra: Any) -> dict[str, Any]:
    return {
        "event": "user",
        "timestamp": at,
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 0.8}, "text": text, "entities": []},
        "input_channel": extra.pop("channel", "rest"),
        **extra,
    }


def action(name: str, at: float = 1_764_000_001.0) -> dict[str, Any]:
    return {"event": "action", "name": name, "timestamp": at}


def stored(*events: dict[str, Any]) -> list[StoredEvent]:
    return [StoredEvent(number, str(data["event"]), data) for number, data in enumerate(events, start=1)]


@pytest.mark.parametrize(
    ("events", "flag"),
    [
        ([user("blabla", "nlu_fallback")], "unsure"),
        ([user("tolk?", "faq"), action("utter_please_rephrase")], "unsure"),
        ([user("tolk?", "faq"), action("utter_clarify")], "unsure"),  # "Mente du …?"
        ([user("/clarify_none", "clarify_none"), action("utter_clarify_none")], "unsure"),
        ([user("tolk?", "faq"), action("action_clarify")], "unsure"),  # older conversations
        ([user("et menneske tak", "human_handoff")], "handoff"),
        ([user("hjælp", "help"), action("action_human_handoff")], "handoff"),
        ([user("jeg kan ikke mere", "crisis")], "crisis"),
        ([user("...", "distress"), action("action_crisis_support")], "crisis"),
    ],
)
def test_flags_come_from_intents_and_actions(events: list[dict[str, Any]], flag: str) -> None:
    summary = summarise("rest:x", stored(*events))
    flags = {"unsure": summary.unsure, "handoff": summary.handoff, "crisis": summary.crisis}
    assert [name for name, on in flags.items() if on] == [flag]


def test_a_plain_conversation_has_no_flags_and_counts_messages() -> None:
    summary = summarise(
        "rest:x",
        stored(
            action("action_session_start", 1.0),
            user("hej", "greet", 2.0),
            {"event": "bot", "timestamp": 3.0, "text": "Hej!"},
            user("tak", "thank", 4.0),
            {"event": "bot", "timestamp": 5.0, "text": "Selv tak"},
        ),
    )
    assert not (summary.unsure or summary.handoff or summary.crisis)
    assert summary.message_count == 4 and summary.citizen_text == "hej\ntak"
    assert summary.started_at is not None and summary.started_at.timestamp() == 1.0
    assert summary.last_event_id == 5


def test_identity_is_the_verified_citizen_only() -> None:
    verified = {"metadata": {"identity": {"citizen_id": "c-1001", "via": "mitid"}}}
    problem = {"metadata": {"identity": {"problem": "expired"}}}
    assert summarise("rest:x", stored(user("a", "greet", **verified))).citizen_id == "c-1001"
    assert summarise("rest:x", stored(user("a", "greet", **problem))).citizen_id is None
    mixed = summarise(
        "rest:x",
        stored(
            user("a", "greet", **verified),
            user("b", "greet", metadata={"identity": {"citizen_id": "c-1002"}}),
        ),
    )
    assert mixed.citizen_id is None and mixed.identity_mixed


def test_faq_topic_and_confidence_come_from_the_response_selector() -> None:
    parse = {
        "intent": {"name": "faq", "confidence": 0.97},
        "response_selector": {
            "faq": {"response": {"intent_response_key": "faq/ret_klage", "confidence": 0.71}}
        },
    }
    guess = prediction(parse)
    assert (guess.topic, guess.confidence, guess.intent) == ("faq/ret_klage", 0.71, "faq")
    assert prediction({"intent": {"name": "greet", "confidence": 0.5}}).topic == "greet"
    assert prediction(None).topic is None and prediction({"intent": "junk"}).topic is None


def test_a_topic_chosen_from_mente_du_is_that_topic_with_full_confidence() -> None:
    parse = {
        "intent": {"name": "faq_pick", "confidence": 1.0},
        "entities": [
            {"entity": "citizen_id", "value": "c-1"},
            {"entity": "topic", "value": "faq/ret_bisidder"},
        ],
    }
    guess = prediction(parse)
    assert (guess.topic, guess.confidence, guess.intent) == ("faq/ret_bisidder", 1.0, "faq_pick")
    bad = prediction(
        {"intent": {"name": "faq_pick", "confidence": 1.0}, "entities": [{"entity": "topic", "value": 3}]}
    )
    assert bad.topic == "faq_pick"


@pytest.mark.parametrize(
    ("conversation_id", "channels", "expected"),
    [
        ("rest:anna", ["rest"], "web"),
        ("Xy.abc", ["socketio"], "web"),
        ("sms:QmFzZTY0", ["gatewayapi"], "sms"),
        ("odd", ["gatewayapi"], "sms"),
    ],
)
def test_channel(conversation_id: str, channels: list[str], expected: str) -> None:
    assert channel_of(conversation_id, channels) == expected


def test_transcript_leaves_out_routine_actions_and_keeps_buttons() -> None:
    entries = transcript(
        stored(
            action("action_listen"),
            user("tolk?", "faq"),
            action("action_human_handoff"),
            {
                "event": "bot",
                "timestamp": 2.0,
                "text": "Vælg",
                "data": {"buttons": [{"title": "Ja", "payload": "/ja"}]},
            },
            {"event": "slot", "name": "x", "value": 1},
        )
    )
    assert [e.kind for e in entries] == ["citizen", "action", "assistant"]
    assert entries[2].buttons == ("Ja",)


def test_mask_event_masks_citizen_text_everywhere_but_leaves_the_assistant_alone() -> None:
    event = user(
        "cpr 010190-1234 tlf 20123456",
        "faq",
        metadata={"identity": {"citizen_id": "c-1001"}},
    )
    event["parse_data"]["entities"] = [{"entity": "x", "value": "20 12 34 56"}]
    masked = mask_event(event)
    assert masked["text"] == f"cpr {CPR_PLACEHOLDER} tlf {PHONE_PLACEHOLDER}"
    assert masked["parse_data"]["text"] == masked["text"]
    assert masked["parse_data"]["entities"][0]["value"] == PHONE_PLACEHOLDER
    assert event["text"].startswith("cpr 010190")  # the original is not changed
    slot = mask_event({"event": "slot", "name": "prep_q_practical", "value": "ring 20123456"})
    assert slot["value"] == f"ring {PHONE_PLACEHOLDER}"
    bot = {"event": "bot", "text": "Ring til jobcentret på 70 10 20 30"}
    assert mask_event(bot) == bot


def test_answers_to_the_guide_are_not_unsure_and_not_asked_topics() -> None:
    events = stored(
        user("hjælp mig med at forberede mig", "start_preparation", 1.0),
        {"event": "active_loop", "name": "preparation_form", "timestamp": 1.1},
        user("At de lytter til mig", "nlu_fallback", 2.0),
        user("jeg kan ikke mere", "crisis", 3.0),
        {"event": "active_loop", "name": None, "timestamp": 3.1},
        user("hvad er et ressourceforløb", "nlu_fallback", 4.0),
    )
    summary = summarise("rest:x", events[:4])
    assert not summary.unsure and summary.crisis  # crisis words count even inside the guide
    assert [m.topic for m in summary.citizen_messages] == ["start_preparation", None, None]
    assert summarise("rest:x", events).unsure  # after the guide, a fallback is a fallback
    entries = transcript(events)
    assert [e.in_form for e in entries if e.kind == "citizen"] == [False, True, True, False]
