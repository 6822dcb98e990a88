"""A long conversation is loaded as its state plus its last turns, and nothing is lost on save.

Runs `bot.rasa_plugins.tracker_store.MaskingSQLTrackerStore` on a real SQLite file with the project's domain:
a conversation of 60 turns with a slot set early and the preparation form active is loaded as
a window (about CONVERSATION_WINDOW_EVENTS events) that has the same slots, the same active form
and the same latest message; the events added after loading are stored once, in order, after
the stored ones, and the stored conversation stays complete. Once it is long, it is loaded from
its stored state plus the events after it (core/store/conversations/windows.py; on SQLite and on
PostgreSQL), a state from an earlier session is ignored, the purge deletes it, and it is masked.
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

from bot.rasa_plugins.conversation_window import window_of_events
from bot.rasa_plugins.tracker_store import MaskingSQLTrackerStore
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
    assert (
        window_of_events(short.sender_id, list(short.events), domain.slots, CONVERSATION_WINDOW_EVENTS)
        is None
    )


def test_the_window_starts_at_a_turn_boundary_after_the_session_start(domain: Domain):
    whole = long_conversation("rest:x", domain, 60)
    window = window_of_events(whole.sender_id, list(whole.events), domain.slots, CONVERSATION_WINDOW_EVENTS)
    events = list(window.events)
    assert events[0].action_name == "action_session_start" and isinstance(events[1], SessionStarted)
    first_listen = next(i for i, e in enumerate(events) if isinstance(e, ActionExecuted) and i > 1)
    assert events[first_listen].action_name == "action_listen"
    assert all(isinstance(e, (SlotSet, ActiveLoop)) for e in events[2:first_listen])


# --- the stored state (core/store/conversations/windows.py) ---------------------------------------
def stored_window(url: str, sender: str):
    from core.store.conversations.windows import read_window
    from core.store.database import Database

    database = Database(url)
    try:
        return database.run(read_window, sender)
    finally:
        database.close()


async def talk(
    store: MaskingSQLTrackerStore, sender: str, numbers: range, slot_at: int | None = None
) -> None:
    """Turn by turn, as the Rasa server does: load, add one turn, save."""
    for number in numbers:
        tracker = await store.retrieve(sender)
        for event in turn(number):
            tracker.update(event)
        if number == slot_at:
            tracker.update(SlotSet("prep_q_goal", f"mål fra tur {number}", timestamp=1000.25 + number))
        await store.save(tracker)


async def test_a_long_conversation_is_loaded_from_its_stored_state_and_the_events_after_it(
    empty_db_url: str, domain: Domain
):
    from bot.rasa_plugins.tracker_store import EVENT_IDS_ATTRIBUTE, WINDOW_STORED_AFTER

    path = empty_db_url  # SQLite and PostgreSQL
    store = MaskingSQLTrackerStore(domain=domain, host=path)
    await store.save(long_conversation("rest:lang", domain, 10))
    assert stored_window(path, "rest:lang") is None  # short: read whole
    await talk(store, "rest:lang", range(10, 120), slot_at=70)

    window = stored_window(path, "rest:lang")
    assert window is not None
    kinds = [e["event"] for e in window.state]
    assert kinds[:2] == ["action", "session_started"] and "active_loop" in kinds
    assert {"name": "prep_why", "value": "jeg vil gerne forstå mødet"}.items() <= next(
        e for e in window.state if e.get("name") == "prep_why"
    ).items()

    loaded = await store.retrieve("rest:lang")
    # only the events from the stored point on were read, however long the conversation is
    assert len(getattr(loaded, EVENT_IDS_ATTRIBUTE)) <= WINDOW_STORED_AFTER + len(turn(0))
    assert len(loaded.events) <= CONVERSATION_WINDOW_EVENTS + 10
    assert loaded.get_slot("prep_why") == "jeg vil gerne forstå mødet"
    assert loaded.get_slot("prep_q_goal") == "mål fra tur 70"
    assert loaded.active_loop_name == "preparation_form"
    assert loaded.latest_message.text == "besked 119"

    full = await store.retrieve_full_tracker("rest:lang")
    texts = [e.text for e in full.events if isinstance(e, UserUttered)]
    assert texts == ["hjælp mig med at forberede mig"] + [f"besked {n}" for n in range(120)]
    assert not [e for e in full.events if isinstance(e, SessionStarted)][
        1:
    ]  # the state is never stored as events
    replayed = DialogueStateTracker.from_events("rest:lang", list(full.events), domain.slots)
    assert replayed.current_slot_values() == loaded.current_slot_values()


async def test_a_stored_state_from_an_earlier_session_is_ignored(tmp_path: Path, domain: Domain):
    path = f"sqlite:///{tmp_path / 'conversations.db'}"
    store = MaskingSQLTrackerStore(domain=domain, host=path)
    await store.save(long_conversation("rest:ny", domain, 10))
    await talk(store, "rest:ny", range(10, 60))
    assert stored_window(path, "rest:ny") is not None
    tracker = await store.retrieve("rest:ny")
    for event in [ActionExecuted("action_session_start", timestamp=5000.0), SessionStarted(timestamp=5000.0)]:
        tracker.update(event)
    tracker.update(ActionExecuted("action_listen", timestamp=5000.1))
    tracker.update(UserUttered("ny dag", {"name": "greet"}, timestamp=5000.2))
    await store.save(tracker)

    loaded = await store.retrieve("rest:ny")
    assert loaded.get_slot("prep_why") is None and loaded.active_loop_name is None
    assert [e.text for e in loaded.events if isinstance(e, UserUttered)] == ["ny dag"]


async def test_the_purge_deletes_the_stored_state_with_the_conversation(empty_db_url: str, domain: Domain):
    from core.store.conversations.events import ConversationReader
    from core.store.database import Database

    path = empty_db_url  # SQLite and PostgreSQL
    store = MaskingSQLTrackerStore(domain=domain, host=path)
    for sender in ("rest:a", "rest:b"):
        await store.save(long_conversation(sender, domain, 10))
        await talk(store, sender, range(10, 60))
        assert stored_window(path, sender) is not None
    reader = ConversationReader(Database(path))
    try:
        assert reader.delete_conversation("rest:a") > 0
        assert stored_window(path, "rest:a") is None and stored_window(path, "rest:b") is not None
        deleted, touched = reader.delete_before(1030.0)  # the first turns of rest:b
        assert deleted > 0 and touched == ["rest:b"]
        assert stored_window(path, "rest:b") is None
    finally:
        reader.close()
    loaded = await store.retrieve("rest:b")  # read whole again, what is left of it
    assert loaded.latest_message.text == "besked 59"


async def test_the_stored_state_is_masked_like_the_events(tmp_path: Path, domain: Domain):
    path = tmp_path / "conversations.db"
    store = MaskingSQLTrackerStore(domain=domain, host=f"sqlite:///{path}")
    url = f"sqlite:///{path}"
    tracker = long_conversation("rest:cpr", domain, 10)
    tracker.update(SlotSet("prep_q_goal", "mit cpr er 010190-1234", timestamp=1011.0))
    await store.save(tracker)
    await talk(store, "rest:cpr", range(10, 60))
    window = stored_window(url, "rest:cpr")
    assert window is not None and "010190-1234" not in str(window.state)
    assert "010190-1234" not in path.read_bytes().decode("utf-8", "replace")
