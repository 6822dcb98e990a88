"""GatewayAPI as documented (bot/rasa_plugins/sms/gatewayapi.py) against the simulator
(bot/tools/gateway_simulator).

Webhooks: the JWT in X-Gwapi-Signature must be ours and cover the body; malformed input is a
clear 4xx. Sending: the documented request (Token auth, integer msisdn, UCS2 only when needed,
userref, callback_url), and what each answer of the gateway means for the outbox.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp import web

from bot.rasa_plugins.sms.gatewayapi import SIGNATURE_HEADER, GatewayApi
from bot.rasa_plugins.sms.provider import WebhookRejected
from bot.tools.gateway_simulator.app import GatewaySimulator, RefusedInProduction
from core.records import SmsSendRecord
from core.settings import get_settings
from core.sms.config import SmsConfig

SECRET = "dev-only-webhook-secret-of-enough-bytes"
TOKEN = "dev-only-token"
MO = {"id": 1000001, "msisdn": 4520123456, "receiver": 451204, "message": "Hej", "senttime": 1450000000}
DSN = {"id": 1000001, "msisdn": 4520123456, "time": 1450000000, "status": "DELIVERED", "userref": "17"}


def config(url: str = "http://127.0.0.1:1", timeout_s: float = 2.0) -> SmsConfig:
    return SmsConfig(url, TOKEN, SECRET, b"key", "JobcenterEx", "https://bot.example/status", timeout_s, 60)


def signed(claims: dict[str, Any], secret: str = SECRET) -> dict[str, str]:
    return {SIGNATURE_HEADER: jwt.encode(claims, secret, algorithm="HS256")}


def body(document: Any) -> bytes:
    return json.dumps(document).encode()


def test_a_signed_incoming_sms_is_read_as_documented() -> None:
    sms = GatewayApi(config()).incoming(signed(MO), body(MO))
    assert (sms.provider_id, sms.msisdn, sms.text) == ("gatewayapi:1000001", "+4520123456", "Hej")
    assert sms.sent_at is not None and sms.sent_at.year == 2015


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing"),
        (signed(MO, "dev-only-another-secret-of-enough-bytes"), "not signed with our webhook secret"),
        ({SIGNATURE_HEADER: "not-a-jwt"}, "not signed"),
        (signed({**MO, "message": "noget andet"}), "does not cover the body"),
    ],
)
def test_unsigned_or_forged_incoming_sms_is_401(headers: dict[str, str], reason: str) -> None:
    with pytest.raises(WebhookRejected) as refused:
        GatewayApi(config()).incoming(headers, body(MO))
    assert refused.value.status == 401 and reason in refused.value.reason


def test_the_none_algorithm_is_refused() -> None:
    token = jwt.encode(MO, None, algorithm="none")  # type: ignore[arg-type]
    with pytest.raises(WebhookRejected) as refused:
        GatewayApi(config()).incoming({SIGNATURE_HEADER: token}, body(MO))
    assert refused.value.status == 401


@pytest.mark.parametrize(
    ("document", "raw", "status"),
    [
        (None, b"{not json", 400),
        (None, b"\xff\xfe\xfd", 400),
        ([MO], None, 422),
        ({**MO, "id": "1000001"}, None, 422),
        ({**MO, "msisdn": "4520123456"}, None, 422),
        ({**MO, "message": 42}, None, 422),
        ({**MO, "message": "hej\x00med\x1bdig"}, None, 422),
        ({**MO, "msisdn": 12}, None, 422),
        ({**MO, "id": True}, None, 422),
        ({**MO, "senttime": 10**20}, None, 422),
    ],
)
def test_bad_incoming_input_is_a_clear_4xx(document: Any, raw: bytes | None, status: int) -> None:
    claims = document if isinstance(document, dict) else MO
    with pytest.raises(WebhookRejected) as refused:
        GatewayApi(config()).incoming(signed(claims), raw if raw is not None else body(document))
    assert refused.value.status == status


def test_delivery_reports_are_read_and_checked() -> None:
    report = GatewayApi(config()).delivery_report(signed(DSN), body(DSN))
    assert (report.outbox_id, report.msisdn, report.status) == (17, "+4520123456", "DELIVERED")
    for bad in ({**DSN, "status": 5}, {**DSN, "status": "DELIVERED\x07"}, {**DSN, "userref": 17}):
        with pytest.raises(WebhookRejected) as refused:
            GatewayApi(config()).delivery_report(signed(bad), body(bad))
        assert 400 <= refused.value.status < 500
    with pytest.raises(WebhookRejected) as refused:
        GatewayApi(config()).delivery_report(signed({**DSN, "userref": "18"}), body(DSN))
    assert refused.value.status == 401


def message(text: str = "Hej fra Mødeklar", encoding: str = "GSM", outbox_id: int = 5) -> SmsSendRecord:
    return SmsSendRecord(outbox_id, "sms:x", "+4520123456", text, encoding, "reply", 0)


def test_the_request_body_is_the_documented_one() -> None:
    provider = GatewayApi(config())
    assert provider.request_body(message()) == {
        "sender": "JobcenterEx",
        "message": "Hej fra Mødeklar",
        "recipients": [{"msisdn": 4520123456}],
        "userref": "5",
        "callback_url": "https://bot.example/status",
    }
    assert provider.request_body(message("Łucja", "UCS2"))["encoding"] == "UCS2"


@pytest.fixture
async def gateway(unused_tcp_port: int) -> AsyncIterator[tuple[GatewaySimulator, str]]:
    simulator = GatewaySimulator(TOKEN, SECRET, "http://127.0.0.1:9/none", report_delay_s=0)
    runner = web.AppRunner(simulator.app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    yield simulator, f"http://127.0.0.1:{unused_tcp_port}"
    await runner.cleanup()


async def test_sending_through_the_simulator(gateway: tuple[GatewaySimulator, str]) -> None:
    simulator, url = gateway
    async with aiohttp.ClientSession() as session:
        outcome = await GatewayApi(config(url)).send(session, message("Pris: 10 € [ca.]"))
        assert outcome.result == "sent" and outcome.gateway_message_id
        [recorded] = simulator.sent()
        assert (recorded.text, recorded.userref, recorded.segments, recorded.encoding) == (
            "Pris: 10 € [ca.]",
            "5",
            1,
            "GSM",
        )
        assert recorded.sender == "JobcenterEx" and not recorded.warnings
        wrong_token = SmsConfig(url, "dev-only-wrong", SECRET, b"k", "JobcenterEx", None, 2, 60)
        assert (await GatewayApi(wrong_token).send(session, message())).result == "retry"


@pytest.mark.parametrize(
    ("mode", "status", "expected"),
    [
        ("error", 503, "retry"),
        ("error", 500, "retry"),
        ("error", 400, "failed"),
        ("timeout", 0, "unconfirmed"),
    ],
)
async def test_what_a_failing_gateway_means(
    gateway: tuple[GatewaySimulator, str], mode: str, status: int, expected: str
) -> None:
    simulator, url = gateway
    simulator.failure.mode, simulator.failure.status = mode, status
    async with aiohttp.ClientSession() as session:
        outcome = await GatewayApi(config(url, timeout_s=0.5)).send(session, message())
    assert outcome.result == expected
    assert simulator.sent() == []


async def test_a_gateway_that_is_not_there_means_retry() -> None:
    async with aiohttp.ClientSession() as session:
        outcome = await GatewayApi(config("http://127.0.0.1:9")).send(session, message())
    assert outcome.result == "retry"


async def test_the_simulator_checks_the_token_three_documented_ways(
    gateway: tuple[GatewaySimulator, str],
) -> None:
    _, url = gateway
    sms = {"message": "Hej", "recipients": [{"msisdn": 4520123456}]}
    async with aiohttp.ClientSession() as session:
        basic = aiohttp.BasicAuth(TOKEN, "")
        async with session.post(f"{url}/rest/mtsms", json=sms, auth=basic) as response:
            assert response.status == 200
        async with session.post(f"{url}/rest/mtsms?token={TOKEN}", json=sms) as response:
            assert response.status == 200
            assert set(await response.json()) == {"ids", "usage"}
        async with session.post(f"{url}/rest/mtsms", json=sms) as response:
            assert response.status == 401


def test_the_simulator_refuses_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    get_settings.cache_clear()
    try:
        with pytest.raises(RefusedInProduction):
            GatewaySimulator(TOKEN, SECRET, "http://127.0.0.1:9/none")
    finally:
        monkeypatch.delenv("APP_ENV")
        get_settings.cache_clear()


async def test_the_sms_output_channel_keeps_buttons_as_data_never_as_text() -> None:
    from bot.rasa_plugins.sms.output import SmsOutputChannel

    output = SmsOutputChannel()
    buttons = [{"title": "Videre", "payload": "/secret_intent"}]
    await output.send_response("sms:x", {"text": "Trin 1\n\nlinje to", "buttons": list(buttons)})
    await output.send_response("sms:x", {"text": "Første del\n\nAnden del"})
    assert output.messages[0]["text"] == "Trin 1\n\nlinje to" and output.messages[0]["buttons"] == buttons
    assert [m["text"] for m in output.messages] == ["Trin 1\n\nlinje to", "Første del\n\nAnden del"]
    assert not any("/secret_intent" in m["text"] for m in output.messages)
    assert SmsOutputChannel.name() == "gatewayapi"
