"""Socket.io input channel with identity verification and CPR masking (wraps SocketIOInput).

Configured with the same credentials.yml keys as Rasa's `socketio` channel.
Must not: reimplement Rasa's socket handling; it only wraps the `on_new_message` callback.
Binding a conversation (session) id to the verified citizen belongs in `verify` later.
"""

from __future__ import annotations

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot.channels.verification import OnNewMessage, verify_message, wrap_on_new_message
from bot.privacy import install_log_filter


class VerifiedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel, but every message is verified before it reaches the agent."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def verify(self, message: UserMessage) -> UserMessage:
        """Sanitise one incoming message; the place to bind session ids to citizens later."""
        return verify_message(message, self.name())

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        install_log_filter()  # logging is configured by the time Rasa builds blueprints
        return super().blueprint(wrap_on_new_message(on_new_message, self.verify))
