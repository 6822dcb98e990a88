"""Who is asking, as an action sees it: the verified identity in the latest message's metadata.

The verified input channels replace every message's metadata with what the server itself
verified (the contract is `core.message_metadata`). Actions call `identity_of(tracker)` and
`cpr_was_removed(tracker)`; nothing else.

Must not: take an identity from slots, entities, the message text or any other metadata key
(a client can put anything there), or guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rasa_sdk import Tracker

from core.message_metadata import ANONYMOUS, Anonymous, Identity, cpr_removed, identity_from_metadata
from core.tokens import IdentityProblem, VerifiedCitizen

__all__ = [
    "ANONYMOUS",
    "Anonymous",
    "Identity",
    "IdentityProblem",
    "VerifiedCitizen",
    "cpr_was_removed",
    "identity_of",
]


def _latest_metadata(tracker: Tracker) -> Mapping[str, Any]:
    message = tracker.latest_message or {}
    metadata = message.get("metadata") if isinstance(message, Mapping) else None
    return metadata if isinstance(metadata, Mapping) else {}


def identity_of(tracker: Tracker) -> Identity:
    """The identity the server verified for the latest user message."""
    return identity_from_metadata(_latest_metadata(tracker))


def cpr_was_removed(tracker: Tracker) -> bool:
    """True when the server masked a CPR number in the latest user message."""
    return cpr_removed(_latest_metadata(tracker))
