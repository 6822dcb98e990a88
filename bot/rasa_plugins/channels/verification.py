"""Sanitising a message where it enters the Rasa server: CPR masking and identity verification.

Rasa's REST and socket.io channels put the client's `metadata` into the tracker as is, so every
verified channel passes each `UserMessage` through `verify_message` first. The new metadata is
built by `core.message_metadata.sanitise_incoming` (the contract the actions read back): only the
identity the server verified, `cpr_removed`, and allowed client keys (none today).

Must not: keep the raw token, or pass on any identity-looking key the client sent itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage

from core.message_metadata import sanitise_incoming

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
MessageVerifier = Callable[[UserMessage], UserMessage]


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
