"""The contract between the input channels and the actions: what a message's metadata may say.

Rasa's channels put the client's `metadata` into the tracker as is, so every verified channel
(`bot.rasa_plugins.channels`) REPLACES it with `sanitise_incoming()` where the message enters; the actions
read it back with `identity_from_metadata()` and trust nothing else. The dict holds only:

- `identity`: `{"citizen_id": ..., "via": "mitid"}` when the server verified who is asking, or
  `{"problem": "<reason>"}` when a login token was sent but not accepted ("expired", "invalid",
  "not_configured"); no `identity` key when nobody logged in;
- `cpr_removed`: True when a CPR number was masked in the text;
- `language`: the language the web widget shows ("da" or "en"; any other value is dropped), read
  by the channels for a text they send before the NLU has read the message;
- client keys in `ALLOWED_CLIENT_KEYS` (none today).

Must not: keep the raw token, pass on any identity-looking key the client sent itself, or let a
malformed entry read as a citizen (anything malformed is an invalid login, never a citizen).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union

from core.privacy import mask_personal
from core.tokens import (
    EXPIRED,
    INVALID,
    MISSING,
    NOT_CONFIGURED,
    VIA_MITID,
    IdentityProblem,
    VerifiedCitizen,
    verify_citizen_token,
)

AUTH_TOKEN_KEY = "auth_token"  # client -> server only; never stored
IDENTITY_KEY = "identity"
CITIZEN_ID_KEY = "citizen_id"
VIA_KEY = "via"
PROBLEM_KEY = "problem"
CPR_REMOVED_KEY = "cpr_removed"

# Keys the server sets itself; a client can never supply them.
# The language the web widget shows: passed on only as exactly "da" or "en".
LANGUAGE_KEY = "language"
SHOWN_LANGUAGES = frozenset({"da", "en"})
RESERVED_KEYS: frozenset[str] = frozenset({AUTH_TOKEN_KEY, IDENTITY_KEY, CPR_REMOVED_KEY, LANGUAGE_KEY})
# Harmless client keys passed on unchanged. Add here only after checking they cannot carry
# identity or personal data (values are not inspected).
ALLOWED_CLIENT_KEYS: frozenset[str] = frozenset()
if not ALLOWED_CLIENT_KEYS.isdisjoint(RESERVED_KEYS):
    raise RuntimeError("ALLOWED_CLIENT_KEYS must not contain server-set keys.")

# Problems an action can tell apart; any other value reads as INVALID.
KNOWN_PROBLEMS: frozenset[str] = frozenset({EXPIRED, INVALID, NOT_CONFIGURED})


@dataclass(frozen=True)
class Anonymous:
    """No login was sent with the message."""


ANONYMOUS = Anonymous()

Identity = Union[VerifiedCitizen, IdentityProblem, Anonymous]


# --- Writing (the channels) --------------------------------------------------------------------
def identity_entry_for_token(token: Any) -> dict[str, str] | None:
    """The `identity` value for the login token a client sent (None: no token sent)."""
    if token is None:
        return None
    if not isinstance(token, str):
        return {PROBLEM_KEY: INVALID}
    result = verify_citizen_token(token)
    if isinstance(result, VerifiedCitizen):
        return verified_entry(result)
    if result.reason != MISSING:
        return {PROBLEM_KEY: result.reason}
    return None


def verified_entry(citizen: VerifiedCitizen) -> dict[str, str]:
    """The `identity` value for a citizen the server verified (by token, or by phone on SMS)."""
    return {CITIZEN_ID_KEY: citizen.citizen_id, VIA_KEY: citizen.via}


def sanitise_incoming(
    text: str | None, metadata: Any, identity: dict[str, str] | None = None
) -> tuple[str | None, dict[str, Any]]:
    """Mask CPR and phone numbers in `text`; replace `metadata` with the verified, minimal dict.

    The identity comes from `metadata["auth_token"]` unless the channel verified the citizen
    another way and passes `identity` itself.
    """
    masked_text, cpr_found = text, False
    if text:
        masked = mask_personal(text)
        masked_text, cpr_found = masked.text, masked.cpr_found
    client = metadata if isinstance(metadata, Mapping) else {}
    clean: dict[str, Any] = {key: client[key] for key in ALLOWED_CLIENT_KEYS if key in client}
    if client.get(LANGUAGE_KEY) in SHOWN_LANGUAGES:
        clean[LANGUAGE_KEY] = client[LANGUAGE_KEY]
    if identity is None:
        identity = identity_entry_for_token(client.get(AUTH_TOKEN_KEY))
    if identity is not None:
        clean[IDENTITY_KEY] = identity
    if cpr_found:
        clean[CPR_REMOVED_KEY] = True
    return masked_text, clean


# --- Reading (the actions) ---------------------------------------------------------------------
def identity_from_metadata(metadata: Any) -> Identity:
    """Who the server verified for the message whose sanitised metadata this is."""
    entry = metadata.get(IDENTITY_KEY) if isinstance(metadata, Mapping) else None
    if entry is None:
        return ANONYMOUS
    if not isinstance(entry, Mapping):
        return IdentityProblem(INVALID)
    problem = entry.get(PROBLEM_KEY)
    if problem is not None:
        # isinstance first: a list here raised TypeError (found by tests/fuzz/test_action_server_fuzz.py)
        return IdentityProblem(problem if isinstance(problem, str) and problem in KNOWN_PROBLEMS else INVALID)
    citizen_id = entry.get(CITIZEN_ID_KEY)
    if not isinstance(citizen_id, str) or not citizen_id.strip():
        return IdentityProblem(INVALID)
    via = entry.get(VIA_KEY)
    return VerifiedCitizen(citizen_id=citizen_id.strip(), via=via if isinstance(via, str) else VIA_MITID)


def cpr_removed(metadata: Any) -> bool:
    """True when the server masked a CPR number in the message whose metadata this is."""
    return isinstance(metadata, Mapping) and metadata.get(CPR_REMOVED_KEY) is True
