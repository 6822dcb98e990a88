"""A cache for Rasa's event-type lookup, which made every reply slower as a conversation grew.

Rasa 3.6's `Event.resolve_by_type(type_name)` walks every subclass of `Event` (recursively, with
`inspect.isabstract` on each) for every event it deserialises, and the tracker store
deserialises the whole conversation session on every message: at turn 200 (about 800 events)
that was ~80 ms per reply (benchmarks/reply_speed.py, docs/performance.md). `install()` wraps it
with a dict from type name to class; names it cannot resolve go to the original every time, so
behaviour (defaults, errors, the legacy `topic` event) is unchanged. Installed by the conversation
store (bot/rasa_plugins/tracker_store.py). Must not change what is deserialised, only how fast.
"""

from __future__ import annotations

from typing import Dict, Type

from rasa.shared.core.events import Event

_CACHE: Dict[str, Type[Event]] = {}
_ORIGINAL = Event.resolve_by_type


def _resolve_by_type(type_name: str, default: Type[Event] | None = None) -> Type[Event] | None:
    found = _CACHE.get(type_name)
    if found is not None:
        return found
    found = _ORIGINAL(type_name, default)
    if found is not None and found is not default:
        _CACHE[type_name] = found
    return found


def install() -> None:
    """Idempotent: replace `Event.resolve_by_type` with the cached lookup."""
    Event.resolve_by_type = staticmethod(_resolve_by_type)
