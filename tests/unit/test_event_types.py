"""The cached event-type lookup (bot/rasa_plugins/event_types.py) resolves exactly as Rasa's own."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered

from bot.rasa_plugins import event_types


def test_cached_lookup_resolves_like_rasa_and_keeps_errors():
    event_types.install()
    event_types.install()  # idempotent
    for cls in (UserUttered, ActionExecuted, BotUttered, SlotSet):
        assert Event.resolve_by_type(cls.type_name) is cls
        assert Event.resolve_by_type(cls.type_name) is cls  # from the cache
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")


def test_events_round_trip_through_the_cached_lookup():
    event_types.install()
    events = [
        UserUttered("hej", {"name": "greet", "confidence": 0.9}),
        ActionExecuted("utter_greet"),
        BotUttered("Hej"),
    ]
    assert [Event.from_parameters(e.as_dict()) for e in events] == events
