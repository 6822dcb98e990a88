"""REST input channel with identity verification, CPR masking and input limits (wraps RestInput).

Same URL as the built-in channel (`/webhooks/rest/webhook`), normal and streamed replies.

The client's `sender` becomes the conversation id `rest:<sender>`. The REST client chooses
its own id, so this namespace keeps it from ever naming a conversation of another channel
(the web widget's ids are issued by the server, bot/rasa_plugins/channels/socketio.py): knowing a widget
conversation's id must not let anyone read its slots (e.g. a paused preparation note) over REST.

Limits (docs/security.md "Input limits and overload"), checked by a request middleware
before Rasa's handler runs: a body over 64 KB is refused by Sanic itself (413, unread; see
bot/rasa_plugins/channels/limits.py); a body that is not a JSON object with a string `sender` and `message`
and small, shallow `metadata` gets 400/413 (channels/input_check.py); over the rate limit, 429 with
Retry-After and a Danish text; a message over 4,000 characters gets the Danish "Din besked er
for lang" at once, without the NLU. When the process is saturated the message is shed: 503 with
Retry-After and "Der er travlt lige nu".

Must not: reimplement Rasa's request handling; it only wraps the `on_new_message` callback and
checks the request before it.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa_plugins.channels.input_check import (
    Refused,
    channel_text,
    check_rest_body,
    is_too_long,
    message_language,
)
from bot.rasa_plugins.channels.limits import (
    check_rate,
    guarded,
    install_server_limits,
    start_request,
    was_shed,
)
from bot.rasa_plugins.channels.verification import OnNewMessage, verify_message
from core.limits import RETRY_AFTER_S
from core.privacy import install_log_filter

REST_SENDER_PREFIX = "rest:"
WEBHOOK_SUFFIX = "/webhook"


def client_address(request: Request) -> str:
    """The client's address: from the trusted proxy header when configured, else the peer."""
    return request.remote_addr or request.ip or "unknown"


def _refused(refused: Refused) -> HTTPResponse:
    return response.json({"error": refused.reason}, status=refused.status)


def _texts(sender: str, text: str) -> list[dict[str, Any]]:
    return [{"recipient_id": sender, "text": text}]


async def check_request(request: Request) -> HTTPResponse | None:
    """The REST webhook's checks (module docstring); a response ends the request early."""
    start_request()
    if request.method != "POST" or not request.path.endswith(WEBHOOK_SUFFIX):
        return None
    try:
        body = request.json
    except InvalidUsage:
        return _refused(Refused(400, "the body is not valid JSON"))
    checked = check_rest_body(body)
    if isinstance(checked, Refused):
        return _refused(checked)
    decision = await check_rate(f"{REST_SENDER_PREFIX}{checked.sender}", client_address(request))
    if not decision.allowed:
        return response.json(
            _texts(
                checked.sender, channel_text("rate_limited", message_language(checked.text, checked.metadata))
            ),
            status=429,
            headers={"Retry-After": str(decision.retry_after_s)},
        )
    if is_too_long(checked.text):
        language = message_language(checked.text, checked.metadata)
        return response.json(_texts(checked.sender, channel_text("too_long", language)))
    return None


async def mark_shed(request: Request, reply: HTTPResponse) -> HTTPResponse | None:
    """503 + Retry-After (body: the Danish "travlt" text) when the message was shed."""
    if was_shed() and reply.status == 200:
        reply.status = 503
        reply.headers["Retry-After"] = str(RETRY_AFTER_S)
    return None


class VerifiedRestInput(RestInput):
    """Rasa's REST channel, but every message is checked and verified before it reaches the agent."""

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
        blueprint = super().blueprint(guarded(on_new_message, self.verify))
        install_server_limits(blueprint)
        blueprint.middleware(check_request, "request")
        blueprint.middleware(mark_shed, "response")
        return blueprint
