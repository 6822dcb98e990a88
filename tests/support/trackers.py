"""rasa-sdk Trackers as the action server receives them, for the action tests.

`sdk_tracker(latest, ...)` builds the Tracker a Rasa server sends with an action call: the latest
user message (`latest`: its parse data, with `metadata` where the channel verified an identity),
the events before it plus that user event, the slots and the active loop.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def latest_message(
    text: str,
    intent: str,
    metadata: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    confidence: float = 0.99,
) -> dict[str, Any]:
    """A latest message's parse data; `metadata` only when given (None: the key is absent)."""
    latest: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "message_id": "m-1",
    }
    if metadata is not None:
        latest["metadata"] = metadata
    return latest


def sdk_tracker(
    latest: dict[str, Any],
    *,
    sender_id: str = "test-user",
    events: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    active_loop: dict[str, Any] | None = None,
    channel: str | None = None,
) -> Tracker:
    """The Tracker of one action call, ending with the user event of `latest`."""
    user: dict[str, Any] = {"event": "user", "text": str(latest.get("text")), "parse_data": latest}
    if channel is not None:
        user["input_channel"] = channel
    return Tracker(
        sender_id=sender_id,
        slots=slots or {},
        latest_message=latest,
        events=[*(events or []), user],
        paused=False,
        followup_action=None,
        active_loop=active_loop or {},
        latest_action_name="action_listen",
    )
