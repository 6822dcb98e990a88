"""The socket.io channel's test settings: a development JWT secret, the channel's credentials,
an environment fixture and citizen tokens (tests/unit and tests/e2e test_socketio_binding)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import jwt
import pytest

from bot.rasa_plugins.channels.socketio import SECRET_ENV
from core.settings import get_settings
from tests.support.channel_server import use_citizen_secret

JWT_SECRET = "dev-only-" + "b" * 40
CREDENTIALS = {
    "user_message_evt": "user_uttered",
    "bot_message_evt": "bot_uttered",
    "session_persistence": True,
    "metadata_key": "metadata",
}


@pytest.fixture(autouse=True)
def socketio_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Sanic in test mode, a known citizen-token secret and conversation secret; settings reread.
    Autouse in every test module that imports it."""
    monkeypatch.setenv(SECRET_ENV, "dev-only-conversation-test-secret")
    use_citizen_secret(monkeypatch, JWT_SECRET)
    yield
    get_settings.cache_clear()


def citizen_token(sub: str, exp_in: int = 600) -> str:
    now = int(time.time())
    return jwt.encode({"sub": sub, "iat": now, "exp": now + exp_in}, JWT_SECRET, algorithm="HS256")
