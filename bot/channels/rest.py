"""REST input channel with identity verification and CPR masking (wraps Rasa's RestInput).

Same URL as the built-in channel (`/webhooks/rest/webhook`), normal and streamed replies.
Must not: reimplement Rasa's request handling; it only wraps the `on_new_message` callback.
"""

from __future__ import annotations

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from bot.channels.verification import OnNewMessage, verify_message, wrap_on_new_message
from bot.privacy import install_log_filter


class VerifiedRestInput(RestInput):
    """Rasa's REST channel, but every message is verified before it reaches the agent."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def verify(self, message: UserMessage) -> UserMessage:
        """Sanitise one incoming message (extension point for channel-specific checks)."""
        return verify_message(message, self.name())

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        install_log_filter()  # logging is configured by the time Rasa builds blueprints
        return super().blueprint(wrap_on_new_message(on_new_message, self.verify))
