"""Binding socket.io conversations to the verified citizen (bot/rasa_plugins/channels/socketio.py):
the HMAC session ids alone. The channel on a real server: tests/e2e/test_socketio_binding.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.rasa_plugins.channels.socketio import (
    ANONYMOUS,
    SECRET_ENV,
    ConversationSecretError,
    SessionBinder,
    conversation_secret,
)
from core.settings import get_settings
from tests.support.socketio import (
    socketio_env,  # noqa: F401 (autouse: the channel's test settings)
)

# --- session ids -----------------------------------------------------------------------------


def test_issued_id_is_accepted_only_for_its_subject() -> None:
    binder = SessionBinder(b"k" * 32)
    session_id = binder.issue("c-1001")
    assert binder.accepts(session_id, "c-1001")
    assert not binder.accepts(session_id, "c-1002")
    assert not binder.accepts(session_id, ANONYMOUS)
    assert not SessionBinder(b"other" * 8).accepts(session_id, "c-1001")


def test_ids_are_random_and_anonymous_ids_not_transferable() -> None:
    binder = SessionBinder(b"k" * 32)
    first, second = binder.issue(ANONYMOUS), binder.issue(ANONYMOUS)
    assert first != second
    assert binder.accepts(first, ANONYMOUS)
    assert not binder.accepts(first, "c-1001")


@pytest.mark.parametrize(
    "presented",
    [None, "", "abc", "abc.", ".abc", 42, ["a.b"], "x" * 500, "nonce.0000000000000000"],
)
def test_malformed_or_forged_ids_are_refused(presented: Any) -> None:
    binder = SessionBinder(b"k" * 32)
    assert not binder.accepts(presented, ANONYMOUS)
    binding = binder.bind(presented, ANONYMOUS)
    assert binding.session_id != presented
    assert binder.accepts(binding.session_id, ANONYMOUS)


def test_tampered_nonce_is_refused() -> None:
    binder = SessionBinder(b"k" * 32)
    nonce, mac = binder.issue("c-1001").split(".")
    assert not binder.accepts(f"{nonce}x.{mac}", "c-1001")
    assert binder.bind(f"{nonce}.{mac}", "c-1001").session_id == f"{nonce}.{mac}"


def test_secret_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    assert conversation_secret() == b"dev-only-conversation-test-secret"
    monkeypatch.delenv(SECRET_ENV)
    get_settings.cache_clear()
    assert len(conversation_secret()) == 32  # random per process in development
    monkeypatch.setenv("APP_ENV", "production")
    get_settings.cache_clear()
    with pytest.raises(ConversationSecretError):
        conversation_secret()
    monkeypatch.setenv(SECRET_ENV, "dev-only-nope")
    get_settings.cache_clear()
    with pytest.raises(ConversationSecretError):
        conversation_secret()
    monkeypatch.setenv(SECRET_ENV, "a-real-secret-from-the-vault")
    get_settings.cache_clear()
    assert conversation_secret() == b"a-real-secret-from-the-vault"


# --- the channel over a real socket ----------------------------------------------------------
