"""Input limits and overload control shared by the Rasa server's chat channels.

- `install_server_limits(blueprint)`: a `before_server_start` listener that sets Sanic's
  REQUEST_MAX_SIZE (core.limits.MAX_BODY_BYTES: a larger body gets 413 before it is read, on
  every route of the Rasa server, `rasa run` included) and WEBSOCKET_MAX_SIZE, and how many
  proxies in front may name the client's address (RASA_TRUSTED_PROXIES).
  It also installs `bot.rasa_plugins.heap` (the loaded model frozen for the garbage collector).
- `guarded(on_new_message, verify)`: the `on_new_message` a verified channel hands to Rasa. A
  message longer than MAX_INCOMING_CHARS gets TOO_LONG_TEXT and an empty one EMPTY_TEXT, and
  neither reaches the NLU; every other
  message has lone surrogates and control characters replaced (`input_check.clean_text`) and
  a payload a client may not send read as text (`defuse_payload`), is
  verified and then runs under the process's admission control
  (bot/rasa_plugins/channels/admission.py); a shed message gets BUSY_TEXT (or WAIT_FOR_ANSWER_TEXT) and
  `was_shed()` is True for the rest of the request, so the REST channel can answer 503. A message
  that could not be handled because a part is down (the conversation store, Redis's locks) or
  failed on the way gets UNAVAILABLE_TEXT, also with `was_shed()` (fail closed: never an answer
  without the conversation's context, never silence), unless it had already been answered (then
  only what came after failed, e.g. releasing the lock) — but a turn the conversation store could
  not save is never answered: its REST replies are withdrawn. A message that was handled but got no
  reply at all (a custom action failed: the action server is down) gets NO_REPLY_TEXT.
- `client_key(...)` / `check_rate(...)`: the rate-limit keys of a message (conversation, client)
  and the check against the shared counters (core.rate_limit).

Must not: parse bodies itself (Sanic does, within the size limit) or log message texts.
"""

from __future__ import annotations

import contextvars
import logging
import time
from typing import Any

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint

from bot.rasa_plugins import heap, metrics
from bot.rasa_plugins.channels.admission import CONVERSATION, Shed, admission
from bot.rasa_plugins.channels.input_check import (
    channel_text,
    clean_text,
    defuse_payload,
    is_too_long,
    message_language,
)
from bot.rasa_plugins.channels.verification import MessageVerifier, OnNewMessage
from bot.rasa_plugins.tracker_store import ConversationStoreUnavailable
from core import limits
from core.rate_limit import CLIENT, Decision, rate_limiter
from core.rate_limit import CONVERSATION as CONVERSATION_LIMIT
from core.settings import get_settings

logger = logging.getLogger(__name__)

_shed: contextvars.ContextVar[bool] = contextvars.ContextVar("moedeklar_shed", default=False)


def apply_server_limits(app: Any) -> None:
    """Sanic's own limits for every connection accepted from now on (see the module docstring)."""
    app.config.REQUEST_MAX_SIZE = limits.MAX_BODY_BYTES
    app.config.WEBSOCKET_MAX_SIZE = limits.MAX_SOCKET_PACKET_BYTES
    # GatewayAPI signs the whole SMS into a header (X-Gwapi-Signature); a long SMS with emoji
    # needs more than Sanic's default 8 KB of headers. 16 KB is Sanic's ceiling.
    app.config.REQUEST_MAX_HEADER_SIZE = limits.MAX_HEADER_BYTES
    proxies = get_settings().rasa_trusted_proxies
    if proxies:
        app.config.PROXIES_COUNT = proxies


def install_server_limits(blueprint: Blueprint) -> None:
    heap.install(blueprint)  # no full garbage collections over the loaded model (bot/rasa_plugins/heap.py)

    @blueprint.listener("before_server_start")
    async def _limits(app: Any, _loop: Any) -> None:
        apply_server_limits(app)
        logger.info("Request bodies limited to %d bytes.", limits.MAX_BODY_BYTES)


def start_request() -> None:
    """A new request: nothing shed yet (the flag would otherwise outlive a keep-alive request)."""
    _shed.set(False)


def was_shed() -> bool:
    """True when a message of the current request was shed by the admission control."""
    return _shed.get()


async def _answer(message: UserMessage, text: str) -> None:
    if message.output_channel is not None:
        await message.output_channel.send_text_message(message.sender_id, text)


def _text(key: str, message: UserMessage) -> str:
    """The channel's text `key` in the language of `message` (see input_check.message_language)."""
    return channel_text(key, message_language(message.text, message.metadata))


def guarded(on_new_message: OnNewMessage, verify: MessageVerifier) -> OnNewMessage:
    """`on_new_message` with the length limit, verification and admission control."""

    async def wrapped(message: UserMessage) -> Any:
        # Sanic handles the requests of one keep-alive connection in one task, so a flag set by
        # an earlier request on it would still be set: every message starts unshed. (Found by
        # `make chaos`: behind HAProxy, which reuses connections, answered messages got 503.)
        start_request()
        arrived = time.monotonic()
        metrics.count_message(message.input_channel)
        try:
            return await _checked(message)
        finally:
            metrics.observe_reply(message.input_channel, time.monotonic() - arrived)

    async def _checked(message: UserMessage) -> Any:
        if is_too_long(message.text):
            await _answer(message, _text("too_long", message))
            return None
        cleaned = defuse_payload(clean_text(message.text))
        if not isinstance(cleaned, str) or not cleaned.strip():
            # Found by fuzzing: an empty message got no answer at all (socket.io, REST). And one
            # of control characters only is empty once cleaned: it reached Rasa as "", which
            # answered ten times without listening and left the conversation silent afterwards.
            await _answer(message, _text("empty", message))
            return None
        message.text = cleaned
        verified = verify(message)
        before = replies_sent(verified.output_channel)
        try:
            async with admission().enter(verified.sender_id):
                handled = await on_new_message(verified)
        except Shed as shed:
            _shed.set(True)
            metrics.count_busy(shed.reason)
            logger.warning("Message shed (%s).", shed.reason)
            await _answer(
                verified, _text("wait_for_answer" if shed.reason == CONVERSATION else "busy", verified)
            )
            return None
        except ConversationStoreUnavailable as outage:
            # Even when an answer went out, the turn was not stored: it must not count as answered.
            return await _unavailable(verified, f"conversation store ({outage})", retract=True)
        except Exception as error:  # noqa: BLE001 (e.g. Redis, the conversation locks, is down)
            if _answered_since(verified, before):
                # The turn was handled and answered; only what came after it failed (e.g. Redis
                # went away before the conversation lock was released): nothing to tell the citizen.
                logger.warning("Message answered, then %s.", type(error).__name__)
                return None
            return await _unavailable(verified, type(error).__name__)
        if before is not None and not _answered_since(verified, before):
            # Handled but silent: a custom action failed (the action server is down) and Rasa
            # carried on without its messages. The citizen is never left without an answer.
            metrics.count_busy("no_reply")
            logger.warning("Message handled without a reply; the citizen is told so.")
            await _answer(verified, _text("no_reply", verified))
        return handled

    return wrapped


def replies_sent(channel: Any) -> int | None:
    """How many bot messages `channel` has sent so far; None when it cannot tell.

    Rasa's REST collector keeps them in `messages`; the socket.io output counts them (`sent_count`).
    """
    messages = getattr(channel, "messages", None)
    if isinstance(messages, list):
        return len(messages)
    count = getattr(channel, "sent_count", None)
    return count if isinstance(count, int) else None


def _answered_since(message: UserMessage, before: int | None) -> bool:
    after = replies_sent(message.output_channel)
    return before is not None and after is not None and after > before


async def _unavailable(message: UserMessage, reason: str, retract: bool = False) -> None:
    """Fail closed: the message was not handled; the citizen is told so politely (REST: 503).

    `retract`: replies collected for this request are withdrawn (REST; what socket.io already
    sent stays, followed by the notice).
    """
    collected = getattr(message.output_channel, "messages", None)
    if retract and isinstance(collected, list):
        collected.clear()
    _shed.set(True)
    metrics.count_busy("unavailable")
    logger.warning("Message not handled: %s.", reason)  # the reason only, never the message
    await _answer(message, _text("unavailable", message))


async def check_rate(conversation_id: str, client: str) -> Decision:
    """One hit for the conversation and for the client; refused when either is over its limit."""
    decision = await rate_limiter().check({CONVERSATION_LIMIT: conversation_id, CLIENT: client})
    if not decision.allowed:
        metrics.RATE_LIMITED.inc()
    return decision
