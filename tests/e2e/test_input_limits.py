"""End-to-end: the running Rasa server (`rasa run` as `make run` starts it) under hostile input.

On the real servers: a 2 MB REST body gets 413 before it is even sent, a
4,001-character message gets the polite answer at once, a conversation over its rate limit gets
429, the SMS webhooks refuse 2 MB (signed or not), an oversized socket.io packet is refused, and
"hej" from another conversation is still answered quickly while one client floods the server.
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Dict
from urllib.parse import urlsplit

import jwt
import requests
import socketio

from bot.rasa_plugins.channels.input_check import EMPTY_TEXT, RATE_LIMITED_TEXT, TOO_LONG_TEXT
from core.limits import MAX_INCOMING_CHARS

TWO_MB = 2 * 1024 * 1024
RATE_WINDOW_S = 60  # RATE_LIMIT_WINDOW's default (tests/support/servers.py does not change it)


def raw_post(
    base: str, path: str, content_length: int, first_bytes: bytes, headers: str = ""
) -> tuple[str, float]:
    """Send a request head announcing `content_length` bytes and only `first_bytes` of them."""
    parts = urlsplit(base)
    started = time.monotonic()
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {parts.hostname}\r\nContent-Type: application/json\r\n"
            f"{headers}Content-Length: {content_length}\r\n\r\n"
        )
        sock.sendall(head.encode() + first_bytes)
        answer = sock.recv(4096).decode("latin-1")
    return answer, time.monotonic() - started


def say(rest_url: str, sender: str, text: str) -> requests.Response:
    return requests.post(rest_url, json={"sender": sender, "message": text}, timeout=30)


def test_a_2_mb_rest_body_gets_413_at_once(servers: Dict[str, str]) -> None:
    answer, took = raw_post(
        servers["rasa"], "/webhooks/rest/webhook", TWO_MB, b'{"sender": "x", "message": "aaa'
    )
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert took < 1.0
    # the whole 2 MB sent by an ordinary client: refused too, and the server stays healthy
    try:
        status = requests.post(
            f"{servers['rasa']}/webhooks/rest/webhook",
            data=b'{"sender": "x", "message": "' + b"a" * TWO_MB + b'"}',
            headers={"Content-Type": "application/json"},
            timeout=10,
        ).status_code
    except requests.ConnectionError:
        status = 413  # the server answered and closed while the client was still sending
    assert status == 413
    assert requests.get(f"{servers['rasa']}/", timeout=5).ok


def test_4001_characters_get_the_polite_answer_at_once(rest_url: str) -> None:
    started = time.monotonic()
    reply = say(rest_url, f"long-{uuid.uuid4().hex}", "a" * (MAX_INCOMING_CHARS + 1))
    took = time.monotonic() - started
    assert reply.status_code == 200
    assert [m["text"] for m in reply.json()] == [TOO_LONG_TEXT]
    assert took < 1.0


def test_an_empty_message_gets_the_polite_answer_and_the_conversation_goes_on(rest_url: str) -> None:
    """Found by fuzzing: control characters only are empty once cleaned; they reached Rasa as ""
    and every later message in that conversation was answered with silence."""
    sender = f"tom-{uuid.uuid4().hex}"
    for empty in ["", "   ", "\x00\x01", "\x7f", "\n\t\x1b"]:
        reply = say(rest_url, sender, empty)
        assert reply.status_code == 200
        assert [r.get("text") for r in reply.json()] == [EMPTY_TEXT], repr(empty)
    for text in ["0", "hej"]:
        reply = say(rest_url, sender, text)
        assert reply.status_code == 200 and any(r.get("text") for r in reply.json()), text


def test_a_4000_character_message_is_answered_normally(rest_url: str) -> None:
    text = ("hvor længe varer et ressourceforløb " * 200)[:MAX_INCOMING_CHARS]
    started = time.monotonic()
    reply = say(rest_url, f"long-{uuid.uuid4().hex}", text)
    assert reply.status_code == 200 and reply.json()
    assert TOO_LONG_TEXT not in [m.get("text") for m in reply.json()]
    assert time.monotonic() - started < 5.0


def test_a_conversation_over_its_rate_limit_gets_429(servers: Dict[str, str], rest_url: str) -> None:
    limit = int(servers["rate_limit_per_conversation"])
    sender = f"flood-{uuid.uuid4().hex}"
    cheap = "a" * (MAX_INCOMING_CHARS + 1)  # counted, but answered without the NLU
    into_window = time.time() % RATE_WINDOW_S  # fixed windows: start well inside one
    if into_window > RATE_WINDOW_S - 20:
        time.sleep(RATE_WINDOW_S - into_window + 0.5)
    statuses = [say(rest_url, sender, cheap).status_code for _ in range(limit)]
    assert set(statuses) == {200}
    refused = say(rest_url, sender, "hej")
    assert refused.status_code == 429
    assert refused.json() == [{"recipient_id": sender, "text": RATE_LIMITED_TEXT}]
    assert int(refused.headers["Retry-After"]) >= 1
    assert say(rest_url, f"other-{uuid.uuid4().hex}", "hej").status_code == 200


def test_sms_webhooks_refuse_2_mb_signed_and_unsigned(servers: Dict[str, str]) -> None:
    claims = {"id": 1, "msisdn": 4540100001, "message": "hej"}
    signature = jwt.encode(claims, servers["sms_webhook_secret"], algorithm="HS256")
    for path in ("/webhooks/gatewayapi/webhook", "/webhooks/gatewayapi/status"):
        for headers in ("", f"X-Gwapi-Signature: {signature}\r\n"):
            answer, took = raw_post(servers["rasa"], path, TWO_MB, b"{", headers)
            assert answer.startswith("HTTP/1.1 413"), (path, answer[:200])
            assert took < 1.0


async def _socket_client(
    servers: Dict[str, str],
) -> tuple[socketio.AsyncClient, asyncio.Queue, asyncio.Queue]:
    client = socketio.AsyncClient(reconnection=False)
    confirmed: asyncio.Queue = asyncio.Queue()
    bot: asyncio.Queue = asyncio.Queue()
    client.on("session_confirm", confirmed.put_nowait)
    client.on("bot_uttered", bot.put_nowait)
    await client.connect(servers["rasa"], socketio_path="/socket.io", transports=["polling"])
    await client.emit("session_request", {"session_id": None, "metadata": {}})
    await asyncio.wait_for(confirmed.get(), 10)
    return client, confirmed, bot


async def test_socketio_too_long_gets_the_polite_answer_and_oversized_packets_are_refused(
    servers: Dict[str, str],
) -> None:
    client, _, bot = await _socket_client(servers)
    try:
        await client.emit("user_uttered", {"message": "a" * (MAX_INCOMING_CHARS + 1), "metadata": {}})
        assert (await asyncio.wait_for(bot.get(), 5)) == {"text": TOO_LONG_TEXT, "lang": "da"}
        # 200 KB in one packet: engine.io refuses it (the connection is dropped), nothing runs
        try:
            await client.emit("user_uttered", {"message": "a" * 200_000, "metadata": {}})
            await asyncio.sleep(1)
        except Exception:  # noqa: BLE001 - the client may see the refusal as an error
            pass
        assert bot.empty()
    finally:
        await client.disconnect()
    # the server is healthy: a new socket gets an answer
    client, _, bot = await _socket_client(servers)
    try:
        await client.emit("user_uttered", {"message": "hej", "metadata": {}})
        assert (await asyncio.wait_for(bot.get(), 30)).get("text")
    finally:
        await client.disconnect()


def _flood(base: str, rest_url: str, stop_at: float) -> int:
    sent = 0
    sender = f"flooder-{uuid.uuid4().hex}"
    while time.monotonic() < stop_at:
        raw_post(base, "/webhooks/rest/webhook", TWO_MB, b"{")
        try:
            say(rest_url, sender, "hvad er et ressourceforløb")
        except requests.RequestException:
            pass
        sent += 2
    return sent


def test_hej_is_answered_while_another_client_floods(servers: Dict[str, str], rest_url: str) -> None:
    stop_at = time.monotonic() + 8
    timings: list[float] = []
    with ThreadPoolExecutor(max_workers=3) as pool:
        floods = [pool.submit(_flood, servers["rasa"], rest_url, stop_at) for _ in range(2)]
        time.sleep(1)
        while time.monotonic() < stop_at:
            started = time.monotonic()
            reply = say(rest_url, f"hej-{uuid.uuid4().hex}", "hej")
            timings.append(time.monotonic() - started)
            assert reply.status_code == 200 and reply.json()
            time.sleep(0.3)
        sent = sum(f.result() for f in floods)
    timings.sort()
    p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
    print(f"flood: {sent} requests; 'hej' p95 {p95 * 1000:.0f} ms over {len(timings)} messages")
    assert sent > 20
    assert p95 < 2.0  # the target is 1 s on `make run`; the e2e run shares its CPU with the test
