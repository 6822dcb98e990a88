"""The window of a long conversation that the dialogue policies and the action server see.

`window_of_events(sender_id, events, slots, keep)` gives a tracker that starts with the
conversation's state at a turn boundary (`state_before`: the session start, then one `SlotSet`
per slot that is not at its initial value, then the active form) and continues with the last
events from that boundary on, at most about `keep` of them
(core.limits.CONVERSATION_WINDOW_EVENTS). Rasa's RulePolicy and MemoizationPolicy featurise the
whole tracker several times per message (docs/performance.md), so without a window a reply at
turn 200 costs several times one at turn 10; they only look back `max_history` turns, and no
action reads further back than the current turn.

`bot.rasa_plugins.tracker_store.MaskingSQLTrackerStore` uses it when it loads a conversation, and stores only
the events added after the loaded ones, so nothing is lost from the conversation store; it also
stores `state_before` at a later boundary, so a long conversation is not read whole.

Must not: change the stored conversation, drop state (slots, the active form, a paused
conversation), or cut inside a turn (the window starts at an `action_listen`).
"""

from __future__ import annotations

from typing import Iterable, List

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SessionStarted, SlotSet
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker

# The attribute that tells the tracker store how many of the tracker's events were loaded.
LOADED_EVENTS_ATTRIBUTE = "moedeklar_loaded_events"


def cut_index(events: List[Event], keep: int) -> int | None:
    """The first `action_listen` among the last `keep` events (a turn boundary), if any."""
    for index in range(max(0, len(events) - keep), len(events)):
        event = events[index]
        if isinstance(event, ActionExecuted) and event.action_name == ACTION_LISTEN_NAME:
            return index
    return None


def _session_head(events: List[Event], cut: int) -> List[Event]:
    """The session's opening events (`action_session_start` and `session_started`) before `cut`."""
    head: List[Event] = []
    for event in events[:cut]:
        if isinstance(event, SessionStarted) or (
            isinstance(event, ActionExecuted) and event.action_name == "action_session_start"
        ):
            head.append(event)
            if isinstance(event, SessionStarted):
                break
        else:
            break
    return head


def state_before(sender_id: str, events: List[Event], cut: int, slots: List[Slot]) -> List[Event] | None:
    """The events that recreate the state before `events[cut]`: the session start, one `SlotSet`
    per slot not at its initial value, the active form. None when that state cannot be carried
    as events (a paused conversation, a pending follow-up action)."""
    before = DialogueStateTracker.from_events(sender_id, events[:cut], slots)
    # After a session start Rasa expects `action_listen` next; the window starts with it anyway.
    if before.is_paused() or before.followup_action not in (None, ACTION_LISTEN_NAME):
        return None
    timestamp = events[cut].timestamp
    state: List[Event] = [
        SlotSet(slot.name, slot.value, timestamp=timestamp)
        for slot in before.slots.values()
        if slot.value != slot.initial_value
    ]
    if before.active_loop_name:
        state.append(ActiveLoop(before.active_loop_name, timestamp=timestamp))
    return [*_session_head(events, cut), *state]


def window_of_events(
    sender_id: str, events: List[Event], slots: Iterable[Slot], keep: int
) -> DialogueStateTracker | None:
    """The windowed tracker of a conversation's events, or None when they are few enough.

    Replays the events before the cut once (for the state) and the window once; the tracker store
    calls this on the stored events directly, so a long conversation is never replayed whole.
    """
    if len(events) <= keep:
        return None
    cut = cut_index(events, keep)
    if cut is None or cut == 0:
        return None
    slot_list = [slot for slot in slots]
    state = state_before(sender_id, events, cut, slot_list)
    if state is None:
        return None
    window = DialogueStateTracker.from_events(sender_id, [*state, *events[cut:]], slot_list)
    setattr(window, LOADED_EVENTS_ATTRIBUTE, len(window.events))
    return window
