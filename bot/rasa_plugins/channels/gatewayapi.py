"""The SMS input channel `gatewayapi`: GatewayAPI's webhooks, answered at once, handled later.

Configured in credentials.yml as `bot.rasa_plugins.channels.gatewayapi.GatewayApiInput:` (no keys: the
settings come from the environment, `core.sms.config`). Routes under /webhooks/gatewayapi/:

- `POST /webhook`: an incoming SMS. The body is read up to MAX_BODY_BYTES (413 beyond, before
  anything is parsed); the signature and the JSON are checked (`bot.rasa_plugins.sms.gatewayapi`: 401 / 4xx,
  nothing stored); the number becomes the conversation `sms:<pseudonym>`; CPR numbers are masked;
  a text longer than MAX_INCOMING_CHARS is stored without its text (the citizen gets a polite
  SMS). The message is stored once per gateway id and the answer is 200 at once, well within
  the gateway's 15 seconds: the worker (`bot.rasa_plugins.sms.worker`) answers it in the background. If the
  database cannot take it, 503, and the gateway delivers it again later.
- `POST /status`: a delivery report, stored with the SMS it is about (matched by `userref` and
  number); 200 also for reports about SMS we do not know, so the gateway stops retrying them.
- `GET /`: a health check.

The channel refuses to start without its secrets (and, in production, with development ones):
see docs/sms.md.

Must not: run Rasa in the request (the webhook only stores), or log numbers or texts.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, TypeVar

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa_plugins.channels.input_check import clean_text, defuse_payload
from bot.rasa_plugins.channels.verification import OnNewMessage
from bot.rasa_plugins.sms.gatewayapi import GatewayApi
from bot.rasa_plugins.sms.provider import SmsProvider, WebhookRejected
from bot.rasa_plugins.sms.worker import SmsWorker
from core import clock
from core.limits import MAX_BODY_BYTES, MAX_INCOMING_CHARS
from core.privacy import install_log_filter, mask_cpr
from core.records import SmsReceived
from core.sms import INPUT_CHANNEL
from core.sms.config import SmsConfig, sms_config
from core.sms.pseudonym import conversation_id
from core.store.database import call
from core.store.errors import StoreUnavailable

T = TypeVar("T")
logger = logging.getLogger(__name__)


class BodyTooLarge(Exception):
    """The request body is larger than MAX_BODY_BYTES."""


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The streamed request body, refusing (BodyTooLarge) as soon as it exceeds `limit`."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BodyTooLarge()
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.stream.read()
        if chunk is None:
            break
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=status)


async def _verified(request: Request, parse: Callable[[Any, bytes], T], what: str) -> T | HTTPResponse:
    """`parse(headers, body)` of a size-limited, signed webhook body, or the 4xx to answer."""
    try:
        return parse(request.headers, await read_body(request))
    except BodyTooLarge:
        return _error(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    except WebhookRejected as rejected:
        logger.info("%s refused (%s): %s", what, rejected.status, rejected.reason)
        return _error(rejected.status, rejected.reason)


class GatewayApiInput(InputChannel):
    """SMS through GatewayAPI (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        return INPUT_CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        return cls()

    def __init__(self, config: SmsConfig | None = None, provider: SmsProvider | None = None) -> None:
        self._config = config
        self._provider = provider
        self.worker: SmsWorker | None = None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        install_log_filter()  # logging is configured by the time Rasa builds blueprints
        config = self._config or sms_config()  # SmsNotConfigured stops the server, naming the variable
        provider = self._provider or GatewayApi(config)
        worker = self.worker = SmsWorker(provider, config)
        webhook = Blueprint("gatewayapi_webhook", __name__)

        @webhook.listener("after_server_start")
        async def start_worker(app: Any, _loop: Any) -> None:
            await worker.start(app, on_new_message)

        @webhook.listener("before_server_stop")
        async def stop_worker(_app: Any, _loop: Any) -> None:
            await worker.stop()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def incoming(request: Request) -> HTTPResponse:
            sms = await _verified(request, provider.incoming, "SMS webhook")
            if isinstance(sms, HTTPResponse):
                return sms
            # lone surrogates (valid JSON escapes, not storable) become U+FFFD (channels/input_check.py)
            text = (
                mask_cpr(defuse_payload(clean_text(sms.text)))[0]
                if len(sms.text) <= MAX_INCOMING_CHARS
                else None
            )
            received = SmsReceived(
                provider_id=sms.provider_id,
                conversation_id=conversation_id(sms.msisdn, config.pseudonym_key),
                msisdn=sms.msisdn,
                text=text,
                received_at=clock.utc_now(),
            )
            try:
                new = await call(worker.conversations.receive, received)
            except StoreUnavailable:
                return _error(503, "the message could not be stored; please deliver it again")
            worker.wake()
            return response.json({"status": "received" if new else "duplicate"})

        @webhook.route("/status", methods=["POST"], stream=True)
        async def status(request: Request) -> HTTPResponse:
            report = await _verified(request, provider.delivery_report, "SMS status webhook")
            if isinstance(report, HTTPResponse):
                return report
            try:
                known = await call(worker.outbox.report, report)
            except StoreUnavailable:
                return _error(503, "the report could not be stored; please deliver it again")
            return response.json({"status": "stored" if known else "unknown"})

        return webhook
