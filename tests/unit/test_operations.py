"""/health, /ready and /metrics of a Rasa process (bot/rasa_plugins/channels/operations.py), and
the JSON log lines (bot/rasa_plugins/json_logs.py).

The operations channel runs on a real Sanic server (tests/support/channel_server.py) with a
stand-in agent whose readiness and conversation store the tests choose.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest

from bot.rasa_plugins import health, json_logs, metrics
from bot.rasa_plugins.channels.operations import OperationsInput
from core.settings import get_settings
from core.store.engine import make_engine
from tests.support.channel_server import running_app, use_citizen_secret
from tests.support.servers import free_port


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_citizen_secret(monkeypatch, "dev-only-" + "o" * 40)
    monkeypatch.setenv("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}/webhook")  # nobody there
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    monkeypatch.delenv("RATE_LIMIT_STORE_URL", raising=False)
    monkeypatch.delenv("GATEWAYAPI_TOKEN", raising=False)
    get_settings.cache_clear()
    health._cache.clear()
    yield
    health._cache.clear()
    get_settings.cache_clear()


def _wrapped_store(url: str) -> SimpleNamespace:
    """The store as Rasa 3.6 hands it to the agent: wrapped (AwaitableTrackerStore)."""
    return SimpleNamespace(_tracker_store=SimpleNamespace(engine=make_engine(url)))


async def _get(base: str, path: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(base + path) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), await answer.text()


async def test_ready_only_with_a_loaded_model_and_a_reachable_store(tmp_path: Path) -> None:
    async with running_app(OperationsInput(), before_start=True) as (base, agent):
        status, _, body = await _get(base, "/ready")
        assert status == 503 and json.loads(body)["model_loaded"] is False

        agent.is_ready = lambda: True
        agent.tracker_store = _wrapped_store(f"sqlite:///{tmp_path / 'conversations.db'}")
        health._cache.clear()
        status, _, body = await _get(base, "/ready")
        assert status == 200 and json.loads(body) == {
            "ready": True,
            "model_loaded": True,
            "conversation_store": True,
        }

        agent.tracker_store = _wrapped_store(f"postgresql+psycopg2://nobody@127.0.0.1:{free_port()}/none")
        health._cache.clear()
        status, _, body = await _get(base, "/ready")
        assert status == 503 and json.loads(body)["conversation_store"] is False


async def test_health_is_alive_and_names_a_dead_action_server_as_degraded(tmp_path: Path) -> None:
    async with running_app(OperationsInput(), before_start=True) as (base, agent):
        agent.is_ready = lambda: True
        agent.tracker_store = _wrapped_store(f"sqlite:///{tmp_path / 'conversations.db'}")
        status, _, body = await _get(base, "/health")
        assert status == 200
        answer = json.loads(body)
        assert answer["status"] == "degraded"
        assert answer["parts"] == {
            "action_server": "down",
            "redis": "not_used",
            "gateway": "not_used",
            "conversation_store": "ok",
        }
        assert "127.0.0.1" not in body  # a part is named, never its address
        # ... and a dead action server does not make the process unready (FAQ answers need none)
        assert (await _get(base, "/ready"))[0] == 200


async def test_metrics_are_prometheus_text_without_citizen_labels(tmp_path: Path) -> None:
    metrics.count_message("rest")
    metrics.count_message("some-unknown-channel")
    metrics.observe_reply("socketio", 0.3)
    metrics.count_reply(metrics.ASKED)
    metrics.count_status(503)
    async with running_app(OperationsInput(), before_start=True) as (base, _agent):
        status, content_type, text = await _get(base, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    for name in (
        'moedeklar_messages_total{channel="rest"}',
        'moedeklar_messages_total{channel="other"}',
        'moedeklar_reply_seconds_bucket{channel="socketio",le="0.5"}',
        'moedeklar_replies_total{kind="asked"}',
        'moedeklar_http_responses_total{status_class="5xx"}',
        "moedeklar_sms_outbox_depth",
    ):
        assert name in text
    assert "some-unknown-channel" not in text


def test_json_log_lines_mask_personal_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    old_level = root.level
    root.addHandler(handler)
    try:
        assert json_logs.install() is False  # LOG_JSON unset: text as before
        monkeypatch.setenv("LOG_JSON", "true")
        get_settings.cache_clear()
        root.setLevel(logging.DEBUG)
        assert json_logs.install() is True
        assert root.level == logging.INFO  # DEBUG would log citizens' messages
        logging.getLogger("moedeklar.test").warning("citizen 010190-1234 called from 20 30 40 50")
        line = json.loads(stream.getvalue().strip().splitlines()[-1])
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    assert line["level"] == "WARNING" and line["logger"] == "moedeklar.test" and "time" in line
    assert "010190-1234" not in line["message"] and "20 30 40 50" not in line["message"]
