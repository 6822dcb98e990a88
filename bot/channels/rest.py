"""REST input channel with identity verification and CPR masking (wraps Rasa's RestInput).

Same URL as the built-in channel (`/webhooks/rest/webhook`), normal and streamed replies.

The client's `sender` becomes the conversation id `rest:<sender>`. The REST client chooses
its own id, so this namespace keeps it from ever naming a conversation of another channel
(the web widget's ids are issued by the server, bot/channels/socketio.py): knowing a widget
conversation's id must not let anyone read its slots (e.g. a paused preparation note) over REST.

Must not: reimplement Rasa's request handling; it only wraps the `on_new_message` callback.
"""

from __future__ import annotations

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from bot.channels.verification import OnNewMessage, verify_message, wrap_on_new_message
from core.privacy import install_log_filter

REST_SENDER_PREFIX = "rest:"


class VerifiedRestInput(RestInput):
    """Rasa's REST channel, but every message is verified before it reaches the agent."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def verify(self, message: UserMessage) -> UserMessage:
        """Sanitise one incoming message and move its sender id into the REST namespace."""
        verified = verify_message(message, self.name())
        verified.sender_id = f"{REST_SENDER_PREFIX}{message.sender_id}"
        return verified

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        install_log_filter()  # logging is configured by the time Rasa builds blueprints
        return super().blueprint(wrap_on_new_message(on_new_message, self.verify))
