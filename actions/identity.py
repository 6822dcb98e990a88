"""Who is asking, as the action server sees it: the verified identity in the message metadata.

Owns reading `tracker.latest_message["metadata"]`, which the verified input channels
(`bot.channels.verification`) REPLACE on every message with what the server itself verified:
`{"identity": {"citizen_id": ..., "via": "mitid"}}`, `{"identity": {"problem": ...}}` or no
`identity` key, plus `"cpr_removed": true` when a CPR number was masked in the text.

Must not: take an identity from slots, entities, the message text or any other metadata key
(a client can put anything there), or guess. Anything malformed is treated as an invalid
login, never as a citizen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union

from rasa_sdk import Tracker

from bot.channels.verification import CITIZEN_ID_KEY, CPR_REMOVED_KEY, IDENTITY_KEY, PROBLEM_KEY, VIA_KEY
from bot.identity import EXPIRED, INVALID, NOT_CONFIGURED, VIA_MITID, IdentityProblem, VerifiedCitizen

__all__ = [
    "Anonymous",
    "ANONYMOUS",
    "Identity",
    "IdentityProblem",
    "VerifiedCitizen",
    "cpr_was_removed",
    "identity_of",
]

# Problems an action can tell apart; any other value is reported as INVALID.
KNOWN_PROBLEMS: frozenset[str] = frozenset({EXPIRED, INVALID, NOT_CONFIGURED})


@dataclass(frozen=True)
class Anonymous:
    """No login token was sent with the message."""


ANONYMOUS = Anonymous()

Identity = Union[VerifiedCitizen, IdentityProblem, Anonymous]


def _latest_metadata(tracker: Tracker) -> Mapping[str, Any]:
    message = tracker.latest_message or {}
    metadata = message.get("metadata") if isinstance(message, Mapping) else None
    return metadata if isinstance(metadata, Mapping) else {}


def identity_of(tracker: Tracker) -> Identity:
    """The identity the server verified for the latest user message."""
    entry = _latest_metadata(tracker).get(IDENTITY_KEY)
    if entry is None:
        return ANONYMOUS
    if not isinstance(entry, Mapping):
        return IdentityProblem(INVALID)
    problem = entry.get(PROBLEM_KEY)
    if problem is not None:
        return IdentityProblem(problem if problem in KNOWN_PROBLEMS else INVALID)
    citizen_id = entry.get(CITIZEN_ID_KEY)
    if not isinstance(citizen_id, str) or not citizen_id.strip():
        return IdentityProblem(INVALID)
    via = entry.get(VIA_KEY)
    return VerifiedCitizen(citizen_id=citizen_id.strip(), via=via if isinstance(via, str) else VIA_MITID)


def cpr_was_removed(tracker: Tracker) -> bool:
    """True when the server masked a CPR number in the latest user message."""
    return _latest_metadata(tracker).get(CPR_REMOVED_KEY) is True
