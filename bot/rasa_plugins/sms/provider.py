"""The small interface an SMS gateway implements, so a second gateway is one class.

A provider turns its webhooks into `IncomingSms` / `SmsDeliveryReport` (or refuses them with a
`WebhookRejected` carrying the HTTP status to answer), and sends one outbox row, saying how it
went (`SendOutcome`). Everything else (queueing, ordering, retries, identity, formatting) is the
same for every gateway. GatewayAPI is `bot.rasa_plugins.sms.gatewayapi.GatewayApi`; a LINK Mobility or
Twilio class would check its own signature (Twilio's `X-Twilio-Signature`, which Rasa's built-in
Twilio channel does not check) and speak its own send API.

Must not: store anything or log numbers or texts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

import aiohttp

from core.records import SmsDeliveryReport, SmsSendRecord


class WebhookRejected(Exception):
    """A webhook request we refuse: answer `status` with `reason` (no personal data in it)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class IncomingSms:
    """An SMS from a citizen, as the gateway reported it, checked and normalised."""

    provider_id: str  # "<provider>:<the gateway's message id>", unique per message
    msisdn: str  # E.164
    text: str
    sent_at: datetime | None


SendResult = Literal["sent", "retry", "unconfirmed", "failed"]


@dataclass(frozen=True)
class SendOutcome:
    """How one send went: `sent` (with the gateway's id), `retry` (definitely not sent, try
    again), `unconfirmed` (may have been sent: wait for a report), `failed` (never retry)."""

    result: SendResult
    gateway_message_id: str | None = None
    error: str = ""  # HTTP status or error class only


class SmsProvider(Protocol):
    name: str

    def incoming(self, headers: Mapping[str, str], body: bytes) -> IncomingSms:
        """The SMS in an incoming-SMS webhook; WebhookRejected when it is not acceptable."""

    def delivery_report(self, headers: Mapping[str, str], body: bytes) -> SmsDeliveryReport:
        """The report in a delivery-status webhook; WebhookRejected when it is not acceptable."""

    async def send(self, session: aiohttp.ClientSession, message: SmsSendRecord) -> SendOutcome:
        """Send one outbox row (its id as our reference) and say how it went."""
