"""Sanitising a message where it enters the Rasa server: CPR masking and identity verification.

Rasa's REST and socket.io channels put the client's `metadata` into the tracker as is, so
every verified channel passes each `UserMessage` through `verify_message` first. The result
carries a NEW metadata dict built only from:

- `identity`: `{"citizen_id": ..., "via": "mitid"}` when `metadata["auth_token"]` verified,
  or `{"problem": "<reason>"}` when a token was sent but not accepted
  (reason: "expired", "invalid" or "not_configured"; no token sent → no `identity` key);
- `cpr_removed`: True when a CPR number was masked in the text;
- client keys in `ALLOWED_CLIENT_KEYS` (none today).

The action server imports the key constants from here and trusts only this `identity`.
Must not: keep the raw token, or pass on any identity-looking key the client sent itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.identity import (
    INVALID,
    MISSING,
    IdentityProblem,
    VerifiedCitizen,
    verify_citizen_token,
)
from bot.privacy import mask_cpr

AUTH_TOKEN_KEY = "auth_token"  # client → server only; never stored
IDENTITY_KEY = "identity"
CITIZEN_ID_KEY = "citizen_id"
VIA_KEY = "via"
PROBLEM_KEY = "problem"
CPR_REMOVED_KEY = "cpr_removed"

# Keys the server sets itself; a client can never supply them.
RESERVED_KEYS: frozenset[str] = frozenset({AUTH_TOKEN_KEY, IDENTITY_KEY, CPR_REMOVED_KEY})
# Harmless client keys passed on unchanged. Add here only after checking they cannot carry
# identity or personal data (values are not inspected).
ALLOWED_CLIENT_KEYS: frozenset[str] = frozenset()
if not ALLOWED_CLIENT_KEYS.isdisjoint(RESERVED_KEYS):
    raise RuntimeError("ALLOWED_CLIENT_KEYS must not contain server-set keys.")

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
MessageVerifier = Callable[[UserMessage], UserMessage]


def sanitise_incoming(text: str | None, metadata: Any) -> tuple[str | None, dict[str, Any]]:
    """Mask CPR numbers in `text` and replace `metadata` with the verified, minimal dict."""
    masked_text, cpr_found = mask_cpr(text) if text else (text, False)
    client = metadata if isinstance(metadata, Mapping) else {}
    clean: dict[str, Any] = {key: client[key] for key in ALLOWED_CLIENT_KEYS if key in client}
    identity = _identity_entry(client.get(AUTH_TOKEN_KEY))
    if identity is not None:
        clean[IDENTITY_KEY] = identity
    if cpr_found:
        clean[CPR_REMOVED_KEY] = True
    return masked_text, clean


def verify_message(message: UserMessage, input_channel: str) -> UserMessage:
    """A copy of `message` with sanitised text and metadata and the channel's own name.

    `input_channel` is pinned because the REST channel lets the client choose it.
    """
    text, metadata = sanitise_incoming(message.text, message.metadata)
    return UserMessage(
        text=text,
        output_channel=message.output_channel,
        sender_id=message.sender_id,
        parse_data=message.parse_data,
        input_channel=input_channel,
        message_id=message.message_id,
        metadata=metadata,
    )


def wrap_on_new_message(on_new_message: OnNewMessage, verify: MessageVerifier) -> OnNewMessage:
    """The `on_new_message` callback a verified channel hands to Rasa's own blueprint."""

    async def wrapped(message: UserMessage) -> Any:
        return await on_new_message(verify(message))

    return wrapped


def _identity_entry(token: Any) -> dict[str, str] | None:
    """The `identity` metadata value for the token the client sent (None: no token sent)."""
    if token is None:
        return None
    if not isinstance(token, str):
        return {PROBLEM_KEY: INVALID}
    result = verify_citizen_token(token)
    if isinstance(result, VerifiedCitizen):
        return {CITIZEN_ID_KEY: result.citizen_id, VIA_KEY: result.via}
    if isinstance(result, IdentityProblem) and result.reason != MISSING:
        return {PROBLEM_KEY: result.reason}
    return None
