"""GatewayAPI, the Danish SMS gateway, as documented in onlinecity/gatewayapi-docs (docs/rest.rst).

Webhooks (incoming SMS and delivery status), both signed:
- GatewayAPI signs every webhook call with a JWT (HS256, keyed with the webhook's
  "authentication token", our GATEWAYAPI_WEBHOOK_SECRET) in the `X-Gwapi-Signature` header; the
  JWT's claims are the webhook's fields. We verify the signature with HS256 pinned (never the
  algorithm the header names) and then require the JSON body to say the same as the claims for
  every field we use, so a captured signature cannot carry another body. No signature, a wrong
  one or a body that differs: 401, and nothing is stored.
- Incoming SMS ("MO SMS"): `id` (integer), `msisdn` (integer, e.g. 4587654321), `receiver`
  (integer short code), `message` (string, incl. keyword), `senttime` (integer UNIX time), and
  optional fields. Delivery status ("DSN"): `id`, `msisdn`, `time`, `status` (all caps, e.g.
  DELIVERED), optional `error`, `code`, and `userref` (our outbox id).
- Malformed input is refused with a clear 4xx: invalid UTF-8 or JSON 400, wrong types, missing
  fields, control characters or a number that is not a phone number 422.

Sending ("MT SMS"): `POST {GATEWAYAPI_URL}/rest/mtsms` with `Authorization: Token <token>` and
JSON `sender`, `message`, `recipients: [{"msisdn": <integer>}]`, `encoding: "UCS2"` only when the
text needs it (the default is GSM 03.38), `userref` (our outbox id, so a delivery report finds
its SMS) and `callback_url` (our status webhook, when configured). 200 returns `{"ids": [...]}`.
400/422 are our own mistake: failed, never retried. 401/403, 429 and 5xx, or a refused
connection: definitely not sent, retried. A time-out or a connection lost mid-request: perhaps
sent, so the outbox waits for a delivery report before sending again.

Must not: log numbers, texts or tokens.
"""

from __future__ import annotations

import asyncio
import json
import logging
import unicodedata
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import aiohttp
import jwt

from bot.rasa_plugins.sms.provider import IncomingSms, SendOutcome, WebhookRejected
from core.phone import to_e164
from core.records import SmsDeliveryReport, SmsSendRecord
from core.sms.config import SmsConfig
from core.sms.encoding import UCS2

logger = logging.getLogger(__name__)

NAME = "gatewayapi"
SIGNATURE_HEADER = "X-Gwapi-Signature"
SEND_PATH = "/rest/mtsms"
MAX_JWT_CHARS = 16 * 1024
PERMANENT_FAILURES = frozenset({400, 422})
MAX_FIELD_CHARS = 200

_INCOMING_SIGNED = ("id", "msisdn", "message")
_STATUS_SIGNED = ("id", "msisdn", "status", "userref")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def has_control_characters(text: str) -> bool:
    """True when `text` holds control characters other than tab and line breaks."""
    return any(unicodedata.category(char) == "Cc" and char not in "\t\r\n" for char in text)


def _decode(body: bytes) -> dict[str, Any]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookRejected(400, "the body is not valid UTF-8") from None
    try:
        document = json.loads(text)
    except ValueError:
        raise WebhookRejected(400, "the body is not valid JSON") from None
    if not isinstance(document, dict):
        raise WebhookRejected(422, "the body must be a JSON object")
    return document


def _require(document: Mapping[str, Any], name: str, kind: str) -> Any:
    value = document.get(name)
    if kind == "int" and not _is_int(value):
        raise WebhookRejected(422, f"`{name}` must be an integer")
    if kind == "str" and not isinstance(value, str):
        raise WebhookRejected(422, f"`{name}` must be a string")
    return value


def _optional(document: Mapping[str, Any], name: str, kind: str) -> Any:
    return None if document.get(name) is None else _require(document, name, kind)


def _msisdn(value: int) -> str:
    e164 = to_e164(f"+{value}") if value > 0 else None
    if e164 is None:
        raise WebhookRejected(422, "`msisdn` is not a valid phone number")
    return e164


def _moment(value: int | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(value, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise WebhookRejected(422, "the timestamp is out of range") from None


def _backoff_error(status: int) -> str:
    return f"HTTP {status}"


class GatewayApi:
    """The GatewayAPI provider (see the module docstring)."""

    name = NAME

    def __init__(self, config: SmsConfig) -> None:
        self.config = config

    # --- webhooks -------------------------------------------------------------------------------
    def _claims(self, headers: Mapping[str, str]) -> dict[str, Any]:
        token = headers.get(SIGNATURE_HEADER) or headers.get(SIGNATURE_HEADER.lower())
        if not token or not isinstance(token, str) or len(token) > MAX_JWT_CHARS:
            raise WebhookRejected(401, f"missing or unusable {SIGNATURE_HEADER} header")
        try:
            claims = jwt.decode(token.strip(), self.config.webhook_secret, algorithms=["HS256"])
        except jwt.PyJWTError:
            raise WebhookRejected(401, f"{SIGNATURE_HEADER} is not signed with our webhook secret") from None
        if not isinstance(claims, dict):
            raise WebhookRejected(401, "the signature carries no webhook fields")
        return claims

    def _signed_document(
        self, headers: Mapping[str, str], body: bytes, fields: tuple[str, ...]
    ) -> dict[str, Any]:
        claims = self._claims(headers)
        document = _decode(body)
        for name in fields:
            if claims.get(name) != document.get(name):
                raise WebhookRejected(401, f"the signature does not cover the body (`{name}` differs)")
        return document

    def incoming(self, headers: Mapping[str, str], body: bytes) -> IncomingSms:
        document = self._signed_document(headers, body, _INCOMING_SIGNED)
        message_id = _require(document, "id", "int")
        msisdn = _require(document, "msisdn", "int")
        text = _require(document, "message", "str")
        _optional(document, "receiver", "int")
        sent = _optional(document, "senttime", "int")
        if message_id <= 0:
            raise WebhookRejected(422, "`id` must be positive")
        if has_control_characters(text):
            raise WebhookRejected(422, "`message` contains control characters")
        return IncomingSms(f"{NAME}:{message_id}", _msisdn(msisdn), text, _moment(sent))

    def delivery_report(self, headers: Mapping[str, str], body: bytes) -> SmsDeliveryReport:
        document = self._signed_document(headers, body, _STATUS_SIGNED)
        message_id = _require(document, "id", "int")
        msisdn = _require(document, "msisdn", "int")
        status = _require(document, "status", "str")
        at = _moment(_optional(document, "time", "int")) or datetime.now(timezone.utc)
        userref = _optional(document, "userref", "str")
        error = _optional(document, "error", "str")
        code = _optional(document, "code", "str")
        for name, value in (("status", status), ("error", error), ("code", code), ("userref", userref)):
            if value is not None and (len(value) > MAX_FIELD_CHARS or has_control_characters(value)):
                raise WebhookRejected(422, f"`{name}` is too long or contains control characters")
        if not status.strip() or not status.replace("_", "").isalpha():
            raise WebhookRejected(422, "`status` must be a status word such as DELIVERED")
        outbox_id = int(userref) if userref is not None and userref.isdigit() else 0
        return SmsDeliveryReport(
            outbox_id=outbox_id,
            msisdn=_msisdn(msisdn),
            status=status.upper(),
            gateway_message_id=str(message_id),
            error=error,
            code=code,
            at=at,
        )

    # --- sending --------------------------------------------------------------------------------
    def request_body(self, message: SmsSendRecord) -> dict[str, Any]:
        """The JSON GatewayAPI gets for one outbox row."""
        body: dict[str, Any] = {
            "sender": self.config.sender,
            "message": message.text,
            "recipients": [{"msisdn": int(message.msisdn.lstrip("+"))}],
            "userref": str(message.id),
        }
        if message.encoding == UCS2:
            body["encoding"] = UCS2
        if self.config.callback_url:
            body["callback_url"] = self.config.callback_url
        return body

    async def send(self, session: aiohttp.ClientSession, message: SmsSendRecord) -> SendOutcome:
        url = self.config.gateway_url + SEND_PATH
        headers = {"Authorization": f"Token {self.config.token}", "Accept": "application/json"}
        timeout = aiohttp.ClientTimeout(total=self.config.timeout_s)
        try:
            async with session.post(
                url, json=self.request_body(message), headers=headers, timeout=timeout
            ) as response:
                status = response.status
                if status == 200:
                    return SendOutcome("sent", await self._first_id(response))
                if status in PERMANENT_FAILURES:
                    logger.error(
                        "GatewayAPI refused an SMS as invalid (HTTP %s); it will not be retried", status
                    )
                    return SendOutcome("failed", error=_backoff_error(status))
                if status in (401, 403):
                    logger.error(
                        "GatewayAPI refused our credentials (HTTP %s): check GATEWAYAPI_TOKEN", status
                    )
                return SendOutcome("retry", error=_backoff_error(status))
        except aiohttp.ClientConnectorError as exc:  # never reached the gateway
            return SendOutcome("retry", error=type(exc).__name__)
        except (asyncio.TimeoutError, aiohttp.ClientError) as exc:  # may have reached it
            return SendOutcome("unconfirmed", error=type(exc).__name__)

    @staticmethod
    async def _first_id(response: aiohttp.ClientResponse) -> str | None:
        try:
            document = await response.json(content_type=None)
        except (ValueError, aiohttp.ClientError):
            return None
        ids = document.get("ids") if isinstance(document, dict) else None
        if isinstance(ids, list) and ids and _is_int(ids[0]):
            return str(ids[0])
        return None
