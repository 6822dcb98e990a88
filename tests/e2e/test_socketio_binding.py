"""Binding socket.io conversations to the verified citizen, on a real server: the channel
(bot/rasa_plugins/channels/socketio.py) inside a real Sanic app with a real python-socketio client
(only the agent behind it is a recorder): the browser can never choose or switch the conversation,
and a message from another identity is refused. The session ids alone: tests/unit/.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import socketio

from bot.rasa_plugins.channels.input_check import TOO_LONG_TEXT
from bot.rasa_plugins.channels.socketio import (
    ANONYMOUS,
    VerifiedSocketIOInput,
)
from core.message_metadata import AUTH_TOKEN_KEY, CITIZEN_ID_KEY, IDENTITY_KEY
from tests.support.channel_server import RecordingAgent, running_app
from tests.support.socketio import (
    CREDENTIALS,
    citizen_token,
    socketio_env,  # noqa: F401 (autouse: the channel's test settings)
)

# --- session ids -----------------------------------------------------------------------------


@asynccontextmanager
async def running_channel() -> AsyncIterator[tuple[str, RecordingAgent, VerifiedSocketIOInput]]:
    """The socket.io channel on a real server; every message is answered with text + custom."""
    channel = VerifiedSocketIOInput.from_credentials(CREDENTIALS)
    reply = {"text": "Hej", "custom": {"moedeklar": {"kind": "preparation_note"}}}
    async with running_app(channel, reply) as (base, agent):
        yield base, agent, channel


class Client:
    """A python-socketio client that collects every event it receives."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient()
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        for event in ("session_confirm", "bot_uttered", "session_invalid"):
            self.sio.on(event, self._collector(event))

    def _collector(self, event: str) -> Any:
        async def collect(data: Any) -> None:
            await self.events.put((event, data))

        return collect

    async def next(self, timeout: float = 5) -> tuple[str, Any]:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def session(self, session_id: str | None = None, token: str | None = None) -> str:
        data: dict[str, Any] = {"session_id": session_id}
        if token:
            data["metadata"] = {AUTH_TOKEN_KEY: token}
        await self.sio.emit("session_request", data)
        event, confirmed = await self.next()
        assert event == "session_confirm"
        return confirmed

    async def say(self, text: str, token: str | None = None, session_id: str = "ignored") -> None:
        metadata = {AUTH_TOKEN_KEY: token} if token else {}
        await self.sio.emit("user_uttered", {"message": text, "session_id": session_id, "metadata": metadata})


@asynccontextmanager
async def connected(base: str) -> AsyncIterator[Client]:
    client = Client()
    await client.sio.connect(base, socketio_path="/socket.io", transports=["polling"])
    try:
        yield client
    finally:
        await client.sio.disconnect()


async def test_anonymous_conversation_uses_the_server_issued_id() -> None:
    async with running_channel() as (base, agent, channel), connected(base) as client:
        session_id = await client.session("chosen-by-the-browser")
        assert session_id != "chosen-by-the-browser"
        assert channel.binder is not None and channel.binder.accepts(session_id, ANONYMOUS)
        await client.say("hej", session_id="someone-elses-id")
        assert await client.next() == ("bot_uttered", {"text": "Hej", "lang": "da"})
        assert await client.next() == (
            "bot_uttered",
            {"custom": {"moedeklar": {"kind": "preparation_note"}}, "lang": "da"},
        )
    assert [m.sender_id for m in agent.messages] == [session_id]
    assert agent.messages[0].metadata == {}


async def test_reload_keeps_the_conversation_for_the_same_identity() -> None:
    anna = citizen_token("c-1001")
    async with running_channel() as (base, agent, _):
        async with connected(base) as first:
            session_id = await first.session(token=anna)
        async with connected(base) as again:
            assert await again.session(session_id, token=citizen_token("c-1001")) == session_id
            await again.say("hvornår er mit møde?", token=anna)
            assert (await again.next())[0] == "bot_uttered"
    message = agent.messages[0]
    assert message.sender_id == session_id
    assert message.metadata[IDENTITY_KEY][CITIZEN_ID_KEY] == "c-1001"


@pytest.mark.parametrize("other_token", [None, "not-a-jwt", "c-1002"])
async def test_a_citizens_id_is_not_honoured_for_anyone_else(other_token: str | None) -> None:
    token = citizen_token(other_token) if other_token == "c-1002" else other_token
    async with running_channel() as (base, _, _channel):
        async with connected(base) as anna:
            annas_id = await anna.session(token=citizen_token("c-1001"))
        async with connected(base) as intruder:
            assert await intruder.session(annas_id, token=token) != annas_id


async def test_an_anonymous_id_is_not_honoured_for_a_citizen() -> None:
    async with running_channel() as (base, _, _channel), connected(base) as client:
        anonymous_id = await client.session()
        assert await client.session(anonymous_id) == anonymous_id  # same identity: kept
        citizen_id = await client.session(anonymous_id, token=citizen_token("c-1001"))
        assert citizen_id != anonymous_id  # logging in starts a conversation of its own


async def test_message_from_another_identity_is_refused() -> None:
    async with running_channel() as (base, agent, channel), connected(base) as client:
        await client.session(token=citizen_token("c-1001"))
        await client.say("hej", token=citizen_token("c-1002"))
        assert await client.next() == ("session_invalid", {"reason": "identity_changed"})
        await client.say("hej igen", token=citizen_token("c-1001"))  # the binding is gone until a new request
        assert await client.next() == ("session_invalid", {"reason": "no_session"})
        await client.say("udløbet", token=citizen_token("c-1001", exp_in=-3600))
        assert (await client.next())[0] == "session_invalid"
    assert agent.messages == []
    assert channel.bindings == {}


async def test_message_without_session_or_too_long_is_refused() -> None:
    async with running_channel() as (base, agent, _), connected(base) as client:
        await client.say("hej")
        assert await client.next() == ("session_invalid", {"reason": "no_session"})
        await client.session()
        await client.say("x" * 5000)  # too long: a polite answer, never the NLU
        assert await client.next() == ("bot_uttered", {"text": TOO_LONG_TEXT, "lang": "da"})
    assert agent.messages == []


async def test_start_forfra_moves_the_socket_to_the_new_conversation() -> None:
    async with running_channel() as (base, agent, _), connected(base) as client:
        first = await client.session()
        second = await client.session()  # no id presented: a new conversation
        assert first != second
        await client.say("hej")
        assert await client.next() == ("bot_uttered", {"text": "Hej", "lang": "da"})
        await client.next()
        assert client.events.empty()  # one copy only: the socket left the first room
    assert agent.messages[0].sender_id == second
