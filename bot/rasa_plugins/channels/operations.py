"""The operations endpoints of every Rasa process: /health, /ready and /metrics.

Rasa has no hook for routes of its own beside the input channels, so this is an input channel
whose URL prefix is the server's root (`url_prefix()` returns "/", which Rasa joins onto
"/webhooks/" to "/"). credentials.yml lists it; it receives no messages.

- `GET /health`: 200 while the process runs, with `{"status": "ok" | "degraded", "parts": {...}}`
  (action server, Redis, SMS gateway, conversation store; see bot/rasa_plugins/health.py).
- `GET /ready`: 200 when it can answer (model loaded, conversation store reachable), else 503.
  The proxy and Kubernetes keep a process in the pool by this, and only by this.
- `GET /metrics`: Prometheus text (bot/rasa_plugins/metrics.py), the SMS outbox read on scrape.

It also counts every other route's 4xx/5xx responses (a response middleware on the app), and
switches the process's log to JSON lines when LOG_JSON=true (bot/rasa_plugins/json_logs.py).

Must not: expose anything about a citizen or a conversation, or an address of a part.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa_plugins import health, json_logs, metrics
from core import clock
from core.store.database import call
from core.store.errors import StoreError
from core.store.sms.outbox import Outbox

logger = logging.getLogger(__name__)

OUTBOX_TIMEOUT_S = 2.0
# Not counted among the chat entry points' statuses (an unready process answers 503 on purpose).
OPERATIONS_PATHS = ("/health", "/ready", "/metrics")


async def _read_outbox() -> None:
    try:
        depth, age = await asyncio.wait_for(call(Outbox().depth, clock.utc_now()), OUTBOX_TIMEOUT_S)
    except (StoreError, asyncio.TimeoutError):
        logger.warning("The SMS outbox could not be read for /metrics.")
        return
    metrics.SMS_OUTBOX_DEPTH.set(depth)
    metrics.SMS_OUTBOX_AGE.set(age)


class OperationsInput(InputChannel):
    """/health, /ready and /metrics at the server's root (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        return "operations"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "OperationsInput":
        return cls()

    def url_prefix(self) -> str:
        return "/"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        json_logs.install()  # logging is configured by the time Rasa builds the channels
        operations = Blueprint("moedeklar_operations", __name__)

        @operations.listener("before_server_start")
        async def _count_statuses(app: Any, _loop: Any) -> None:
            async def count(request: Request, answer: HTTPResponse) -> None:
                if answer is not None and request.path not in OPERATIONS_PATHS:
                    metrics.count_status(answer.status)

            app.register_middleware(count, "response")

        @operations.route("/health", methods=["GET"])
        async def alive(request: Request) -> HTTPResponse:
            parts = await health.parts(request.app.ctx.agent)
            degraded = any(state == health.DOWN for state in parts.values())
            return response.json({"status": "degraded" if degraded else "ok", "parts": parts})

        @operations.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            checks = await health.readiness(getattr(request.app.ctx, "agent", None))
            return response.json(
                {"ready": all(checks.values()), **checks}, status=200 if all(checks.values()) else 503
            )

        @operations.route("/metrics", methods=["GET"])
        async def scrape(_request: Request) -> HTTPResponse:
            await _read_outbox()
            return response.raw(generate_latest(metrics.REGISTRY), content_type=CONTENT_TYPE_LATEST)

        return operations
