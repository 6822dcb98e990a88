"""Fuzzing the SMS webhooks of the running Rasa server (/webhooks/gatewayapi/webhook and /status).

Signed documents (HS256 with the webhook secret, as GatewayAPI signs them) with hostile fields
and types, unsigned and wrongly signed ones, and raw bytes: never a 5xx, never a hang, always a
JSON answer (200 for a stored message or report, a clear 4xx otherwise), and the server healthy
afterwards. The gateway simulator runs so that accepted messages are answered as in production.
Prints how many inputs were tried.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Dict

import jwt
import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from tests.support.fuzzing import Tally, a_third_of_the_profile, hostile_text, json_values
from tests.support.servers import shared_servers
from tests.support.sms import RunningSimulator, running_simulator

PATHS = ["/webhooks/gatewayapi/webhook", "/webhooks/gatewayapi/status"]
UNKNOWN_NUMBERS = st.integers(4540110000, 4540119999)  # never a demo citizen's number


@pytest.fixture(scope="session")
def fuzz_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, str]]:
    with shared_servers(tmp_path_factory) as described:
        yield described


@pytest.fixture(scope="module")
def sim(fuzz_servers: Dict[str, str]) -> Iterator[RunningSimulator]:
    with running_simulator(
        int(fuzz_servers["sms_sim_port"]),
        fuzz_servers["sms_token"],
        fuzz_servers["sms_webhook_secret"],
        fuzz_servers["rasa"],
    ) as simulator:
        yield simulator


def _mostly(valid: st.SearchStrategy, invalid: st.SearchStrategy) -> st.SearchStrategy:
    """Three in four draws valid, so that many documents get past the type checks."""
    return st.one_of(valid, valid, valid, invalid)


DOCUMENTS = st.fixed_dictionaries(
    {
        "id": _mostly(st.integers(1, 2**62), st.integers(-5, 0) | json_values(3)),
        "msisdn": _mostly(UNKNOWN_NUMBERS, json_values(3)),
        "message": _mostly(hostile_text(), json_values(5)),
    },
    optional={
        "receiver": st.integers(0, 2**40) | json_values(3),
        "senttime": st.integers(-(2**40), 2**40) | json_values(3),
        "status": st.sampled_from(["DELIVERED", "UNDELIVERABLE", "EXPIRED"]) | st.text(max_size=30),
        "userref": st.text(max_size=20) | json_values(3),
        "error": st.text(max_size=300),
        "extra": json_values(10),
    },
)


def _check(response: requests.Response) -> None:
    assert response.status_code < 500, response.text[:300]
    if response.status_code in (413, 431) and "json" not in response.headers.get("Content-Type", ""):
        return  # Sanic's own answer to a header or body over its limit, before any handler
    body = response.json()
    if response.status_code >= 400:
        assert "error" in body
    else:
        assert body.get("status") in {"received", "duplicate", "stored", "unknown"}


def test_signed_documents(fuzz_servers: Dict[str, str], sim: RunningSimulator) -> None:
    tally = Tally("SMS webhooks, signed documents")
    base, secret = fuzz_servers["rasa"], fuzz_servers["sms_webhook_secret"]

    @a_third_of_the_profile()
    @given(
        path=st.sampled_from(PATHS),
        document=DOCUMENTS,
        sign=st.sampled_from(["right", "right", "wrong", "none"]),
    )
    def one(path: str, document: dict[str, Any], sign: str) -> None:
        headers = {"Content-Type": "application/json"}
        if sign != "none":
            key = secret if sign == "right" else "dev-only-not-the-secret"
            headers["X-Gwapi-Signature"] = jwt.encode(document, key, algorithm="HS256")
        response = requests.post(f"{base}{path}", data=json.dumps(document), headers=headers, timeout=30)
        tally.count(response.status_code)
        _check(response)
        if sign != "right":
            assert response.status_code in (400, 401, 413, 422)

    one()
    tally.report()
    assert requests.get(f"{base}/webhooks/gatewayapi/", timeout=5).ok


def test_raw_bytes(fuzz_servers: Dict[str, str], sim: RunningSimulator) -> None:
    tally = Tally("SMS webhooks, raw bytes")
    base = fuzz_servers["rasa"]
    raw = st.binary(max_size=300) | st.builds(lambda n: b"[" * n, st.integers(1, 60_000))

    @given(path=st.sampled_from(PATHS), data=raw, signature=st.text(max_size=200))
    def one(path: str, data: bytes, signature: str) -> None:
        headers = {"X-Gwapi-Signature": signature.encode("utf-8", "ignore").decode("latin-1")}
        try:
            response = requests.post(f"{base}{path}", data=data, headers=headers, timeout=30)
        except requests.exceptions.InvalidHeader:
            tally.count("invalid header (client side)")
            return
        tally.count(response.status_code)
        _check(response)

    one()
    tally.report()
    assert requests.get(f"{base}/webhooks/gatewayapi/", timeout=5).ok
