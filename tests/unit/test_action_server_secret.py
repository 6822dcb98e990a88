"""The shared secret between Rasa and the action server: what Rasa sends, what the server accepts.

Rasa reads endpoints.yml with its own loader; the header must come out with the secret expanded
(a quoted YAML value would be sent as the literal text `${ACTION_SERVER_TOKEN}`: found in the
end-to-end test, see endpoints.yml). The guard accepts exactly `Bearer <secret>`, and the start-up
check refuses a missing secret everywhere and a `dev-only-` or short one in production.
"""

from __future__ import annotations

import dataclasses

import pytest

from actions.guard import BadActionCall, authorised, check_action_call, token_problem
from core.settings import Settings
from tests.support.servers import REPO


def test_rasa_sends_the_secret_as_a_bearer_header(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.utils.endpoints import read_endpoint_config

    monkeypatch.setenv("ACTION_SERVER_TOKEN", "s3cret-value")
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")
    endpoint = read_endpoint_config(str(REPO / "endpoints.yml"), "action_endpoint")
    assert endpoint is not None
    assert endpoint.headers == {"Authorization": "Bearer s3cret-value"}
    assert endpoint.token is None  # never in the query string


@pytest.mark.parametrize(
    "header, ok",
    [
        ("Bearer s3cret", True),
        ("Bearer  s3cret ", True),
        ("Bearer s3cre", False),
        ("Bearer s3cret2", False),
        ("bearer s3cret", False),
        ("s3cret", False),
        ("Bearer ø\udc80", False),
        ("", False),
        (None, False),
    ],
)
def test_only_the_exact_secret_is_accepted(header: str | None, ok: bool) -> None:
    assert authorised(header, "s3cret") is ok


@pytest.mark.parametrize(
    "app_env, token, problem",
    [
        ("development", None, "skal være sat"),
        ("development", "dev-only-local", None),
        ("production", "dev-only-" + "x" * 40, "afvises i produktion"),
        ("production", "short", "mindst 32 tegn"),
        ("production", "x" * 64, None),
    ],
)
def test_the_start_up_check(app_env: str, token: str | None, problem: str | None) -> None:
    settings = dataclasses.replace(Settings(), app_env=app_env, action_server_token=token)
    found = token_problem(settings)
    assert (found is None) if problem is None else (problem in (found or ""))


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[]",
        b'{"next_action": 1, "tracker": {"sender_id": "a"}}',
        b'{"next_action": "a", "tracker": {}}',
        b'{"next_action": "a", "tracker": {"sender_id": "a", "slots": null}}',
        b'{"next_action": "a", "tracker": {"sender_id": "a", "events": [1]}}',
        b"[" * 100_000,
    ],
)
def test_malformed_action_calls_are_refused(body: bytes) -> None:
    with pytest.raises(BadActionCall):
        check_action_call(body, deflated=False)


def test_a_well_formed_call_passes() -> None:
    check_action_call(b'{"next_action": "a", "tracker": {"sender_id": "a", "events": []}}', deflated=False)
