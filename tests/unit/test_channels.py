"""Verified REST and socket.io channels: what reaches Rasa after a message enters the server.

The channels run inside a real Sanic app registered the way `rasa run` does it
(`rasa.core.channels.channel.register`); only the agent behind it is a recorder.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import jwt
import pytest
import socketio
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.rasa_plugins.channels.rest import VerifiedRestInput
from bot.rasa_plugins.channels.socketio import Binding, VerifiedSocketIOInput
from bot.rasa_plugins.channels.verification import wrap_on_new_message
from core.message_metadata import (
    AUTH_TOKEN_KEY,
    CITIZEN_ID_KEY,
    CPR_REMOVED_KEY,
    IDENTITY_KEY,
    PROBLEM_KEY,
    VIA_KEY,
    sanitise_incoming,
)
from core.privacy import CPR_PLACEHOLDER, CprMaskingFilter
from core.settings import get_settings
from tests.support.channel_server import RecordingAgent, running_app, use_citizen_secret

SECRET = "dev-only-" + "c" * 40
OTHER_SECRET = "dev-only-" + "x" * 40
VERIFIED = {IDENTITY_KEY: {CITIZEN_ID_KEY: "borger-42", VIA_KEY: "mitid"}}
SPOOFED_KEYS = {
    "identity": {"citizen_id": "someone-else", "via": "mitid"},
    "citizen_id": "someone-else",
    "sub": "someone-else",
    "verified_citizen_id": "someone-else",
    "cpr_removed": False,
    "cpr": "010190-1234",
}


@pytest.fixture(autouse=True)
def channel_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_citizen_secret(monkeypatch, SECRET)
    yield
    get_settings.cache_clear()
    for handler in [*logging.getLogger().handlers, logging.lastResort]:
        for log_filter in list(getattr(handler, "filters", [])):
            if isinstance(log_filter, CprMaskingFilter):
                handler.removeFilter(log_filter)


def _token(secret: str = SECRET, exp_in: int = 600, sub: str = "borger-42") -> str:
    now = int(time.time())
    return jwt.encode({"sub": sub, "iat": now, "exp": now + exp_in}, secret, algorithm="HS256")


async def _post_rest(body: dict[str, Any], stream: bool = False) -> tuple[Any, RecordingAgent]:
    async with running_app(VerifiedRestInput.from_credentials(None)) as (base, agent):
        url = f"{base}/webhooks/rest/webhook" + ("?stream=true" if stream else "")
        async with aiohttp.ClientSession() as client:
            async with client.post(url, json=body) as response:
                assert response.status == 200
                reply = await response.text()
    return reply, agent


def _only_message(agent: RecordingAgent) -> UserMessage:
    assert len(agent.messages) == 1
    return agent.messages[0]


# --- REST ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_rest_valid_token_passes_only_the_verified_citizen_id() -> None:
    token = _token()
    reply, agent = await _post_rest(
        {"sender": "s1", "message": "Hvornår er mit møde?", "metadata": {AUTH_TOKEN_KEY: token}}
    )
    message = _only_message(agent)
    assert message.metadata == VERIFIED
    assert token not in repr(message.metadata)
    assert message.text == "Hvornår er mit møde?"
    assert message.input_channel == "rest"
    assert '"Hej"' in reply


@pytest.mark.asyncio
async def test_rest_client_identity_keys_are_dropped_without_token() -> None:
    _, agent = await _post_rest({"sender": "s1", "message": "hej", "metadata": SPOOFED_KEYS})
    assert _only_message(agent).metadata == {}


@pytest.mark.asyncio
async def test_rest_client_identity_keys_are_dropped_with_valid_token() -> None:
    metadata = {**SPOOFED_KEYS, AUTH_TOKEN_KEY: _token()}
    _, agent = await _post_rest({"sender": "s1", "message": "hej", "metadata": metadata})
    assert _only_message(agent).metadata == VERIFIED


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("token", "reason"),
    [(_token(exp_in=-3600), "expired"), (_token(OTHER_SECRET), "invalid"), ("garbage", "invalid")],
    ids=["expired", "forged", "malformed"],
)
async def test_rest_bad_token_gives_a_problem_and_no_citizen(token: str, reason: str) -> None:
    metadata = {AUTH_TOKEN_KEY: token, "citizen_id": "someone-else"}
    _, agent = await _post_rest({"sender": "s1", "message": "hej", "metadata": metadata})
    assert _only_message(agent).metadata == {IDENTITY_KEY: {PROBLEM_KEY: reason}}


@pytest.mark.asyncio
async def test_rest_token_without_configured_secret_is_not_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = _token()
    monkeypatch.delenv("CITIZEN_JWT_SECRET")
    get_settings.cache_clear()
    _, agent = await _post_rest({"sender": "s1", "message": "hej", "metadata": {"auth_token": token}})
    assert _only_message(agent).metadata == {IDENTITY_KEY: {PROBLEM_KEY: "not_configured"}}


@pytest.mark.asyncio
async def test_rest_cpr_is_masked_before_it_reaches_rasa() -> None:
    body = {"sender": "s1", "message": "Mit cpr er 010190-1234", "metadata": {}}
    _, agent = await _post_rest(body)
    message = _only_message(agent)
    assert message.text == f"Mit cpr er {CPR_PLACEHOLDER}"
    assert message.metadata == {CPR_REMOVED_KEY: True}


@pytest.mark.asyncio
async def test_rest_stream_path_is_verified_too() -> None:
    body = {
        "sender": "s1",
        "message": "cpr 0101901234",
        "metadata": {**SPOOFED_KEYS, AUTH_TOKEN_KEY: _token()},
    }
    reply, agent = await _post_rest(body, stream=True)
    message = _only_message(agent)
    assert message.text == f"cpr {CPR_PLACEHOLDER}"
    assert message.metadata == {**VERIFIED, CPR_REMOVED_KEY: True}
    assert '"Hej"' in reply


@pytest.mark.asyncio
async def test_rest_client_cannot_choose_the_input_channel() -> None:
    body = {"sender": "s1", "message": "hej", "input_channel": "sms"}
    _, agent = await _post_rest(body)
    assert _only_message(agent).input_channel == "rest"


@pytest.mark.asyncio
async def test_rest_conversations_live_in_their_own_namespace() -> None:
    # A widget conversation id (issued by the socket.io channel) sent as a REST sender must not
    # reach that conversation: REST ids are always prefixed.
    _, agent = await _post_rest({"sender": "abc.def", "message": "hej"})
    assert _only_message(agent).sender_id == "rest:abc.def"


@pytest.mark.asyncio
async def test_rest_keeps_rasas_url_and_health_route() -> None:
    async with running_app(VerifiedRestInput()) as (base, _):
        async with aiohttp.ClientSession() as client:
            async with client.get(f"{base}/webhooks/rest/") as response:
                assert response.status == 200
                assert await response.json() == {"status": "ok"}


# --- socket.io -------------------------------------------------------------------------

SOCKETIO_CREDENTIALS = {
    "user_message_evt": "user_uttered",
    "bot_message_evt": "bot_uttered",
    "session_persistence": True,
    "metadata_key": "customData",
}


def test_socketio_from_credentials_keeps_rasas_options() -> None:
    channel = VerifiedSocketIOInput.from_credentials(SOCKETIO_CREDENTIALS)
    assert isinstance(channel, VerifiedSocketIOInput)
    assert channel.name() == "socketio"
    assert channel.session_persistence is True
    assert channel.metadata_key == "customData"
    assert channel.user_message_evt == "user_uttered"


@pytest.mark.asyncio
async def test_socketio_user_uttered_handler_hands_over_a_verified_message() -> None:
    """Rasa's own `user_uttered` handler, called directly, goes through the wrapper."""
    agent = RecordingAgent()
    channel = VerifiedSocketIOInput.from_credentials(SOCKETIO_CREDENTIALS)
    channel.blueprint(agent.handle_message)
    assert channel.sio is not None
    # The socket's conversation is bound on the server (see test_socketio_binding.py).
    channel.bindings["sid-1"] = Binding("sess-1", "borger-42")
    handle_message = channel.sio.handlers["/"]["user_uttered"]
    await handle_message(
        "sid-1",
        {
            "session_id": "sess-1",
            "message": "cpr 010190 1234",
            "customData": {**SPOOFED_KEYS, AUTH_TOKEN_KEY: _token()},
        },
    )
    message = _only_message(agent)
    assert message.sender_id == "sess-1"
    assert message.input_channel == "socketio"
    assert message.text == f"cpr {CPR_PLACEHOLDER}"
    assert message.metadata == {**VERIFIED, CPR_REMOVED_KEY: True}


@pytest.mark.asyncio
async def test_socketio_end_to_end_over_a_real_socket() -> None:
    channel = VerifiedSocketIOInput.from_credentials(SOCKETIO_CREDENTIALS)
    async with running_app(channel) as (base, agent):
        client = socketio.AsyncClient()
        replies: asyncio.Queue[Any] = asyncio.Queue()
        client.on("session_confirm", replies.put_nowait)
        client.on("bot_uttered", replies.put_nowait)
        await client.connect(base, socketio_path="/socket.io", transports=["polling"])
        try:
            await client.emit("session_request", {"session_id": "sess-2"})
            session_id = await asyncio.wait_for(replies.get(), 5)
            assert session_id != "sess-2"  # the server issues the id (test_socketio_binding.py)
            await client.emit(
                "user_uttered",
                {
                    "session_id": session_id,
                    "message": "hej",
                    "customData": {AUTH_TOKEN_KEY: _token(OTHER_SECRET), "citizen_id": "x"},
                },
            )
            # every bot message says which language it is in (the widget sets its lang attribute)
            assert await asyncio.wait_for(replies.get(), 5) == {"text": "Hej", "lang": "da"}
        finally:
            await client.disconnect()
    message = _only_message(agent)
    assert message.metadata == {IDENTITY_KEY: {PROBLEM_KEY: "invalid"}}


# --- sanitise_incoming and the wrapper -------------------------------------------------


@pytest.mark.parametrize("metadata", [None, "not a dict", ["auth_token"], 42, {}])
def test_sanitise_incoming_tolerates_any_metadata(metadata: Any) -> None:
    assert sanitise_incoming("hej", metadata) == ("hej", {})


@pytest.mark.parametrize("token", ["", "   "])
def test_empty_token_counts_as_no_token(token: str) -> None:
    assert sanitise_incoming("hej", {AUTH_TOKEN_KEY: token}) == ("hej", {})


@pytest.mark.parametrize("token", [123, {"sub": "borger-42"}, ["x"]])
def test_non_string_token_is_invalid(token: Any) -> None:
    assert sanitise_incoming("hej", {AUTH_TOKEN_KEY: token}) == (
        "hej",
        {IDENTITY_KEY: {PROBLEM_KEY: "invalid"}},
    )


def test_sanitise_incoming_handles_no_text() -> None:
    assert sanitise_incoming(None, None) == (None, {})


def test_sanitise_incoming_returns_a_new_dict() -> None:
    client_metadata = {AUTH_TOKEN_KEY: _token()}
    _, metadata = sanitise_incoming("hej", client_metadata)
    assert metadata is not client_metadata
    assert client_metadata == {AUTH_TOKEN_KEY: client_metadata[AUTH_TOKEN_KEY]}


@pytest.mark.asyncio
async def test_wrapper_keeps_message_id_and_output_channel_and_namespaces_the_sender() -> None:
    received: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> str:
        received.append(message)
        return "done"

    channel = VerifiedRestInput()
    output = CollectingOutputChannel()
    original = UserMessage("hej", output, "s9", input_channel="sms", message_id="m1", metadata={"sub": "x"})
    wrapped = wrap_on_new_message(on_new_message, channel.verify)
    assert await wrapped(original) == "done"
    (message,) = received
    assert (message.sender_id, message.message_id, message.output_channel) == ("rest:s9", "m1", output)
    assert message.input_channel == "rest"
    assert message.metadata == {}
