"""Fuzzing the REST channel (POST /webhooks/rest/webhook) of the running Rasa server.

Hostile bodies (any JSON, wrong types, missing and extra fields, huge and deeply nested values,
invalid UTF-8, control characters, emoji, very long words, script/SQL injection, `/intent{…}`
with identity-looking entities): never a 5xx, never a hang, a clear 4xx JSON error for machines,
a Danish reply for a citizen's text, never a demo citizen's case data without a login, and the
server healthy afterwards. Prints how many inputs were tried.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any, Dict

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from core.limits import MAX_BODY_BYTES
from tests.support.fuzzing import (
    Tally,
    a_third_of_the_profile,
    assert_no_case_data,
    hostile_text,
    json_values,
)
from tests.support.servers import shared_servers

TIMEOUT_S = 30  # a hang fails the test


@pytest.fixture(scope="session")
def fuzz_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, str]]:
    with shared_servers(tmp_path_factory) as described:
        yield described


def _post(base: str, data: bytes) -> requests.Response:
    return requests.post(
        f"{base}/webhooks/rest/webhook",
        data=data,
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT_S,
    )


def _check(response: requests.Response, text: Any = None) -> None:
    assert response.status_code < 500, response.text[:300]
    body = response.json()  # always JSON, also for errors
    if response.status_code >= 400 and response.status_code != 429:
        assert "error" in body or "message" in body  # ours, or Sanic's own 413 before reading
        return
    assert isinstance(body, list)
    replies = " ".join(str(r.get("text", "")) for r in body)
    assert_no_case_data(replies + json.dumps(body, ensure_ascii=False))
    if isinstance(text, str) and text.strip() and not text.startswith("/") and response.status_code == 200:
        assert replies.strip(), f"no answer to {text[:60]!r}: {json.dumps(body, ensure_ascii=False)[:300]}"


def _healthy(base: str) -> None:
    assert requests.get(f"{base}/", timeout=5).ok
    reply = requests.post(
        f"{base}/webhooks/rest/webhook",
        json={"sender": f"after-{uuid.uuid4().hex}", "message": "hej"},
        timeout=30,
    )
    assert reply.status_code == 200 and reply.json()


BODIES = st.fixed_dictionaries(
    {"sender": st.uuids().map(str) | st.text(max_size=30) | json_values(5)},
    optional={
        "message": hostile_text() | json_values(5),
        "metadata": json_values(30)
        | st.fixed_dictionaries({"auth_token": st.text(max_size=50) | json_values(3)}),
        "input_channel": st.sampled_from(["socketio", "gatewayapi", "rest"]) | json_values(3),
        "extra": json_values(5),
    },
)


def test_rest_structured_bodies(fuzz_servers: Dict[str, str]) -> None:
    tally = Tally("REST structured bodies")
    base = fuzz_servers["rasa"]

    @given(body=BODIES)
    def one(body: dict[str, Any]) -> None:
        response = _post(base, json.dumps(body).encode())
        tally.count(response.status_code)
        _check(response, body.get("message"))

    one()
    tally.report()
    _healthy(base)


def test_rest_citizen_texts(fuzz_servers: Dict[str, str]) -> None:
    tally = Tally("REST citizen texts")
    base = fuzz_servers["rasa"]

    @a_third_of_the_profile()
    @given(text=hostile_text())
    def one(text: str) -> None:
        body = {"sender": f"fuzz-{uuid.uuid4().hex}", "message": text}
        response = _post(base, json.dumps(body).encode("utf-8", "surrogatepass"))
        tally.count(response.status_code)
        _check(response, text)

    one()
    tally.report()
    _healthy(base)


RAW = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda n: b"[" * n, st.integers(1, 60_000)),
    st.builds(lambda n: b'{"a":' * n + b"1" + b"}" * n, st.integers(1, 10_000)),
    st.builds(lambda s: b'{"sender": "x", "message": "' + s + b'"}', st.binary(max_size=100)),
    st.builds(lambda n: b'{"sender": "x", "message": "' + b"a" * n + b'"}', st.integers(60_000, 70_000)),
)


def test_rest_raw_bytes(fuzz_servers: Dict[str, str]) -> None:
    tally = Tally("REST raw bytes")
    base = fuzz_servers["rasa"]

    @given(data=RAW)
    def one(data: bytes) -> None:
        try:
            response = _post(base, data)
        except requests.ConnectionError:
            # Only a body over the limit may be cut off (413, the connection closed while it is
            # still being sent); a smaller one closing the connection is a server failure.
            assert len(data) > MAX_BODY_BYTES, f"connection closed on a {len(data)}-byte body"
            tally.count("closed")
            return
        tally.count(response.status_code)
        _check(response)

    one()
    tally.report()
    _healthy(base)
