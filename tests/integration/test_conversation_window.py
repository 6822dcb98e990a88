"""A long conversation is loaded as its state plus its last turns, and nothing is lost on save.

Runs `bot.tracker_store.MaskingSQLTrackerStore` on a real SQLite file with the project's domain:
a conversation of 60 turns with a slot set early and the preparation form active is loaded as
a window (about CONVERSATION_WINDOW_EVENTS events) that has the same slots, the same active form
and the same latest message; the events added after loading are stored once, in order, after
the stored ones, and the stored conversation stays complete.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.conversation_window import windowed
from bot.tracker_store import MaskingSQLTrackerStore
from core.limits import CONVERSATION_WINDOW_EVENTS

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(REPO / "domain.yml"))


def turn(number: int) -> list:
    return [
        UserUttered(f"besked {number}", {"name": "faq", "confidence": 0.9}, timestamp=1000.0 + number),
        ActionExecuted("utter_faq", timestamp=1000.1 + number),
        BotUttered(f"svar {number}", timestamp=1000.2 + number),
        ActionExecuted("action_listen", timestamp=1000.3 + number),
    ]


def long_conversation(sender: str, domain: Domain, turns: int) -> DialogueStateTracker:
    events = [
        ActionExecuted("action_session_start", timestamp=999.0),
        SessionStarted(timestamp=999.0),
        ActionExecuted("action_listen", timestamp=999.1),
        UserUttered("hjælp mig med at forberede mig", {"name": "start_preparation"}, timestamp=999.2),
        SlotSet("prep_why", "jeg vil gerne forstå mødet", timestamp=999.3),
        ActiveLoop("preparation_form", timestamp=999.4),
        ActionExecuted("action_listen", timestamp=999.5),
    ]
    for number in range(turns):
        events += turn(number)
    return DialogueStateTracker.from_events(sender, events, domain.slots)


async def test_a_long_conversation_loads_as_a_window_and_saves_without_loss(tmp_path: Path, domain: Domain):
    store = MaskingSQLTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'conversations.db'}")
    full = long_conversation("rest:lang", domain, 60)
    await store.save(full)

    loaded = await store.retrieve("rest:lang")
    assert len(loaded.events) <= CONVERSATION_WINDOW_EVENTS + 5 < len(full.events)
    assert loaded.get_slot("prep_why") == "jeg vil gerne forstå mødet"
    assert loaded.active_loop_name == "preparation_form"
    assert loaded.latest_message.text == "besked 59"
    assert not loaded.is_paused()

    for event in turn(60):
        loaded.update(event)
    await store.save(loaded)

    stored = await store.retrieve_full_tracker("rest:lang")
    texts = [event.text for event in stored.events if isinstance(event, UserUttered)]
    assert texts == ["hjælp mig med at forberede mig"] + [f"besked {n}" for n in range(61)]
    assert len(stored.events) == len(full.events) + 4  # nothing doubled, nothing lost
    again = await store.retrieve("rest:lang")
    assert again.latest_message.text == "besked 60" and again.get_slot("prep_why")


def test_a_short_conversation_is_left_whole(domain: Domain):
    short = long_conversation("rest:kort", domain, 5)
    assert windowed(short, domain.slots, CONVERSATION_WINDOW_EVENTS) is None


def test_the_window_starts_at_a_turn_boundary_after_the_session_start(domain: Domain):
    window = windowed(long_conversation("rest:x", domain, 60), domain.slots, CONVERSATION_WINDOW_EVENTS)
    events = list(window.events)
    assert events[0].action_name == "action_session_start" and isinstance(events[1], SessionStarted)
    first_listen = next(i for i, e in enumerate(events) if isinstance(e, ActionExecuted) and i > 1)
    assert events[first_listen].action_name == "action_listen"
    assert all(isinstance(e, (SlotSet, ActiveLoop)) for e in events[2:first_listen])
