"""The Rasa server's chat entry points under hostile input: sizes, shapes, rates, overload.

The verified REST channel runs in a real Sanic app registered as `rasa run` does it, with its
`before_server_start` listeners (tests/support/channel_server.py); the rate limits count in a
real, migrated SQLite database. Only the agent behind the channel is a recorder.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from sanic import Sanic

from bot.rasa_plugins.channels import admission as admission_module
from bot.rasa_plugins.channels.admission import Admission
from bot.rasa_plugins.channels.input_check import (
    BUSY_TEXT,
    NO_REPLY_TEXT,
    RATE_LIMITED_TEXT,
    TOO_LONG_TEXT,
    UNAVAILABLE_TEXT,
)
from bot.rasa_plugins.channels.rest import VerifiedRestInput
from bot.rasa_plugins.tracker_store import ConversationStoreUnavailable
from core.limits import MAX_BODY_BYTES, MAX_INCOMING_CHARS, MAX_METADATA_DEPTH
from core.rate_limit import CLIENT, CONVERSATION, Limit, RateLimiter, set_rate_limiter
from core.settings import get_settings
from core.store.rate_limits import SqlCounterStore
from tests.support.channel_server import RecordingAgent, running_app

TWO_MB = 2 * 1024 * 1024


def _fixed_clock() -> float:
    return 1_000_010.0  # inside one window: a test never straddles a window's end


@pytest.fixture(autouse=True)
def limits_env(monkeypatch: pytest.MonkeyPatch, cases_db_url: str) -> Iterator[SqlCounterStore]:
    monkeypatch.setattr(Sanic, "test_mode", True)
    monkeypatch.setenv("CITIZEN_JWT_SECRET", "dev-only-" + "c" * 40)
    get_settings.cache_clear()
    store = SqlCounterStore(cases_db_url)
    set_rate_limiter(RateLimiter(store, [Limit(CONVERSATION, 5, 60), Limit(CLIENT, 50, 60)], _fixed_clock))
    admission_module._admission.clear()
    yield store
    set_rate_limiter(None)
    admission_module._admission.clear()
    store.close()
    get_settings.cache_clear()


def rest_app(**kwargs: Any):
    return running_app(VerifiedRestInput.from_credentials(None), before_start=True, **kwargs)


async def _raw_request(base: str, head: str, body_part: bytes) -> tuple[bytes, float]:
    """Send the request head and only the start of the body; the answer and how long it took."""
    host, port = base.removeprefix("http://").split(":")
    started = time.monotonic()
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(head.encode() + body_part)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(4096), timeout=5)
    writer.close()
    return answer, time.monotonic() - started


async def test_a_2_mb_body_gets_413_before_it_is_sent() -> None:
    async with rest_app() as (base, agent):
        head = (
            "POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {TWO_MB}\r\n\r\n"
        )
        answer, took = await _raw_request(base, head, b'{"sender": "x", "message": "aaaa')
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert took < 1.0  # the server did not wait for the 2 MB that were never sent
    assert agent.messages == []


async def test_a_chunked_body_is_cut_off_at_the_limit() -> None:
    chunk = b"a" * 32 * 1024
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(4))
    async with rest_app() as (base, agent):
        head = (
            "POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        )
        answer, _ = await _raw_request(base, head, body)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert agent.messages == []


async def _post(base: str, body: Any, raw: bytes | None = None) -> tuple[int, Any, Any]:
    async with aiohttp.ClientSession() as client:
        data = raw if raw is not None else json.dumps(body).encode()
        async with client.post(
            f"{base}/webhooks/rest/webhook", data=data, headers={"Content-Type": "application/json"}
        ) as response:
            text = await response.text()
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = text
            return response.status, parsed, response.headers


async def test_a_body_just_under_the_limit_is_read() -> None:
    padding = "x" * (MAX_BODY_BYTES - 200)
    async with rest_app() as (base, agent):
        status, reply, _ = await _post(base, {"sender": "a", "message": "hej", "pad": padding})
    assert status == 200 and reply[0]["text"] == "Hej"
    assert len(agent.messages) == 1


async def test_4001_characters_get_the_polite_answer_without_the_nlu() -> None:
    async with rest_app() as (base, agent):
        started = time.monotonic()
        status, reply, _ = await _post(base, {"sender": "a", "message": "ø" * (MAX_INCOMING_CHARS + 1)})
        took = time.monotonic() - started
        assert (status, reply) == (200, [{"recipient_id": "a", "text": TOO_LONG_TEXT}])
        assert took < 1.0
        assert agent.messages == []
        status, reply, _ = await _post(base, {"sender": "a", "message": "ø" * MAX_INCOMING_CHARS})
    assert status == 200 and reply[0]["text"] == "Hej"
    assert len(agent.messages[0].text) == MAX_INCOMING_CHARS
    assert TOO_LONG_TEXT.startswith("Din besked er for lang")


def _deep(levels: int) -> dict[str, Any]:
    """A JSON object nested `levels` objects deep."""
    value: Any = "x"
    for _ in range(levels):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ([1, 2], 400),
        ("hej", 400),
        ({"message": "hej"}, 400),
        ({"sender": None, "message": "hej"}, 400),
        ({"sender": "", "message": "hej"}, 400),
        ({"sender": "x" * 201, "message": "hej"}, 400),
        ({"sender": "a\x00b", "message": "hej"}, 400),
        ({"sender": "a", "message": 42}, 400),
        ({"sender": "a", "message": ["hej"]}, 400),
        ({"sender": "a", "message": "hej", "metadata": "x"}, 400),
        ({"sender": "a", "message": "hej", "metadata": _deep(MAX_METADATA_DEPTH + 1)}, 400),
        ({"sender": "a", "message": "hej", "metadata": {"k": "v" * 9000}}, 413),
        ({"sender": "a", "message": "hej", "input_channel": {"x": 1}}, 400),
    ],
)
async def test_malformed_bodies_get_a_clear_4xx(body: Any, status: int) -> None:
    async with rest_app() as (base, agent):
        got, reply, _ = await _post(base, body)
    assert got == status, reply
    assert "error" in reply
    assert agent.messages == []


@pytest.mark.parametrize(
    "raw", [b"{", b"\xff\xfe\x00", b'{"sender": "a", "message": "\xc3("}', b"[" * 50_000]
)
async def test_bytes_that_are_not_json_get_400(raw: bytes) -> None:
    async with rest_app() as (base, agent):
        status, reply, _ = await _post(base, None, raw=raw)
    assert status == 400, reply
    assert agent.messages == []


async def test_metadata_at_the_depth_limit_is_accepted() -> None:
    async with rest_app() as (base, agent):
        status, _, _ = await _post(
            base, {"sender": "a", "message": "hej", "metadata": _deep(MAX_METADATA_DEPTH)}
        )
    assert status == 200 and len(agent.messages) == 1


async def test_over_the_conversation_limit_429_with_retry_after_and_danish() -> None:
    async with rest_app() as (base, agent):
        answers = [await _post(base, {"sender": "flood", "message": "hej"}) for _ in range(7)]
        other = await _post(base, {"sender": "someone-else", "message": "hej"})
    assert [status for status, _, _ in answers] == [200] * 5 + [429] * 2
    _, reply, headers = answers[-1]
    assert reply == [{"recipient_id": "flood", "text": RATE_LIMITED_TEXT}]
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert len(agent.messages) == 6  # five from "flood", one from someone else
    assert other[0] == 200


async def test_over_the_client_limit_every_conversation_of_that_client_gets_429(
    limits_env: SqlCounterStore,
) -> None:
    limits = [Limit(CONVERSATION, 100, 60), Limit(CLIENT, 4, 60)]
    set_rate_limiter(RateLimiter(limits_env, limits, _fixed_clock))
    async with rest_app() as (base, _):
        statuses = [(await _post(base, {"sender": f"s{i}", "message": "hej"}))[0] for i in range(6)]
    assert statuses == [200] * 4 + [429] * 2


class SlowAgent(RecordingAgent):
    async def handle_message(self, message: Any) -> None:
        await asyncio.sleep(0.5)
        await super().handle_message(message)


async def test_when_saturated_a_message_is_shed_with_503_and_danish() -> None:
    admission_module._admission["admission"] = Admission(max_in_flight=1, max_waiting=1, wait_s=5)
    async with rest_app() as (base, agent):
        # the recorder answers at once; slowed down, two messages saturate the process
        agent.handle_message = SlowAgent().handle_message  # type: ignore[method-assign]
        results = await asyncio.gather(
            *(_post(base, {"sender": f"s{i}", "message": "hej"}) for i in range(4))
        )
    statuses = sorted(status for status, _, _ in results)
    assert statuses == [200, 200, 503, 503]
    shed = [(reply, headers) for status, reply, headers in results if status == 503]
    assert all(reply[0]["text"] == BUSY_TEXT for reply, _ in shed)
    assert all(headers["Retry-After"] for _, headers in shed)


@pytest.mark.parametrize(
    "outage",
    [ConversationStoreUnavailable("OperationalError"), RuntimeError("LockError: Redis is down")],
    ids=["conversation store down", "conversation locks down"],
)
async def test_a_message_that_cannot_be_handled_gets_a_polite_503_never_silence(
    outage: BaseException,
) -> None:
    """Fail closed: the citizen is told it was not handled (REST 503 + Retry-After), nothing else."""

    async def failing(message: Any) -> None:
        raise outage

    async with rest_app() as (base, agent):
        agent.handle_message = failing  # type: ignore[method-assign]
        status, reply, headers = await _post(base, {"sender": "s-outage", "message": "hej"})
    assert status == 503 and headers["Retry-After"]
    assert [part["text"] for part in reply] == [UNAVAILABLE_TEXT]


async def test_a_message_handled_without_any_reply_gets_told_so() -> None:
    """The action server is down: Rasa handles the message, but its action's answer is lost."""

    async def silent(message: Any) -> None:
        return None

    async with rest_app() as (base, agent):
        agent.handle_message = silent  # type: ignore[method-assign]
        status, reply, _ = await _post(base, {"sender": "s-silent", "message": "hvornår er mit møde?"})
    assert status == 200  # handled: sending it again would ask twice
    assert [part["text"] for part in reply] == [NO_REPLY_TEXT]


@pytest.mark.parametrize(
    ("failure", "status", "texts"),
    [
        # Redis went away between the answer and releasing the conversation's lock: answered.
        (RuntimeError("LockError while releasing"), 200, ["Hej"]),
        # PostgreSQL went away before the turn was saved: the answer would be missing from the
        # conversation, so it does not count as answered (REST 503, the notice instead).
        (ConversationStoreUnavailable("OperationalError"), 503, [UNAVAILABLE_TEXT]),
    ],
    ids=["lock release failed: the answer stands", "turn not stored: the answer is withdrawn"],
)
async def test_a_failure_after_the_answer(failure: BaseException, status: int, texts: list[str]) -> None:
    async with rest_app() as (base, agent):
        answer = agent.handle_message

        async def answered_then_failed(message: Any) -> None:
            await answer(message)
            raise failure

        agent.handle_message = answered_then_failed  # type: ignore[method-assign]
        got, reply, _ = await _post(base, {"sender": "s-late", "message": "hej"})
    assert got == status and [part["text"] for part in reply] == texts


async def _two_requests_on_one_connection(base: str, texts: tuple[str, str]) -> list[bytes]:
    """Both requests over one TCP connection (HTTP/1.1 keep-alive), as a proxy sends them."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    heads = []
    for text in texts:
        body = json.dumps({"sender": "s-keepalive", "message": text}).encode()
        writer.write(
            b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        length = int(
            next(
                line.split(b":")[1]
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
        )
        await reader.readexactly(length)
        heads.append(head)
    writer.close()
    return heads


async def test_a_refused_message_does_not_turn_the_next_request_on_the_connection_into_503() -> None:
    """A proxy reuses connections: the "shed" flag of one request must not reach the next.

    `make chaos` found answered messages coming back as 503 behind HAProxy (and sent again) until
    every message and request resets the flag (limits.start_request). This test server does not
    reproduce that leak by itself (it passes without the reset too); it holds the behaviour."""
    calls: list[str] = []

    async with rest_app() as (base, agent):
        answer = agent.handle_message

        async def first_fails(message: Any) -> None:
            calls.append(message.text)
            if len(calls) == 1:
                raise RuntimeError("LockError")
            await answer(message)

        agent.handle_message = first_fails  # type: ignore[method-assign]
        heads = await _two_requests_on_one_connection(base, ("første", "anden"))
    assert [head.split(b" ")[1] for head in heads] == [b"503", b"200"]
    assert calls == ["første", "anden"]
