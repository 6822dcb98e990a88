"""A real Sanic server with one input channel registered, for the channel tests.

`running_app(channel)` serves `channel` under /webhooks/ on a free port and hands every message
to a `RecordingAgent` instead of Rasa's Agent: it records the messages and answers each with
`reply` (a Rasa response dict, "Hej" by default), so what the channel does with a message and
with an answer can both be checked. `use_citizen_secret` sets up the environment the verifying
channels read (Sanic in test mode, one known citizen-token secret, settings reread).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from rasa.core.channels.channel import InputChannel, UserMessage, register
from sanic import Sanic

from core.settings import get_settings
from tests.support.servers import free_port

CITIZEN_TOKEN_ENV = ("APP_ENV", "CITIZEN_JWT_PUBLIC_KEY_FILE", "CITIZEN_JWT_ISSUER", "CITIZEN_JWT_AUDIENCE")


def use_citizen_secret(monkeypatch: pytest.MonkeyPatch, jwt_secret: str) -> None:
    """Sanic in test mode (Sanic rewrites some methods when an app starts; test mode lets several
    apps start in one process), citizen tokens signed with `jwt_secret` only, settings reread."""
    monkeypatch.setattr(Sanic, "test_mode", True)
    for name in CITIZEN_TOKEN_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CITIZEN_JWT_SECRET", jwt_secret)
    get_settings.cache_clear()


class RecordingAgent:
    """Stands in for rasa's Agent: records what the channel hands over and answers."""

    def __init__(self, reply: dict[str, Any] | None = None) -> None:
        self.messages: list[UserMessage] = []
        self.reply = reply or {"text": "Hej"}

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_response(message.sender_id, dict(self.reply))


@asynccontextmanager
async def running_app(
    channel: InputChannel, reply: dict[str, Any] | None = None, before_start: bool = False
) -> AsyncIterator[tuple[str, RecordingAgent]]:
    """Serve `channel` under /webhooks/ on a free port; yields (base URL, agent).

    `before_start` also runs the `before_server_start` listeners, as `rasa run` does (the
    channels' request-size limits are set there).
    """
    app = Sanic(f"test_{uuid.uuid4().hex}")
    agent = RecordingAgent(reply)
    app.ctx.agent = agent
    register([channel], app, "/webhooks/")
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    if before_start:
        await server.before_start()
    serving = asyncio.ensure_future(server.serve_forever())
    try:
        yield f"http://127.0.0.1:{port}", agent
    finally:
        await server.close()
        serving.cancel()
